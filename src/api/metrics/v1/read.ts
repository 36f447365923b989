// The read handlers (query, query_range, series, labels, label values, rules, alerts, exemplars, status):
// the last step of the chain, after tenant, authentication, rate limit and authorization. Enforcement and
// the backend call are one step (enforceAndRead): the tenant's matcher goes on every selector, then the
// enforced parameters go to the backend, whose answer is passed on (rules and alerts filtered to the tenant).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, type Hop } from '../../../http/errors.js';
import { isSuccess } from '../../../http/upstream-error.js';
import type { Backend, BackendResponse } from '../../backend/types.js';
import type { CancelSignal } from '../../../http/deadline.js';
import { enforceReadParams, type EnforcedRead, type ReadEndpoint } from '../../enforcement/params.js';
import { filterRulesBody } from '../../enforcement/rules.js';
import { admittedTenant, reject, type ApiRequest } from '../../middleware/context.js';
import { clientGone, formParams, forwardHeaders } from './request.js';
import { bodyText, sendBackendResponse } from './respond.js';

export interface ReadDeps {
  backend: Backend;
  tenantLabel: string;
}

const READ_HEADERS = ['accept', 'accept-encoding', 'user-agent'] as const;
const FILTERED_HEADERS = ['accept', 'user-agent'] as const;

/** Whose answer a passed-through error is: the HTTP backend's, or the in-process store's. */
export const backendHop = (backend: Backend): Hop => (backend.kind === 'embedded' ? 'store' : 'backend');

/** The handler of one read endpoint. */
export function readHandler(endpoint: ReadEndpoint, deps: ReadDeps) {
  return async function read(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const res = await readResponse(req, endpoint, deps, clientGone(reply));
    return sendBackendResponse(req, reply, res, backendHop(deps.backend));
  };
}

/**
 * The read after the admission chain, up to the backend's answer (either listener sends it): the series
 * guard, enforcement (the tenant's matcher on every selector), the backend call, rules and alerts filtered.
 */
export async function readResponse(req: ApiRequest, endpoint: ReadEndpoint, deps: ReadDeps, signal: CancelSignal): Promise<BackendResponse> {
  const rt = admittedTenant(req);
  const params = formParams(req);
  if (endpoint === 'series' && !params.has('match[]')) {
    // As Prometheus: a series listing needs a selector (the tenant's own would list all its series).
    reject(req, 'bad_request', new HttpError(400, 'bad_data', 'no match[] parameter provided', { hop: 'api', reason: 'bad_query' }));
  }
  const { backend, tenantLabel } = deps;
  let enforced: EnforcedRead;
  try {
    enforced = enforceReadParams(endpoint, params, tenantLabel, rt.tenant.id, { parse: backend.acceptsParsedQuery });
  } catch (err) {
    req.obs.reject = 'bad_request';
    throw err;
  }
  const filtered = endpoint === 'rules' || endpoint === 'alerts';
  const res = await backend.read({
    endpoint,
    method: req.method === 'POST' ? 'POST' : 'GET',
    params: enforced.params,
    expr: enforced.expr,
    labelName: (req.params as { name?: string }).name,
    tenantId: rt.tenant.id,
    headers: forwardHeaders(req, filtered ? FILTERED_HEADERS : READ_HEADERS),
    signal,
  });
  if (filtered && isSuccess(res.status)) {
    const text = await bodyText(res.body);
    const out = filterRulesBody(endpoint, text, tenantLabel, rt.tenant.id);
    const headers = { ...res.headers };
    delete headers['content-length'];
    return { status: res.status, headers, body: out ?? text };
  }
  return res;
}
