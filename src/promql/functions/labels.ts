// label_replace, label_join and label-name validation.

import type { Call } from '../ast.js';
import { executionError } from '../errors.js';
import type { Evaluator } from '../evaluator.js';
import { compileCapturingRegex, type RegexCaptures } from '../regex.js';
import { getLabel, labelsKey, setLabel, type Grid, type StepSeries, type Value } from '../value.js';
import { formatLabels } from '../value.js';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Prometheus 3 accepts any valid UTF-8 label name (non-empty). */
export function isValidLabelName(name: string): boolean {
  return name.length > 0 && !LONE_SURROGATE.test(name);
}

/** Go's regexp.Expand for `$1`, `${1}`, `$name`, `${name}`, `$$`. */
export function expandTemplate(template: string, match: RegexCaptures): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const next = template[i + 1]!;
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    if (next === '{') {
      const end = template.indexOf('}', i + 2);
      const inner = end < 0 ? '' : template.slice(i + 2, end);
      if (end < 0 || !/^\w+$/.test(inner)) {
        out += c;
        continue;
      }
      name = inner;
      i = end;
    } else {
      const m = /^\w+/.exec(template.slice(i + 1));
      if (!m) {
        out += c;
        continue;
      }
      name = m[0];
      i += m[0].length;
    }
    if (/^\d+$/.test(name)) {
      const idx = Number(name);
      out += match.groups[idx] ?? '';
    } else {
      out += match.named[name] ?? '';
    }
  }
  return out;
}

/** Output series must have distinct label sets wherever they have samples at the same step. */
function checkDistinct(series: StepSeries[], n: number): void {
  const byKey = new Map<string, StepSeries>();
  for (const s of series) {
    const key = labelsKey(s.labels);
    const other = byKey.get(key);
    if (other) {
      for (let i = 0; i < n; i++) {
        if (s.present[i] && other.present[i]) throw executionError('vector cannot contain metrics with the same labelset');
      }
      const merged = new Uint8Array(n);
      for (let i = 0; i < n; i++) merged[i] = s.present[i]! | other.present[i]!;
      byKey.set(key, { ...other, present: merged });
    } else byKey.set(key, s);
  }
}

export function labelReplace(ev: Evaluator, call: Call, grid: Grid): Value {
  const [dst, replacement, src, regex] = call.args.slice(1).map((a) => ev.evalString(a, grid)) as [string, string, string, string];
  let match: (s: string) => RegexCaptures | null;
  try {
    match = compileCapturingRegex(regex);
  } catch {
    throw executionError(`invalid regular expression in label_replace(): ${regex}`);
  }
  if (!isValidLabelName(dst)) throw executionError(`invalid destination label name in label_replace(): ${dst}`);
  const v = ev.evalVector(call.args[0]!, grid);
  const out = v.series.map((s) => {
    const m = match(getLabel(s.labels, src));
    if (!m) return s;
    const value = expandTemplate(replacement, m);
    return { ...s, labels: setLabel(s.labels, dst, value), key: undefined, dropName: dst === '__name__' ? false : s.dropName };
  });
  checkDistinct(out, grid.count);
  return { kind: 'vector', series: out };
}

export function labelJoin(ev: Evaluator, call: Call, grid: Grid): Value {
  const strs = call.args.slice(1).map((a) => ev.evalString(a, grid));
  const dst = strs[0]!;
  const sep = strs[1]!;
  const srcs = strs.slice(2);
  if (!isValidLabelName(dst)) throw executionError(`invalid destination label name in label_join(): ${dst}`);
  for (const s of srcs) if (!isValidLabelName(s)) throw executionError(`invalid source label name in label_join(): ${s}`);
  const v = ev.evalVector(call.args[0]!, grid);
  const out = v.series.map((s) => {
    const value = srcs.map((name) => getLabel(s.labels, name)).join(sep);
    return { ...s, labels: setLabel(s.labels, dst, value), key: undefined, dropName: dst === '__name__' ? false : s.dropName };
  });
  checkDistinct(out, grid.count);
  return { kind: 'vector', series: out };
}

export { formatLabels };
