// Parser for promqltest series descriptions: `metric{label="v"} 1 2+3x4 _ _x2 stale 5x3 -1-1x2`.

import { findLexicalError, parseNumber, unquoteString } from '../lex.js';
import type { Label } from '../../storage/interface.js';
import { STALE_NAN } from '../../storage/value.js';
import { sortLabels } from '../value.js';

/** One position of a sequence: a value, or omitted (no sample). */
export type SequenceValue = { omitted: true } | { omitted: false; value: number };

export interface SeriesDesc {
  labels: Label[];
  values: SequenceValue[];
  /** True when the sequence uses native histogram syntax (`{{...}}`), which we do not support. */
  nativeHistogram: boolean;
}

export class SeriesDescError extends Error {}

const NUM = String.raw`(?:[+-]?(?:inf|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?))`;
const ITEM_RE = new RegExp(`^(${NUM})(?:([+-](?:inf|nan|(?:\\d+\\.?\\d*|\\.\\d+)(?:e[+-]?\\d+)?)))?(?:x(\\d+))?$`, 'i');

/** Splits `metric{...} rest` into the metric part and the rest (braces may contain spaces inside quotes). */
function splitMetric(line: string): [string, string] {
  let i = 0;
  while (i < line.length && /[\w:]/.test(line[i]!)) i++;
  if (line[i] === '{') {
    let inStr: string | null = null;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (inStr) {
        if (c === '\\') i++;
        else if (c === inStr) inStr = null;
      } else if (c === '"' || c === "'" || c === '`') inStr = c;
      else if (c === '}') {
        i++;
        break;
      }
    }
  }
  return [line.slice(0, i), line.slice(i).trim()];
}

/** Parses `name{a="b", "c.d"="e"}` into sorted labels (the name as `__name__`). */
export function parseMetric(text: string): Label[] {
  const labels: Label[] = [];
  const m = /^([a-zA-Z_:][\w:]*)?/.exec(text)!;
  if (m[1]) labels.push({ name: '__name__', value: m[1] });
  let rest = text.slice(m[0].length).trim();
  if (rest === '') {
    if (labels.length === 0) throw new SeriesDescError(`invalid metric ${JSON.stringify(text)}`);
    return labels;
  }
  if (!rest.startsWith('{') || !rest.endsWith('}')) throw new SeriesDescError(`invalid metric ${JSON.stringify(text)}`);
  const lexErr = findLexicalError(rest);
  if (lexErr) throw new SeriesDescError(lexErr.message);
  rest = rest.slice(1, -1).trim();
  const pairRe = /^\s*(?:([a-zA-Z_][\w]*)|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'))\s*(?:=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`))?\s*(,|$)/;
  while (rest.length > 0) {
    const p = pairRe.exec(rest);
    if (!p) throw new SeriesDescError(`invalid label set ${JSON.stringify(text)}`);
    const name = p[1] ?? unquoteString(p[2]!);
    if (p[3] === undefined) {
      // A lone quoted string is the metric name.
      labels.push({ name: '__name__', value: name });
    } else {
      labels.push({ name, value: unquoteString(p[3]) });
    }
    rest = rest.slice(p[0].length);
  }
  return sortLabels(labels);
}

export function parseSequence(text: string): { values: SequenceValue[]; nativeHistogram: boolean } {
  const values: SequenceValue[] = [];
  if (text.includes('{{')) return { values, nativeHistogram: true };
  for (const item of text.split(/\s+/).filter((s) => s !== '')) {
    if (item === '_') {
      values.push({ omitted: true });
      continue;
    }
    const blank = /^_x(\d+)$/.exec(item);
    if (blank) {
      for (let i = 0; i < Number(blank[1]); i++) values.push({ omitted: true });
      continue;
    }
    if (item === 'stale') {
      values.push({ omitted: false, value: STALE_NAN });
      continue;
    }
    const m = ITEM_RE.exec(item);
    if (!m) throw new SeriesDescError(`invalid sequence item ${JSON.stringify(item)}`);
    let v = parseNumber(m[1]!)!;
    if (m[3] === undefined) {
      if (m[2] !== undefined) throw new SeriesDescError(`invalid sequence item ${JSON.stringify(item)}`);
      values.push({ omitted: false, value: v });
      continue;
    }
    const times = Number(m[3]);
    const inc = m[2] === undefined ? 0 : parseNumber(m[2])!;
    for (let i = 0; i <= times; i++) {
      values.push({ omitted: false, value: v });
      v += inc;
    }
  }
  return { values, nativeHistogram: false };
}

export function parseSeriesDesc(line: string): SeriesDesc {
  const [metric, rest] = splitMetric(line.trim());
  const labels = parseMetric(metric);
  const { values, nativeHistogram } = parseSequence(rest);
  return { labels, values, nativeHistogram };
}
