// The error catalog: every typed failure an obspath component answers with or logs, as
// {"status":"error","errorType":...,"reason":...,"hop":...}. One table per component (api.ts, refresher.ts,
// store.ts, and the shared ones here); the doctor derives its log signatures from them, and a test greps the
// source for errorType/reason literals missing here, so a new error cannot ship without the doctor knowing it.

import type { ClientFailureReason } from '../client/errors.js';
import type { Hop } from '../http/errors.js';
import type { NetFailureReason } from '../http/net-errors.js';

/** Who produces the answer (`client`: the caller's own classification when no answer came, status 0). */
export type ErrorSource = 'api' | 'auth' | 'backend' | 'token-refresher' | 'store' | 'fleet-manager' | 'issuer' | 'http' | 'client' | 'console';

export interface CatalogEntry {
  /** Stable: `<source>.<errorType>[.<reason>]`. */
  id: string;
  source: ErrorSource;
  /** HTTP status; 0 when no answer arrived. */
  status: number;
  errorType: string;
  /** The `reason` field; undefined: none, or one the code computes (a fastify code, free text). */
  reason?: string;
  /** The values the `hop` field takes. */
  hops: readonly Hop[];
  /** One sentence: what it means for the path. */
  meaning: string;
}

/** An entry; the id is derived so that it stays unique and stable. */
export function entry(source: ErrorSource, status: number, errorType: string, reason: string | undefined, hops: readonly Hop[], meaning: string): CatalogEntry {
  return { id: `${source}.${errorType}${reason ? `.${reason}` : ''}`, source, status, errorType, ...(reason ? { reason } : {}), hops, meaning };
}

/** Compile-time proof that a list spells out a union type exactly (a member added to one side fails the build). */
export type SameMembers<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export type Assert<T extends true> = T;

/** src/http/net-errors.ts's transport failure reasons (the `reason` of upstream_unreachable/upstream_timeout). */
export const NET_FAILURE_REASONS = ['refused', 'dns', 'tls', 'reset', 'connect_timeout', 'headers_timeout', 'body_timeout', 'timeout', 'aborted', 'unknown'] as const;
export type NetReasonsMatch = Assert<SameMembers<NetFailureReason, (typeof NET_FAILURE_REASONS)[number]>>;
/** The reasons that mean "waited, nothing came" (isTimeout), answered 504 upstream_timeout. */
export const NET_TIMEOUT_REASONS = ['connect_timeout', 'headers_timeout', 'body_timeout', 'timeout'] as const;

/** src/client's reasons for a call that got no answer (errorType timeout, unreachable, aborted). */
export const CLIENT_FAILURE_REASONS = ['timeout', 'refused', 'dns', 'tls', 'reset', 'aborted', 'other'] as const;
export type ClientReasonsMatch = Assert<SameMembers<ClientFailureReason, (typeof CLIENT_FAILURE_REASONS)[number]>>;

const SERVER_HOPS: readonly Hop[] = ['api', 'auth', 'token-refresher', 'store', 'fleet-manager', 'issuer', 'probe'];

/**
 * Every server's shared answers (src/http: server.ts, internal.ts, upstream-error.ts): Prometheus's errorType
 * for the status (errorTypeForStatus), from any hop; a proxied answer keeps its upstream's.
 */
