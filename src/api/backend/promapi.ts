// Prometheus HTTP API v1 (query, query_range, series, labels, label values) over a Querier and the PromQL
// engine, as library functions: parameters parsed as Prometheus does (RFC 3339 or unix seconds,
// durations or float seconds, match[], limit), JSON shaped like Prometheus's, errors bad_data 400,
// execution 422, timeout 503. Used by the embedded backend.
import type { Engine, QueryResult } from '../../promql/engine.js';
import { PromQLError } from '../../promql/errors.js';
import { parseExpr } from '../../promql/parser.js';
import type { LabelMatcher, Labels, Querier } from '../../promql/storage.js';
import { parseDuration } from '../../config/duration.js';

export interface ApiAnswer {
  status: number;
  body: string;
}

const MIN_TIME = -9_223_372_036_854; // Prometheus's minimum time, in ms (as float-safe as JS allows)
const MAX_TIME = 9_223_372_036_854;

class ParamError extends Error {}

function errorBody(status: number, errorType: string, message: string): ApiAnswer {
  return { status, body: JSON.stringify({ status: 'error', errorType, error: message }) };
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s[0] === '-';
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const [int, frac = ''] = mant.split('.');
  const digits = int! + frac;
  const point = int!.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${out}` : out;
}

function labelsObject(ls: Labels): Record<string, string> {
  const o: Record<string, string> = {};
  for (const l of ls) o[l.name] = l.value;
  return o;
}

/** Prometheus's parseTime: unix seconds (float) or RFC 3339. Returns ms. */
export function parseTime(s: string, name: string): number {
  const n = Number(s);
  if (s.trim() !== '' && Number.isFinite(n)) return Math.round(n * 1000);
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const t = Date.parse(s);
    if (Number.isFinite(t)) return t;
  }
  throw new ParamError(`invalid parameter ${JSON.stringify(name)}: cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

/** Prometheus's parseDuration: float seconds or a duration string. Returns ms. */
export function parseStep(s: string, name: string): number {
  const n = Number(s);
  if (s.trim() !== '' && Number.isFinite(n)) return Math.round(n * 1000);
  try {
    return parseDuration(s);
  } catch {
    throw new ParamError(`invalid parameter ${JSON.stringify(name)}: cannot parse ${JSON.stringify(s)} to a valid duration`);
  }
}

function matchersOf(selectors: string[]): LabelMatcher[][] {
  return selectors.map((s) => {
    let e;
    try {
      e = parseExpr(s);
    } catch (err) {
      throw new ParamError(`invalid parameter "match[]": ${(err as Error).message}`);
    }
    if (e.type !== 'VectorSelector') throw new ParamError('invalid parameter "match[]": expected a series selector');
    return e.matchers;
  });
}

function limitOf(p: URLSearchParams): number {
  const v = p.get('limit');
  if (v === null || v === '') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new ParamError('invalid parameter "limit": must be a non-negative integer');
  return n;
}

function range(p: URLSearchParams): [number, number] {
  const s = p.get('start');
  const e = p.get('end');
  return [s ? parseTime(s, 'start') : MIN_TIME, e ? parseTime(e, 'end') : MAX_TIME];
}

function success(data: unknown, warnings: string[] = [], infos: string[] = []): ApiAnswer {
  const doc: Record<string, unknown> = { status: 'success', data };
  if (warnings.length > 0) doc.warnings = warnings;
  if (infos.length > 0) doc.infos = infos;
  return { status: 200, body: JSON.stringify(doc) };
}

function resultData(r: QueryResult): unknown {
  switch (r.resultType) {
    case 'vector':
      return { resultType: 'vector', result: r.result.map((s) => ({ metric: labelsObject(s.metric), value: [s.t / 1000, formatSampleValue(s.value)] })) };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: r.result.map((s) => ({ metric: labelsObject(s.metric), values: s.timestamps.map((t, i) => [t / 1000, formatSampleValue(s.values[i]!)]) })),
      };
    case 'scalar':
      return { resultType: 'scalar', result: [r.result.t / 1000, formatSampleValue(r.result.value)] };
    case 'string':
      return { resultType: 'string', result: [r.result.t / 1000, r.result.value] };
  }
}

function guard(fn: () => ApiAnswer): ApiAnswer {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ParamError) return errorBody(400, 'bad_data', err.message);
    if (err instanceof PromQLError) {
      const status = err.errorType === 'bad_data' ? 400 : err.errorType === 'execution' ? 422 : err.errorType === 'timeout' || err.errorType === 'canceled' ? 503 : 500;
      const msg = err.errorType === 'bad_data' && err.name === 'PromQLParseError' ? `invalid parameter "query": ${err.message}` : err.message;
      return errorBody(status, err.errorType, msg);
    }
    return errorBody(500, 'internal', (err as Error).message);
  }
}

export type PromEndpoint = 'query' | 'query_range' | 'series' | 'label_names' | 'label_values';

/** Answers one Prometheus API call. `now` is the default evaluation time (ms). */
export function servePromApi(engine: Engine, querier: Querier, endpoint: PromEndpoint, p: URLSearchParams, labelName?: string, now = Date.now()): ApiAnswer {
  return guard(() => {
    switch (endpoint) {
      case 'query': {
        const t = p.get('time') ? parseTime(p.get('time')!, 'time') : now;
        const r = engine.instantQuery(querier, p.get('query') ?? '', t);
        return success(resultData(r), r.warnings, r.infos);
      }
      case 'query_range': {
        for (const k of ['start', 'end', 'step']) if (!p.get(k)) throw new ParamError(`invalid parameter ${JSON.stringify(k)}: missing`);
        const start = parseTime(p.get('start')!, 'start');
        const end = parseTime(p.get('end')!, 'end');
        if (end < start) throw new ParamError('invalid parameter "end": end timestamp must not be before start time');
        const step = parseStep(p.get('step')!, 'step');
        const r = engine.rangeQuery(querier, p.get('query') ?? '', start, end, step);
        return success(resultData(r), r.warnings, r.infos);
      }
      case 'series': {
        const sets = matchersOf(p.getAll('match[]'));
        if (sets.length === 0) throw new ParamError('no match[] parameter provided');
        const [mint, maxt] = range(p);
        const limit = limitOf(p);
        const seen = new Map<string, Labels>();
        for (const ms of sets) for (const ls of querier.series(ms, mint, maxt)) seen.set(ls.map((l) => `${l.name}\xff${l.value}`).join('\xff'), ls);
        let out = [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, ls]) => labelsObject(ls));
        const warnings: string[] = [];
        if (limit > 0 && out.length > limit) {
          out = out.slice(0, limit);
          warnings.push('results truncated due to limit');
        }
        return success(out, warnings);
      }
      case 'label_names':
      case 'label_values': {
        if (endpoint === 'label_values' && !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(labelName ?? '') && labelName !== '__name__') {
          throw new ParamError(`invalid label name: ${JSON.stringify(labelName)}`);
        }
        const sets = matchersOf(p.getAll('match[]'));
        const [mint, maxt] = range(p);
        const limit = limitOf(p);
        const all = new Set<string>();
        for (const ms of sets.length > 0 ? sets : [[]]) {
          const vals = endpoint === 'label_names' ? querier.labelNames(ms, mint, maxt) : querier.labelValues(labelName!, ms, mint, maxt);
          for (const v of vals) all.add(v);
        }
        let out = [...all].sort();
        const warnings: string[] = [];
        if (limit > 0 && out.length > limit) {
          out = out.slice(0, limit);
          warnings.push('results truncated due to limit');
        }
        return success(out, warnings);
      }
    }
  });
}
