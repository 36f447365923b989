// Prometheus HTTP API v1 over any Querier and the PromQL engine, as plain functions (params in, status +
// JSON text out) so the store's own server and the API gateway's embedded backend share one implementation.
import type { Expr } from '../promql/ast.js';
import { Engine, type QueryResult, type SeriesResult } from '../promql/engine.js';
import { EMPTY_QUERY_ERROR, PromQLError } from '../promql/errors.js';
import { tooManyPointsMessage } from '../promql/limits.js';
import type { LabelMatcher, Labels, Querier } from '../storage/interface.js';
import { formatSampleValue, formatTimestamp, histogramPointJson, metricJson, pointJson, seriesJson, successJson, TimestampTexts } from './format.js';
import { RegexError } from '../promql/regex.js';
import { resultBytes } from './result-bytes.js';
import { parseMatchers } from './matchers-param.js';
import { MAX_TIME_MS, MIN_TIME_MS, ParamError, parseDurationParam, parseLimit, parseTimeParam } from './params.js';

export type ReadEndpoint = 'query' | 'query_range' | 'series' | 'labels' | 'label_values';

export interface ApiResponse {
  status: number;
  /** JSON text. */
  body: string;
}

export interface PromApiContext {
  querier: Querier;
  engine: Engine;
  /** Clock, for tests. */
  now?: () => number;
}

const STATUS_FOR: Record<string, number> = { bad_data: 400, execution: 422, timeout: 503, canceled: 503, internal: 500, not_found: 404 };

/** Prometheus's error body, plus the hop that answered (the store), as every obspath error names its hop. */
export function errorResponse(errorType: string, message: string): ApiResponse {
  return { status: STATUS_FOR[errorType] ?? 500, body: JSON.stringify({ status: 'error', errorType, error: message, hop: 'store' }) };
}

/** An error answer with the request id added (the server knows it, the handlers do not). */
export function withRequestId(res: ApiResponse, requestId: string): ApiResponse {
  if (res.status < 400) return res;
  return { status: res.status, body: `${res.body.slice(0, -1)},"requestId":${JSON.stringify(requestId)}}` };
}

/** An answer as UTF-8 bytes (handleReadBytes). */
export interface ApiBytesResponse {
  status: number;
  body: Buffer;
}

/**
 * Serves one read endpoint. Never throws: every failure becomes a Prometheus error body. `expr` is the
 * `query` parameter already parsed (by a caller that parsed it to enforce a tenant); without it the
 * text is parsed here.
 */
export function handleRead(ctx: PromApiContext, endpoint: ReadEndpoint, params: URLSearchParams, labelName?: string, expr?: Expr): ApiResponse {
  return serveRead(ctx, endpoint, params, labelName, expr, resultJson) as ApiResponse;
}

/**
 * handleRead's answer as the bytes a server sends, the request id added to an error: query answers are written
 * straight into bytes (result-bytes.ts) rather than built as text and encoded again.
 */
export function handleReadBytes(ctx: PromApiContext, endpoint: ReadEndpoint, params: URLSearchParams, requestId: string, labelName?: string): ApiBytesResponse {
  const res = serveRead(ctx, endpoint, params, labelName, undefined, resultBytes);
  if (typeof res.body !== 'string') return res as ApiBytesResponse;
  return { status: res.status, body: Buffer.from(withRequestId(res as ApiResponse, requestId).body) };
}

/** A query's answer as text (handleRead) or bytes (handleReadBytes). */
type Encode = (r: QueryResult) => string | Buffer;

function serveRead(ctx: PromApiContext, endpoint: ReadEndpoint, params: URLSearchParams, labelName: string | undefined, expr: Expr | undefined, encode: Encode): { status: number; body: string | Buffer } {
  try {
    switch (endpoint) {
      case 'query': return query(ctx, params, expr, encode);
      case 'query_range': return queryRange(ctx, params, expr, encode);
      case 'series': return series(ctx, params);
      case 'labels': return labelNames(ctx, params);
      case 'label_values': return labelValues(ctx, params, labelName ?? '');
    }
  } catch (err) {
    if (err instanceof PromQLError) return errorResponse(err.errorType, err.message);
    // The parser rejects bad regexes first; this keeps any other path to the compiler a 400 too.
    if (err instanceof RegexError) return errorResponse('bad_data', err.message);
    return errorResponse('internal', (err as Error).message);
  }
}

function withTimeout(ctx: PromApiContext, params: URLSearchParams): Engine {
  const t = parseDurationParam(params, 'timeout');
  // Prometheus answers a zero or negative timeout with 503 "query timed out": the input is what is wrong.
  if (t !== undefined && !(t > 0)) throw new ParamError(`invalid parameter "timeout": ${JSON.stringify(params.get('timeout'))} is not a positive duration`);
  if (t === undefined || t >= ctx.engine.opts.timeoutMs) return ctx.engine;
  return new Engine({ ...ctx.engine.opts, timeoutMs: t });
}

function requireQuery(params: URLSearchParams): string {
  const q = params.get('query');
  if (q === null || q === '') throw new ParamError(`invalid parameter "query": ${EMPTY_QUERY_ERROR}`);
  return q;
}

/** The query as an expression: the caller's, or the `query` parameter parsed (a bad one is a 400 naming it). */
function parsedQuery(engine: Engine, params: URLSearchParams, expr?: Expr): Expr {
  if (expr !== undefined) return expr;
  const q = requireQuery(params);
  try {
    return engine.parse(q);
  } catch (err) {
    if (err instanceof PromQLError && err.errorType === 'bad_data') throw new ParamError(`invalid parameter "query": ${err.message}`);
    throw err;
  }
}

