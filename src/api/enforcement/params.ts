// Tenancy on read requests' parameters: `query` enforced (every occurrence), `match[]` enforced or
// added when absent. Every value is enforced, so whichever one a backend picks is safe.
import { HttpError } from '../../http/errors.js';
import type { Expr } from '../../promql/ast.js';
import { parseExpr } from '../../promql/parser.js';
import { EnforceError, enforceQuery, enforceQueryParsed, enforceSeriesSelector, tenantSelector } from './promql.js';
import { EMPTY_QUERY_ERROR } from '../../promql/errors.js';

export type ReadEndpoint = 'query' | 'query_range' | 'series' | 'label_names' | 'label_values' | 'rules' | 'alerts' | 'query_exemplars' | 'buildinfo' | 'runtimeinfo';

/** Endpoints whose `query` parameter reads data, so it is enforced. */
const QUERY_ENDPOINTS: ReadonlySet<ReadEndpoint> = new Set(['query', 'query_range', 'query_exemplars']);

/** A Prometheus-style positioned message for a bad query, from the PromQL parser. */
function describe(query: string, err: EnforceError): string {
  try {
    parseExpr(query);
  } catch (e) {
    const m = (e as Error).message;
    if ((e as Error).name === 'PromQLParseError' && /^\d+:\d+: parse error: /.test(m)) return m;
  }
  return err.message;
}

function badParam(name: string, value: string, err: unknown, isQuery: boolean): never {
  if (!(err instanceof EnforceError)) throw err;
  const detail = isQuery ? describe(value, err) : err.message;
  throw new HttpError(400, 'bad_data', `invalid parameter ${JSON.stringify(name)}: ${detail}`, { hop: 'api', reason: 'bad_query' });
}

export interface EnforcedRead {
  /** The parameters with the tenant enforced: what an HTTP backend sends. */
  params: URLSearchParams;
  /**
   * The first `query` (the one a backend reads), enforced and already parsed, when `parse` was asked for and
   * our parser takes it: what an in-process engine evaluates instead of parsing the text again.
   */
  expr?: Expr;
}

/** The parameters with the tenant enforced (and the query parsed, with `parse`). Throws HttpError 400 on a bad query/selector. */
export function enforceReadParams(endpoint: ReadEndpoint, params: URLSearchParams, label: string, tenantId: string, opts: { parse?: boolean } = {}): EnforcedRead {
  const out = new URLSearchParams();
  let expr: Expr | undefined;
  let sawQuery = false;
  let sawMatch = false;
  for (const [k, v] of params) {
    if (QUERY_ENDPOINTS.has(endpoint) && k === 'query') {
      try {
        if (opts.parse && !sawQuery) {
          const e = enforceQueryParsed(v, label, tenantId);
          out.append(k, e.query);
          expr = e.expr ?? undefined;
        } else {
          out.append(k, enforceQuery(v, label, tenantId));
        }
      } catch (err) {
        badParam(k, v, err, true);
      }
      sawQuery = true;
    } else if (k === 'match[]' && !QUERY_ENDPOINTS.has(endpoint) && endpoint !== 'alerts') {
      sawMatch = true;
      try {
        out.append(k, enforceSeriesSelector(v, label, tenantId));
      } catch (err) {
        badParam(k, v, err, false);
      }
    } else {
      out.append(k, v);
    }
  }
  if (QUERY_ENDPOINTS.has(endpoint) && !sawQuery) {
    throw new HttpError(400, 'bad_data', `invalid parameter "query": ${EMPTY_QUERY_ERROR}`, { hop: 'api', reason: 'bad_query' });
  }
  if ((endpoint === 'series' || endpoint === 'label_names' || endpoint === 'label_values' || endpoint === 'rules') && !sawMatch) {
    out.append('match[]', tenantSelector(label, tenantId));
  }
  return { params: out, expr };
}
