// The Prometheus API endpoints Grafana and promtool call besides the data reads: status/buildinfo,
// status/runtimeinfo, metadata, query_exemplars, format_query, parse_query. Same messages as
// Prometheus's web/api/v1/api.go where they can fail.
import { createRequire } from 'node:module';
import type { Expr } from '../promql/ast.js';
import { Engine } from '../promql/engine.js';
import { PromQLError } from '../promql/errors.js';
import { FUNCTION_SIGNATURES } from '../promql/functions/signatures.js';
import { formatSampleValue } from './format.js';
import { errorResponse, type ApiResponse } from './handlers.js';
import { MAX_TIME_MS, MIN_TIME_MS, ParamError, parseTimeParam } from './params.js';
import { prettyExpr } from './pretty.js';

export type MetaEndpoint = 'buildinfo' | 'runtimeinfo' | 'metadata' | 'query_exemplars' | 'format_query' | 'parse_query';

export interface MetaContext {
  engine: Engine;
  /** Facts for status/runtimeinfo. */
  runtime?: () => { startTimeMs: number; storageRetention: string; corruptionCount: number };
}

export const META_PATHS: ReadonlyArray<[string, MetaEndpoint]> = [
  ['/api/v1/status/buildinfo', 'buildinfo'],
  ['/api/v1/status/runtimeinfo', 'runtimeinfo'],
  ['/api/v1/metadata', 'metadata'],
  ['/api/v1/query_exemplars', 'query_exemplars'],
  ['/api/v1/format_query', 'format_query'],
  ['/api/v1/parse_query', 'parse_query'],
];

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const ok = (data: unknown): ApiResponse => ({ status: 200, body: JSON.stringify({ status: 'success', data }) });

function parsedQuery(ctx: MetaContext, params: URLSearchParams): Expr {
  const q = params.get('query') ?? '';
  try {
    return ctx.engine.parse(q);
  } catch (err) {
    if (err instanceof PromQLError && err.errorType === 'bad_data') throw new ParamError(`invalid parameter "query": ${err.message}`);
    throw err;
  }
}

/**
 * Serves one endpoint. Never throws: a failure becomes a Prometheus error body. `expr`: query_exemplars'
 * `query` already parsed by the caller (it is only checked here).
 */
export function handleMeta(ctx: MetaContext, endpoint: MetaEndpoint, params: URLSearchParams, expr?: Expr): ApiResponse {
  try {
    return meta(ctx, endpoint, params, expr);
  } catch (err) {
    if (err instanceof PromQLError) return errorResponse(err.errorType, err.message);
    return errorResponse('internal', (err as Error).message);
  }
}

function meta(ctx: MetaContext, endpoint: MetaEndpoint, params: URLSearchParams, expr?: Expr): { status: number; body: string } {
  switch (endpoint) {
    case 'buildinfo':
      // Our own version; `application` tells Grafana this is not Prometheus itself.
      return ok({ version: VERSION, revision: '', branch: '', buildUser: '', buildDate: '', goVersion: `node${process.versions.node}`, application: 'obspath' });
    case 'runtimeinfo': {
      const rt = ctx.runtime?.();
      const start = new Date(rt?.startTimeMs ?? Date.now() - process.uptime() * 1000).toISOString();
      return ok({
        startTime: start, CWD: process.cwd(), reloadConfigSuccess: true, lastConfigTime: start, corruptionCount: rt?.corruptionCount ?? 0,
        goroutineCount: 0, GOMAXPROCS: 1, GOMEMLIMIT: 0, GOGC: '', GODEBUG: '', storageRetention: rt?.storageRetention ?? '',
      });
    }
    case 'metadata': {
      // Remote write 1.0 carries no metadata we keep, so there is none to give; the parameters are still checked.
      for (const name of ['limit', 'limit_per_metric']) {
        const raw = params.get(name);
        if (raw !== null && raw !== '' && !/^-?\d+$/.test(raw)) throw new ParamError(`${name} must be a number`);
      }
      return ok({});
    }
    case 'query_exemplars': {
      const start = parseTimeParam(params, 'start', MIN_TIME_MS);
      const end = parseTimeParam(params, 'end', MAX_TIME_MS);
      if (end < start) throw new ParamError('end timestamp must not be before start timestamp');
      if (expr === undefined) parsedQuery(ctx, params);
      return ok([]); // no exemplar storage
    }
    case 'format_query':
      return ok(prettyExpr(parsedQuery(ctx, params)));
    case 'parse_query':
      return ok(translateAst(parsedQuery(ctx, params)));
  }
}

/** Matchers as Prometheus's parser orders them: the one from a written metric name comes last. */
function matchersJson(vs: Extract<Expr, { type: 'VectorSelector' }>): Array<{ name: string; value: string; type: string }> {
  const isName = (m: { name: string; type: string; value: string }) => vs.name !== null && m.name === '__name__' && m.type === '=' && m.value === vs.name;
  const nameMatcher = vs.matchers.find(isName);
  const ordered = nameMatcher ? [...vs.matchers.filter((m) => m !== nameMatcher), nameMatcher] : vs.matchers;
  return ordered.map((m) => ({ name: m.name, value: m.value, type: m.type }));
}

/** Prometheus 3's web/api/v1/translate_ast.go shape (without the experimental anchored/smoothed/fill fields). */
export function translateAst(e: Expr): unknown {
  switch (e.type) {
    case 'AggregateExpr':
      return { type: 'aggregation', op: e.op, expr: translateAst(e.expr), param: e.param ? translateAst(e.param) : null, grouping: e.grouping, without: e.without };
    case 'BinaryExpr':
      return {
        type: 'binaryExpr', op: e.op, lhs: translateAst(e.lhs), rhs: translateAst(e.rhs),
        matching: e.matching ? { card: e.matching.card, labels: e.matching.labels, on: e.matching.on, include: e.matching.include } : null,
        bool: e.returnBool,
      };
    case 'Call': {
      const sig = FUNCTION_SIGNATURES.get(e.func);
      return { type: 'call', func: { name: e.func, argTypes: sig?.argTypes ?? [], variadic: sig?.variadic ?? 0, returnType: sig?.returnType ?? 'vector' }, args: e.args.map(translateAst) };
    }
    case 'MatrixSelector': {
      const vs = e.selector;
      return { type: 'matrixSelector', name: vs.name ?? '', range: e.range, offset: vs.offset, matchers: matchersJson(vs), timestamp: vs.at, startOrEnd: vs.atPreprocessor };
    }
    case 'SubqueryExpr':
      return { type: 'subquery', expr: translateAst(e.expr), range: e.range, offset: e.offset, step: e.step, timestamp: e.at, startOrEnd: e.atPreprocessor };
    case 'NumberLiteral':
      return { type: 'numberLiteral', val: formatSampleValue(e.value) };
    case 'ParenExpr':
      return { type: 'parenExpr', expr: translateAst(e.expr) };
    case 'StringLiteral':
      return { type: 'stringLiteral', val: e.value };
    case 'UnaryExpr':
      return { type: 'unaryExpr', op: e.op, expr: translateAst(e.expr) };
    case 'VectorSelector':
      return { type: 'vectorSelector', name: e.name ?? '', offset: e.offset, matchers: matchersJson(e), timestamp: e.at, startOrEnd: e.atPreprocessor };
  }
}
