// Typed results of the Prometheus HTTP API (the shapes Prometheus, Thanos and the Observatorium API answer).
// Timestamps are converted to integer milliseconds; sample values to numbers (NaN and ±Inf included).

export type Labels = Record<string, string>;

export interface SamplePoint {
  timestampMs: number;
  value: number;
}

export interface InstantSeries {
  metric: Labels;
  timestampMs: number;
  value: number;
}

export interface RangeSeries {
  metric: Labels;
  values: SamplePoint[];
}

export type VectorData = { resultType: 'vector'; result: InstantSeries[] };
export type MatrixData = { resultType: 'matrix'; result: RangeSeries[] };
export type ScalarData = { resultType: 'scalar'; result: SamplePoint };
export type StringData = { resultType: 'string'; result: { timestampMs: number; value: string } };
export type QueryData = VectorData | MatrixData | ScalarData | StringData;

/** A successful answer: the data plus any warnings (and infos, from newer Prometheus) it carried. */
export interface ApiResult<T> {
  data: T;
  warnings: string[];
  infos: string[];
}

/** Thrown by the parsers below; the client turns it into a `bad_response` error. */
export class ShapeError extends Error {}

/** Prometheus formats sample values as Go's FormatFloat: "1.5", "NaN", "+Inf", "-Inf". */
export function parseSampleValue(v: unknown): number {
  if (typeof v !== 'string') throw new ShapeError(`sample value must be a string, got ${JSON.stringify(v)}`);
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  const n = Number(v);
  // Number('') and Number(' ') are 0: only a zero can be a blank string in disguise.
  if (Number.isNaN(n) || (n === 0 && v.trim() === '')) throw new ShapeError(`sample value "${v}" is not a number`);
  return n;
}

function parseTimestampMs(t: unknown): number {
  if (typeof t !== 'number' || !Number.isFinite(t)) throw new ShapeError(`timestamp must be a number, got ${JSON.stringify(t)}`);
  return Math.round(t * 1000);
}

function parsePair(p: unknown): SamplePoint {
  if (!Array.isArray(p) || p.length !== 2) throw new ShapeError(`sample must be [timestamp, "value"], got ${JSON.stringify(p)}`);
  return { timestampMs: parseTimestampMs(p[0]), value: parseSampleValue(p[1]) };
}

/** parsePair over a series' values, as a plain loop: a range answer has thousands of points. */
function parsePairs(values: unknown[]): SamplePoint[] {
  const out: SamplePoint[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = parsePair(values[i]);
  return out;
}

function parseLabels(m: unknown): Labels {
  if (m === undefined) return {};
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new ShapeError('metric must be an object of labels');
  const out: Labels = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') throw new ShapeError(`label ${k} must be a string`);
    out[k] = v;
  }
  return out;
}

function asObject(x: unknown, what: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ShapeError(`${what} must be an object`);
  return x as Record<string, unknown>;
}

function asArray(x: unknown, what: string): unknown[] {
  if (!Array.isArray(x)) throw new ShapeError(`${what} must be an array`);
  return x;
}

function rejectHistograms(s: Record<string, unknown>): void {
  if ('histogram' in s || 'histograms' in s) throw new ShapeError('native histogram samples are not supported');
}

/** `data` of /api/v1/query and /api/v1/query_range. */
export function parseQueryData(data: unknown): QueryData {
  const d = asObject(data, 'data');
  const result = d.result;
  switch (d.resultType) {
    case 'vector':
      return {
        resultType: 'vector',
        result: asArray(result, 'vector result').map((x) => {
          const s = asObject(x, 'vector sample');
          rejectHistograms(s);
          const p = parsePair(s.value);
          return { metric: parseLabels(s.metric), timestampMs: p.timestampMs, value: p.value };
        }),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: asArray(result, 'matrix result').map((x) => {
          const s = asObject(x, 'matrix series');
          rejectHistograms(s);
          return { metric: parseLabels(s.metric), values: parsePairs(asArray(s.values ?? [], 'values')) };
        }),
      };
    case 'scalar':
      return { resultType: 'scalar', result: parsePair(result) };
    case 'string': {
      if (!Array.isArray(result) || result.length !== 2 || typeof result[1] !== 'string') throw new ShapeError('string result must be [timestamp, "text"]');
      return { resultType: 'string', result: { timestampMs: parseTimestampMs(result[0]), value: result[1] } };
    }
    default:
      throw new ShapeError(`unknown resultType ${JSON.stringify(d.resultType)}`);
  }
}

/** `data` of /api/v1/series: a list of label sets. */
export function parseSeriesData(data: unknown): Labels[] {
  return asArray(data, 'series data').map(parseLabels);
}

/** `data` of /api/v1/labels and /api/v1/label/<name>/values: a list of strings. */
export function parseStringList(data: unknown): string[] {
  return asArray(data ?? [], 'data').map((x) => {
    if (typeof x !== 'string') throw new ShapeError('expected a list of strings');
    return x;
  });
}

export function parseStrings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}
