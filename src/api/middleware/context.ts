// What the middlewares of one metrics request learn and hand down the chain (tenant -> authentication ->
// rate limit -> authorization -> enforcement -> backend), and how a middleware refuses a request: it names
// the reason counted in observatorium_api_requests_rejected_total and throws the HTTP error it answers.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { HttpError } from '../../http/errors.js';
import type { RejectReason } from '../metrics.js';
import type { Snapshot, TenantRuntime } from '../state.js';

/** Who the bearer token says the caller is (what RBAC decides on). */
export interface CallerIdentity {
  subject: string;
  groups: readonly string[];
}

export interface RequestContext {
  /** The handler label of the request metrics (the endpoint). */
  handler: string;
  /** The tenant label of the request metrics: the tenant's id once known, else "". */
  tenant: string;
  /** Why the API answered the request itself, if it did. */
  reject: RejectReason | null;
  /** Bytes of a streamed answer of unknown length, counted as sent (-1: not streamed). */
  responseBytes: number;
  /** The configuration the request runs under, taken once by the tenant middleware (a reload does not split it). */
  snapshot?: Snapshot;
  /** The tenant of the URL, set by the tenant middleware. */
  runtime?: TenantRuntime;
  /** The caller, set by the authentication middleware. */
  identity?: CallerIdentity;
  /** X-RateLimit-* of a shared-limiter decision, sent with the answer whatever it is. */
  rateLimitHeaders?: Record<string, string>;
}

/**
 * What the middlewares and handlers read of a request: a FastifyRequest is one, and so is the bare hot
 * path's request (api/hot/), so both listeners run the same chain.
 */
export interface ApiRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly params: unknown;
  readonly body: unknown;
  readonly raw: IncomingMessage;
  readonly log: { warn(obj: object, msg: string): void };
  obs: RequestContext;
}

declare module 'fastify' {
  interface FastifyRequest {
    obs: RequestContext;
  }
}

/** A fresh context; `handler` and `tenant` are known from the route, so early refusals are attributed. */
export function newContext(handler: string, tenant: string): RequestContext {
  return { handler, tenant, reject: null, responseBytes: -1 };
}

/** Refuses the request: records why (for the rejected-requests counter) and throws the answer. */
export function reject(req: ApiRequest, reason: RejectReason, err: HttpError): never {
  req.obs.reject = reason;
  throw err;
}

/** The tenant name of the URL (/api/metrics/v1/{tenant}/...). */
export const tenantParam = (req: ApiRequest): string => (req.params as { tenant: string }).tenant;

/** The tenant the tenant middleware found; a route mounted without it is a wiring bug. */
export function admittedTenant(req: ApiRequest): TenantRuntime {
  const rt = req.obs.runtime;
  if (!rt) throw new Error('api: route wired without the tenant middleware');
  return rt;
}
