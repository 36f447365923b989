// The histogram notation of PromQL test files and promtool rule tests, `{{schema:1 sum:5 count:4 buckets:[1 2 1]}}`
// (Prometheus 3.5's promql/parser: lex.go lexHistogram/lexBuckets, generated_parser.y histogram_desc_item,
// parse.go buildHistogramFromMap), and its formatting (FloatHistogram.TestExpression).
// Items are `key:value` separated by single spaces, with no spaces around the colon (as Prometheus's lexer).
import { compactBuckets } from './compact.js';
import { addHistogram, copyFloatHistogram, subHistogram } from './ops.js';
import { goFormatG } from './gofmt.js';
import { CounterResetHint, CUSTOM_BUCKETS_SCHEMA, type FloatHistogram, type Span } from './model.js';

type Kind = 'int' | 'number' | 'unsigned-number' | 'list' | 'hint';
const KEYS: Record<string, Kind> = {
  schema: 'int',
  sum: 'number',
  count: 'number',
  z_bucket: 'number',
  z_bucket_w: 'unsigned-number',
  custom_values: 'list',
  buckets: 'list',
  offset: 'int',
  n_buckets: 'list',
  n_offset: 'int',
  counter_reset_hint: 'hint',
};
const HINTS: Record<string, CounterResetHint> = {
  unknown: CounterResetHint.Unknown,
  reset: CounterResetHint.CounterReset,
  not_reset: CounterResetHint.NotCounterReset,
  gauge: CounterResetHint.Gauge,
};

/** A PromQL number of a series description (no hex, no durations): decimal with optional fraction, exponent and
 *  digit-separating underscores, or Inf/NaN; integers with a leading 0 are octal (Go's ParseInt base 0). */
function parseNumber(text: string, signed: boolean, what: string): number {
  let sign = 1;
  let body = text;
  if (signed && body.startsWith('-')) [sign, body] = [-1, body.slice(1)];
  // Go's %g spells infinity "+Inf", so formatHistogramLiteral does too; Prometheus's lexer would refuse it back.
  else if (body.startsWith('+')) body = body.slice(1);
  const lower = body.toLowerCase();
  if (lower === 'inf') return sign * Infinity;
  if (lower === 'nan') return NaN;
  if (/^[0-9]+(_[0-9]+)*$/.test(body)) {
    const digits = body.replace(/_/g, '');
    if (/^0[0-7]+$/.test(digits) && !body.startsWith('0_')) return sign * parseInt(digits, 8);
    return sign * Number(digits);
  }
  if (/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(body)) return sign * Number(body);
  throw new Error(`bad number ${JSON.stringify(text)} for ${what} in histogram description`);
}

function parseInt32(text: string, what: string): number {
  if (!/^-?[0-9]+$/.test(text)) throw new Error(`bad integer ${JSON.stringify(text)} for ${what} in histogram description`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new Error(`${what} ${text} out of range in histogram description`);
  return n;
}

function parseList(text: string, what: string): number[] {
  // Numbers separated by spaces; spaces may precede "]" but not follow "[" (Prometheus's lexBuckets).
  const m = /^\[(\S[^\]]*?) *\]$/.exec(text);
  if (!m) throw new Error(`bad bucket list ${JSON.stringify(text)} for ${what} in histogram description, e.g. buckets:[5 10 7]`);
  return m[1]!.split(/ +/).map((t) => parseNumber(t, true, what));
}

/** Splits the inside of {{ }} into `key:value` items separated by spaces; a bucket list may contain spaces. */
function splitItems(inner: string): string[] {
  if (inner.startsWith(' ')) throw new Error('histogram description: unexpected space after "{{"');
  const items: string[] = [];
  let i = 0;
  while (i < inner.length) {
    let end = inner.indexOf(' ', i);
    const open = inner.indexOf('[', i);
    if (open !== -1 && (end === -1 || open < end)) {
      const close = inner.indexOf(']', open);
      if (close === -1) throw new Error('histogram description: unclosed bucket list "["');
      end = close + 1;
      if (end < inner.length && inner[end] !== ' ') throw new Error(`histogram description: unexpected ${JSON.stringify(inner[end])} after "]"`);
    }
    if (end === -1) end = inner.length;
    items.push(inner.slice(i, end));
    i = end;
    while (inner[i] === ' ') i++;
  }
  return items;
}

type Values = Map<string, number | number[] | CounterResetHint>;

function parseItem(item: string, values: Values): void {
  const colon = item.indexOf(':');
  if (colon === -1) throw new Error(`missing \`:\` for histogram descriptor (in ${JSON.stringify(item)})`);
  const key = item.slice(0, colon).toLowerCase();
  const raw = item.slice(colon + 1);
  const kind = KEYS[key];
  if (kind === undefined) throw new Error(`bad histogram descriptor found: ${JSON.stringify(item.slice(0, colon))}`);
  if (values.has(key)) throw new Error(`duplicate key "${key}" in histogram`);
  if (kind === 'int') values.set(key, parseInt32(raw, key));
  else if (kind === 'number') values.set(key, parseNumber(raw, true, key));
  else if (kind === 'unsigned-number') values.set(key, parseNumber(raw, false, key));
  else if (kind === 'list') values.set(key, parseList(raw, key));
  else {
    const hint = HINTS[raw.toLowerCase()];
    if (hint === undefined) throw new Error(`bad histogram descriptor found: ${JSON.stringify(raw)} (counter_reset_hint is unknown, reset, not_reset or gauge)`);
    values.set(key, hint);
  }
}