function query(ctx: PromApiContext, params: URLSearchParams, given: Expr | undefined, encode: Encode): { status: number; body: string | Buffer } {
  const now = (ctx.now ?? Date.now)();
  const t = parseTimeParam(params, 'time', now);
  const engine = withTimeout(ctx, params);
  const expr = parsedQuery(engine, params, given);
  return { status: 200, body: encode(engine.instantQuery(ctx.querier, expr, t)) };
}

function queryRange(ctx: PromApiContext, params: URLSearchParams, given: Expr | undefined, encode: Encode): { status: number; body: string | Buffer } {
  const start = parseTimeParam(params, 'start', NaN);
  const end = parseTimeParam(params, 'end', NaN);
  if (Number.isNaN(start)) throw new ParamError('invalid parameter "start": cannot parse "" to a valid timestamp');
  if (Number.isNaN(end)) throw new ParamError('invalid parameter "end": cannot parse "" to a valid timestamp');
  if (end < start) throw new ParamError('invalid parameter "end": end timestamp must not be before start time');
  const step = parseDurationParam(params, 'step');
  if (step === undefined) throw new ParamError('invalid parameter "step": cannot parse "" to a valid duration');
  if (step <= 0) throw new ParamError('invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
  const engine = withTimeout(ctx, params);
  if ((end - start) / step > engine.opts.maxPointsPerSeries) {
    throw new ParamError(tooManyPointsMessage(engine.opts.maxPointsPerSeries));
  }
  const expr = parsedQuery(engine, params, given);
  return { status: 200, body: encode(engine.rangeQuery(ctx.querier, expr, start, end, step)) };
}

export function resultJson(r: QueryResult): string {
  let data: string;
  switch (r.resultType) {
    case 'scalar':
    case 'string':
      data = `[${formatTimestamp(r.result.t)},${JSON.stringify(r.resultType === 'scalar' ? formatSampleValue(r.result.value) : r.result.value)}]`;
      break;
    case 'vector':
      data = `[${r.result.map((s) => `{"metric":${metricJson(s.metric)},${s.histogram ? `"histogram":${histogramPointJson(s.t, s.histogram)}` : `"value":${pointJson(s.t, s.value)}`}}`).join(',')}]`;
      break;
    case 'matrix':
      data = matrixJson(r.result);
      break;
  }
  return successJson(`{"resultType":"${r.resultType}","result":${data}}`, r.warnings, r.infos);
}

/** One string grown by `+=` rather than arrays joined: a quarter less CPU for a 7,000-point answer (A/B, with the
 *  final flattening counted). */
function matrixJson(result: readonly SeriesResult[]): string {
  const stamps = new TimestampTexts();
  let out = '[';
  for (let si = 0; si < result.length; si++) {
    const s = result[si]!;
    if (si > 0) out += ',';
    if (s.histograms) {
      out += seriesJson(s.metric, s.timestamps, s.values, s.histograms);
      continue;
    }
    out += `{"metric":${metricJson(s.metric)},"values":[`;
    const ts = s.timestamps;
    const vs = s.values;
    for (let i = 0; i < ts.length; i++) out += (i > 0 ? ',[' : '[') + stamps.at(i, ts[i]!) + ',"' + formatSampleValue(vs[i]!) + '"]';
    out += ']}';
  }
  return out + ']';
}

function timeRange(params: URLSearchParams): [number, number] {
  return [parseTimeParam(params, 'start', MIN_TIME_MS), parseTimeParam(params, 'end', MAX_TIME_MS)];
}

function limited<T>(items: T[], limit: number): { items: T[]; warnings: string[] } {
  if (limit > 0 && items.length > limit) return { items: items.slice(0, limit), warnings: ['results truncated due to limit'] };
  return { items, warnings: [] };
}

function series(ctx: PromApiContext, params: URLSearchParams): ApiResponse {
  const sets = parseMatchers(params);
  if (sets.length === 0) throw new ParamError('no match[] parameter provided');
  const [mint, maxt] = timeRange(params);
  const seen = new Map<string, Labels>();
  for (const m of sets) for (const ls of ctx.querier.series(m, mint, maxt)) seen.set(metricJson(ls), ls);
  const all = [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([json]) => json);
  const { items, warnings } = limited(all, parseLimit(params));
  return { status: 200, body: successJson(`[${items.join(',')}]`, warnings) };
}

function unionSorted(lists: string[][]): string[] {
  return [...new Set(lists.flat())].sort();
}

function labelNames(ctx: PromApiContext, params: URLSearchParams): ApiResponse {
  const sets: LabelMatcher[][] = parseMatchers(params);
  const [mint, maxt] = timeRange(params);
  const names = sets.length === 0 ? ctx.querier.labelNames([], mint, maxt) : unionSorted(sets.map((m) => ctx.querier.labelNames(m, mint, maxt)));
  const { items, warnings } = limited(names, parseLimit(params));
  return { status: 200, body: successJson(JSON.stringify(items), warnings) };
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function labelValues(ctx: PromApiContext, params: URLSearchParams, name: string): ApiResponse {
  if (!LABEL_NAME_RE.test(name)) throw new ParamError(`invalid label name: "${name}"`);
  const sets = parseMatchers(params);
  const [mint, maxt] = timeRange(params);
  const values = sets.length === 0 ? ctx.querier.labelValues(name, [], mint, maxt) : unionSorted(sets.map((m) => ctx.querier.labelValues(name, m, mint, maxt)));
  const { items, warnings } = limited(values, parseLimit(params));
  return { status: 200, body: successJson(JSON.stringify(items), warnings) };
}
