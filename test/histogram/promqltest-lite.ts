// A small reader of Prometheus's PromQL test-file format, enough to run the native-histogram statistics of
// testdata/native_histograms_stats.test against src/histogram directly (the full engine runs the complete files in
// test/promql). It knows `load <interval>` with histogram series (`{{..}}`, `{{..}}xN`, `{{a}}+{{b}}xN`,
// `{{a}}-{{b}}xN`, `_`, `_xN`), `clear`, and `eval instant at <t> fn(args, selector)` with its expected samples
// and `expect info|no_info` lines.
import { addHistogram, parseHistogramLiteral, subHistogram, type FloatHistogram } from '../../src/histogram/index.js';

export interface Series {
  labels: Record<string, string>;
  /** Sample per step index (undefined: no sample). */
  values: (FloatHistogram | undefined)[];
  interval: number;
}

export interface Eval {
  line: number;
  atMs: number;
  fn: string;
  args: number[];
  selector: { name: string; matchers: Record<string, string> };
  expected: { labels: Record<string, string>; value: number }[];
  info: 'any' | 'none' | 'unspecified';
  infoMessage?: string;
  /** The series loaded when the eval runs. */
  series: Series[];
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNITS[m[2]!]!;
  return total;
}

/** Go's strconv.ParseFloat for the numbers of test files (Inf, +Inf, -Inf, NaN, decimals). */
export function parseFloatArg(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan') return NaN;
  const n = Number(t);
  if (t === '' || Number.isNaN(n)) throw new Error(`bad number ${text}`);
  return n;
}

export function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of (text ?? '').matchAll(/([\w]+)\s*=\s*"([^"]*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

/** Expands the value sequence of one series line. */
export function expandValues(text: string): (FloatHistogram | undefined)[] {
  const out: (FloatHistogram | undefined)[] = [];
  let i = 0;
  const literalAt = (pos: number): [FloatHistogram, number] => {
    const end = text.indexOf('}}', pos);
    if (end === -1) throw new Error(`unclosed histogram in ${text}`);
    return [parseHistogramLiteral(text.slice(pos, end + 2)), end + 2];
  };
  while (i < text.length) {
    if (/\s/.test(text[i]!)) {
      i++;
      continue;
    }
    if (text[i] === '_') {
      const m = /^_(?:x(\d+))?/.exec(text.slice(i))!;
      for (let k = 0; k < (m[1] ? Number(m[1]) : 1); k++) out.push(undefined);
      i += m[0].length;
      continue;
    }
    if (!text.startsWith('{{', i)) throw new Error(`not a histogram value at ${text.slice(i)}`);
    const [base, afterBase] = literalAt(i);
    i = afterBase;
    const op = text[i];
    if (op === '+' || op === '-') {
      const [inc, afterInc] = literalAt(i + 1);
      const m = /^x(\d+)/.exec(text.slice(afterInc))!;
      let cur = base;
      out.push(cur);
      for (let k = 0; k < Number(m[1]); k++) out.push((cur = op === '+' ? addHistogram(cur, inc) : subHistogram(cur, inc)));
      i = afterInc + m[0].length;
      continue;
    }
    const m = /^x(\d+)/.exec(text.slice(i));
    for (let k = 0; k <= (m ? Number(m[1]) : 0); k++) out.push(base);
    if (m) i += m[0].length;
  }
  return out;
}

const EVAL = /^(eval|eval_warn|eval_info)\s+instant at (\S+)\s+(histogram_\w+)\(((?:[^,()]+,\s*)*)([a-zA-Z_:][\w:]*)(\{[^}]*\})?\)\s*$/;

/** Parses a test file into the evaluations it holds, each with the series loaded at that point. */
export function parseTestFile(text: string): Eval[] {
  const lines = text.split('\n');
  const evals: Eval[] = [];
  let series: Series[] = [];
  let current: Eval | undefined;
  let interval = 0;
  lines.forEach((raw, idx) => {
    const line = raw.trimEnd();
    if (line.trim() === '' || line.trimStart().startsWith('#')) return void (current = undefined);
    if (!/^\s/.test(line)) {
      current = undefined;
      if (line === 'clear') series = [];
      else if (line.startsWith('load ')) interval = parseDuration(line.slice(5));
      else {
        const m = EVAL.exec(line);
        if (!m) throw new Error(`line ${idx + 1}: unsupported command ${line}`);
        const args = m[4]!.split(',').map((a) => a.trim()).filter((a) => a !== '').map(parseFloatArg);
        current = { line: idx + 1, atMs: parseDuration(m[2]!), fn: m[3]!, args, selector: { name: m[5]!, matchers: parseLabels(m[6]) }, expected: [], info: m[1] === 'eval_info' ? 'any' : 'unspecified', series };
        evals.push(current);
      }
      return;
    }
    const body = line.trim();
    if (current) {
      if (body === 'expect no_info') current.info = 'none';
      else if (body.startsWith('expect info')) [current.info, current.infoMessage] = ['any', /msg: (.*)$/.exec(body)?.[1]];
      else {
        const m = /^(\{[^}]*\})\s+(\S+)$/.exec(body);
        if (!m) throw new Error(`line ${idx + 1}: unsupported expectation ${body}`);
        current.expected.push({ labels: parseLabels(m[1]), value: parseFloatArg(m[2]!) });
      }
      return;
    }
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(.*)$/.exec(body);
    if (!m) throw new Error(`line ${idx + 1}: bad series ${body}`);
    // Float series are of no use to histogram functions.
    if (m[3]!.includes('{{')) series = [...series, { labels: { __name__: m[1]!, ...parseLabels(m[2]) }, values: expandValues(m[3]!), interval }];
  });
  return evals;
}

/** The sample an instant selector sees at t: the newest within the 5m lookback, (t-5m, t]. */
export function sampleAt(s: Series, atMs: number): FloatHistogram | undefined {
  for (let i = s.values.length - 1; i >= 0; i--) {
    const ts = i * s.interval;
    if (ts > atMs || s.values[i] === undefined) continue;
    return ts > atMs - 5 * 60_000 ? s.values[i] : undefined;
  }
  return undefined;
}

/** Prometheus's util/almost.Equal: relative tolerance epsilon, NaN equals NaN. */
export function almostEqual(a: number, b: number, epsilon = 1e-6): boolean {
  const minNormal = 2.2250738585072014e-308;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < minNormal) return diff < epsilon * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon;
}
