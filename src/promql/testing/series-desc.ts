// Parser for promqltest series descriptions: `metric{label="v"} 1 2+3x4 _ _x2 stale 5x3 -1-1x2`.

import { findLexicalError, parseNumber, unquoteString } from '../lex.js';
import { addHistogram, parseHistogramLiteral, subHistogram, type FloatHistogram } from '../../histogram/index.js';
import type { Label } from '../../storage/interface.js';
import { STALE_NAN } from '../../storage/value.js';
import { sortLabels } from '../value.js';

/** One position of a sequence: a value (a float, or a native histogram when `histogram` is set), or omitted. */
export type SequenceValue = { omitted: true } | { omitted: false; value: number; histogram?: FloatHistogram };

export interface SeriesDesc {
  labels: Label[];
  values: SequenceValue[];
  /** True when the sequence holds native histograms (`{{...}}`). */
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

/** Splits a sequence into items at whitespace, keeping `{{...}}` (which contains spaces) inside one item. */
function splitItems(text: string): string[] {
  const items: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '{' && text[i + 1] === '{') {
      depth++;
      cur += '{{';
      i++;
    } else if (c === '}' && text[i + 1] === '}' && depth > 0) {
      depth--;
      cur += '}}';
      i++;
    } else if (/\s/.test(c) && depth === 0) {
      if (cur !== '') items.push(cur);
      cur = '';
    } else cur += c;
  }
  if (depth > 0) throw new SeriesDescError(`unterminated histogram in ${JSON.stringify(text)}`);
  if (cur !== '') items.push(cur);
  return items;
}

/** `{{a}}`, `{{a}}xN` (N+1 copies), `{{a}}+{{b}}xN` / `{{a}}-{{b}}xN` (a, a±b, ..., N+1 values). */
function parseHistogramItem(item: string): SequenceValue[] {
  const m = /^(\{\{.*?\}\})(?:([+-])(\{\{.*?\}\}))?(?:x(\d+))?$/s.exec(item);
  if (!m) throw new SeriesDescError(`invalid histogram sequence item ${JSON.stringify(item)}`);
  const literal = (t: string): FloatHistogram => {
    try {
      return parseHistogramLiteral(t);
    } catch (err) {
      throw new SeriesDescError((err as Error).message);
    }
  };
  const base = literal(m[1]!);
  if (m[2] !== undefined && m[4] === undefined) throw new SeriesDescError(`invalid histogram sequence item ${JSON.stringify(item)}`);
  const times = m[4] === undefined ? 0 : Number(m[4]);
  const inc = m[3] === undefined ? null : literal(m[3]);
  const out: SequenceValue[] = [{ omitted: false, value: 0, histogram: base }];
  let cur = base;
  for (let i = 1; i <= times; i++) {
    if (inc) {
      if (cur.schema > inc.schema) throw new SeriesDescError(`error combining histograms: cannot merge from schema ${inc.schema} to ${cur.schema}`);
      cur = m[2] === '+' ? addHistogram(cur, inc) : subHistogram(cur, inc);
    }
    out.push({ omitted: false, value: 0, histogram: cur });
  }
  return out;
}

export function parseSequence(text: string): { values: SequenceValue[]; nativeHistogram: boolean } {
  const values: SequenceValue[] = [];
  let nativeHistogram = false;
  for (const item of splitItems(text)) {
    if (item.startsWith('{{')) {
      nativeHistogram = true;
      values.push(...parseHistogramItem(item));
      continue;
    }
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
    values.push(...parseFloatItem(item));
  }
  return { values, nativeHistogram };
}

/** `v`, `vxN` (N+1 copies) or `v+dxN` / `v-dxN`. */
function parseFloatItem(item: string): SequenceValue[] {
  const m = ITEM_RE.exec(item);
  if (!m) throw new SeriesDescError(`invalid sequence item ${JSON.stringify(item)}`);
  let v = parseNumber(m[1]!)!;
  if (m[3] === undefined) {
    if (m[2] !== undefined) throw new SeriesDescError(`invalid sequence item ${JSON.stringify(item)}`);
    return [{ omitted: false, value: v }];
  }
  const times = Number(m[3]);
  const inc = m[2] === undefined ? 0 : parseNumber(m[2])!;
  const out: SequenceValue[] = [];
  for (let i = 0; i <= times; i++) {
    out.push({ omitted: false, value: v });
    v += inc;
  }
  return out;
}

export function parseSeriesDesc(line: string): SeriesDesc {
  const [metric, rest] = splitMetric(line.trim());
  const labels = parseMetric(metric);
  const { values, nativeHistogram } = parseSequence(rest);
  return { labels, values, nativeHistogram };
}