export const HTTP_ERRORS: readonly CatalogEntry[] = [
  entry('http', 400, 'bad_data', undefined, SERVER_HOPS, 'a malformed request (bad parameter, URL encoding or HTTP framing)'),
  entry('http', 400, 'bad_request', undefined, SERVER_HOPS, 'a request the hop refuses (4xx without a more specific type)'),
  entry('http', 404, 'not_found', undefined, SERVER_HOPS, 'no such route on the hop: a wrong URL path'),
  entry('http', 405, 'method_not_allowed', undefined, SERVER_HOPS, 'the route does not take this method'),
  entry('http', 408, 'timeout', undefined, SERVER_HOPS, 'the hop did not receive the whole request in time (slow client or network)'),
  entry('http', 413, 'request_too_large', undefined, SERVER_HOPS, 'the request body is over the hop\'s limit'),
  entry('http', 415, 'unsupported_media_type', undefined, SERVER_HOPS, 'the request body has a content type the hop does not take'),
  entry('http', 422, 'execution', undefined, SERVER_HOPS, 'the query failed while being evaluated'),
  entry('http', 429, 'too_many_requests', undefined, SERVER_HOPS, 'the hop refuses the request for load or a limit'),
  entry('http', 500, 'internal', undefined, SERVER_HOPS, 'the hop failed internally'),
  entry('http', 503, 'unavailable', 'shutting_down', SERVER_HOPS, 'the hop is shutting down (a rollout or a restart)'),
  entry('http', 503, 'unavailable', undefined, SERVER_HOPS, 'the hop is not ready (its /ready names why)'),
  // /ready's 503 carries the component's own reason (src/http/internal.ts).
  entry('http', 503, 'unavailable', 'token_unavailable', ['token-refresher', 'probe'], 'not ready: no access token held (the `cause` field says why)'),
  entry('http', 503, 'unavailable', 'tenant_not_ready', ['api'], 'the API is not ready: a tenant\'s issuer keys are not fetched yet'),
  entry('http', 503, 'unavailable', 'discovery_pending', ['api'], 'the API is not ready: OIDC discovery of a tenant\'s issuer has not succeeded yet'),
  entry('http', 503, 'unavailable', 'backend_unreachable', ['api'], 'the API is not ready: its metrics backend does not answer'),
  entry('http', 503, 'unavailable', 'workers_not_ready', ['token-refresher', 'api', 'fleet-manager'], 'run with --workers N: not every worker process is ready yet (/ready lists each worker)'),
];

/** The issuer's own (non-OAuth) answers; OAuth errors keep the RFCs' {"error":...} shape. */
export const ISSUER_ERRORS: readonly CatalogEntry[] = [
  entry('issuer', 404, 'not_found', undefined, ['issuer'], 'no such route on the issuer: the issuer URL (realm path) is wrong'),
];

/** kas-fleet-manager's envelope carries Prometheus's errorType for the status; its `reason` is free text. */
export const FLEET_ERRORS: readonly CatalogEntry[] = [
  entry('fleet-manager', 400, 'bad_data', undefined, ['fleet-manager'], 'the fleet manager refuses the request (KAFKAS-MGMT-8/21)'),
  entry('fleet-manager', 401, 'bad_request', undefined, ['fleet-manager'], 'the fleet manager refuses the caller\'s token or permissions (KAFKAS-MGMT-15/4)'),
  entry('fleet-manager', 404, 'not_found', undefined, ['fleet-manager'], 'no such Kafka instance for the caller (KAFKAS-MGMT-7)'),
  entry('fleet-manager', 500, 'internal', undefined, ['fleet-manager'], 'the fleet manager could not get the metrics from Observatorium (KAFKAS-MGMT-9): the failures name the hop'),
];

/** src/client's classifications (the fleet manager logs them per failed query): hop = the hop called. */
export const CLIENT_ERRORS: readonly CatalogEntry[] = [
  entry('client', 0, 'timeout', 'timeout', ['token-refresher', 'api'], 'no answer within the client\'s timeout'),
  ...(['refused', 'dns', 'tls', 'reset', 'other'] as const).map((r) => entry('client', 0, 'unreachable', r, ['token-refresher', 'api'], `no answer: ${r === 'other' ? 'the connection failed' : r}`)),
  entry('client', 0, 'aborted', 'aborted', ['token-refresher', 'api'], 'the caller gave up on the request'),
  entry('client', 200, 'bad_response', undefined, ['token-refresher', 'api'], 'an answer that is no Prometheus API JSON (something else answers at the URL)'),
  entry('client', 400, 'client_error', undefined, ['token-refresher', 'api'], 'a 4xx without a Prometheus error body (a proxy or a non-obspath hop)'),
  entry('client', 500, 'server_error', undefined, ['token-refresher', 'api'], 'a 5xx without a Prometheus error body (a proxy or a non-obspath hop)'),
];