function side(values: Values, bucketsKey: string, offsetKey: string): { spans: Span[]; buckets: number[] } {
  const buckets = (values.get(bucketsKey) as number[] | undefined) ?? [];
  const offset = (values.get(offsetKey) as number | undefined) ?? 0;
  return { buckets, spans: buckets.length > 0 ? [{ offset, length: buckets.length }] : [] };
}

/** Parses `{{...}}` (surrounding whitespace allowed) into a float histogram; throws an Error naming the problem. */
export function parseHistogramLiteral(text: string): FloatHistogram {
  const t = text.trim();
  if (!t.startsWith('{{') || !t.endsWith('}}') || t.length < 4) throw new Error(`histogram description must be enclosed in {{ }}: ${JSON.stringify(text)}`);
  // Spaces may precede the closing braces (`{{schema:1 }}`, `{{ }}`), as in Prometheus's grammar.
  const inner = t.slice(2, -2).replace(/ +$/, '');
  const values: Values = new Map();
  if (inner !== '') for (const item of splitItems(inner)) parseItem(item, values);
  const num = (key: string) => (values.get(key) as number | undefined) ?? 0;
  const pos = side(values, 'buckets', 'offset');
  const neg = side(values, 'n_buckets', 'n_offset');
  return {
    counterResetHint: (values.get('counter_reset_hint') as CounterResetHint | undefined) ?? CounterResetHint.Unknown,
    schema: num('schema'),
    zeroThreshold: num('z_bucket_w'),
    zeroCount: num('z_bucket'),
    count: num('count'),
    sum: num('sum'),
    positiveSpans: pos.spans,
    negativeSpans: neg.spans,
    positiveBuckets: pos.buckets,
    negativeBuckets: neg.buckets,
    customValues: (values.get('custom_values') as number[] | undefined) ?? [],
  };
}

const HINT_NAMES: Record<number, string | undefined> = {
  [CounterResetHint.CounterReset]: 'reset',
  [CounterResetHint.NotCounterReset]: 'not_reset',
  [CounterResetHint.Gauge]: 'gauge',
};

/** FloatHistogram.TestExpression: the notation back, each side compacted into one span (empty buckets between
 *  spans become explicit zeros); zero-valued fields are left out. */
export function formatHistogramLiteral(original: FloatHistogram): string {
  // Like Go, format a copy: custom-bucket histograms show no zero bucket, exponential ones no custom values.
  const h = copyFloatHistogram(original);
  const res: string[] = [];
  if (h.schema !== 0) res.push(`schema:${h.schema}`);
  if (h.count !== 0) res.push(`count:${goFormatG(h.count)}`);
  if (h.sum !== 0) res.push(`sum:${goFormatG(h.sum)}`);
  if (h.zeroCount !== 0) res.push(`z_bucket:${goFormatG(h.zeroCount)}`);
  if (h.zeroThreshold !== 0) res.push(`z_bucket_w:${goFormatG(h.zeroThreshold)}`);
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) res.push(`custom_values:[${h.customValues.map(goFormatG).join(' ')}]`);
  const hint = HINT_NAMES[h.counterResetHint];
  if (hint) res.push(`counter_reset_hint:${hint}`);
  const addSide = (bucketsKey: string, offsetKey: string, buckets: readonly number[], spans: readonly Span[]) => {
    const c = compactBuckets(buckets, spans, Number.MAX_SAFE_INTEGER, false);
    const offset = c.spans[0]?.offset ?? 0;
    if (offset !== 0) res.push(`${offsetKey}:${offset}`);
    if (c.buckets.length > 0) res.push(`${bucketsKey}:[${c.buckets.map(goFormatG).join(' ')}]`);
  };
  addSide('buckets', 'offset', h.positiveBuckets, h.positiveSpans);
  addSide('n_buckets', 'n_offset', h.negativeBuckets, h.negativeSpans);
  return `{{${res.join(' ')}}}`;
}

/** The values of `{{base}}+{{inc}}xN` (op '+') or `{{base}}-{{inc}}xN` (op '-') in a series description: base, then
 *  N times the previous value plus (minus) inc (promql/parser parse.go histogramsSeries). The increment must not
 *  have a lower schema than the running value. */
export function histogramSeries(base: FloatHistogram, inc: FloatHistogram, times: number, op: '+' | '-'): FloatHistogram[] {
  const out = [base];
  let cur = base;
  for (let i = 1; i <= times; i++) {
    if (cur.schema > inc.schema) throw new Error(`error combining histograms: cannot merge from schema ${inc.schema} to ${cur.schema}`);
    cur = op === '+' ? addHistogram(cur, inc) : subHistogram(cur, inc);
    out.push(cur);
  }
  return out;
}
