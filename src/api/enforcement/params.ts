// Tenancy on read requests' parameters: `query` enforced (every occurrence), `match[]` enforced or
// added when absent. Every value is enforced, so whichever one a backend picks is safe.
import { HttpError } from '../../http/errors.js';
import { EMPTY_QUERY_ERROR } from '../../promql/errors.js';
import { EnforceError, enforceQuery, enforceSeriesSelector, tenantSelector } from './promql.js';

export type ReadEndpoint = 'query' | 'query_range' | 'series' | 'label_names' | 'label_values' | 'rules' | 'alerts';

/** A Prometheus-style positioned message for a bad query, from the PromQL parser when it is available. */
async function describe(query: string, err: EnforceError): Promise<string> {
  try {
    const { parseExpr } = await import('../../promql/parser.js');
    parseExpr(query);
  } catch (e) {
    const m = (e as Error).message;
    if ((e as Error).name === 'PromQLParseError' && /^\d+:\d+: parse error: /.test(m)) return m;
  }
  return err.message;
}

async function badParam(name: string, value: string, err: unknown, isQuery: boolean): Promise<never> {
  if (!(err instanceof EnforceError)) throw err;
  const detail = isQuery ? await describe(value, err) : err.message;
  throw new HttpError(400, 'bad_data', `invalid parameter ${JSON.stringify(name)}: ${detail}`, { hop: 'api', reason: 'bad_query' });
}

/** Returns a new parameter list with the tenant enforced. Throws HttpError 400 on a bad query/selector. */
export async function enforceReadParams(endpoint: ReadEndpoint, params: URLSearchParams, label: string, tenantId: string): Promise<URLSearchParams> {
  const out = new URLSearchParams();
  let sawQuery = false;
  let sawMatch = false;
  for (const [k, v] of params) {
    if ((endpoint === 'query' || endpoint === 'query_range') && k === 'query') {
      sawQuery = true;
      try {
        out.append(k, enforceQuery(v, label, tenantId));
      } catch (err) {
        await badParam(k, v, err, true);
      }
    } else if (k === 'match[]' && endpoint !== 'query' && endpoint !== 'query_range' && endpoint !== 'alerts') {
      sawMatch = true;
      try {
        out.append(k, enforceSeriesSelector(v, label, tenantId));
      } catch (err) {
        await badParam(k, v, err, false);
      }
    } else {
      out.append(k, v);
    }
  }
  if ((endpoint === 'query' || endpoint === 'query_range') && !sawQuery) {
    throw new HttpError(400, 'bad_data', `invalid parameter "query": ${EMPTY_QUERY_ERROR}`, { hop: 'api', reason: 'bad_query' });
  }
  if ((endpoint === 'series' || endpoint === 'label_names' || endpoint === 'label_values' || endpoint === 'rules') && !sawMatch) {
    out.append('match[]', tenantSelector(label, tenantId));
  }
  return out;
}
