// The Observatorium API's answers (src/api): its own (hop api), authentication and RBAC (hop auth), and its
// backend's failures (hop backend). AuthFailureReason is defined here and used by src/api/authentication.

import { entry, NET_FAILURE_REASONS, NET_TIMEOUT_REASONS, type CatalogEntry } from './catalog.js';

/** Why a token is refused (401 unauthorized, hop auth), with what each means. */
export const AUTH_401_REASONS = {
  missing_token: 'the request carries no bearer token (the refresher is bypassed, or strips it)',
  malformed_header: 'the Authorization header is not "Bearer <token>"',
  malformed: 'the token is not a JWT',
  too_large: 'the token is larger than the API accepts',
  expired: 'the token has expired by the API\'s clock: a holder that does not renew, or clocks that disagree',
  not_yet_valid: 'the token\'s nbf is in the future by the API\'s clock: the issuer\'s clock is ahead',
  wrong_issuer: 'the token\'s iss is not the tenant\'s issuerURL',
  wrong_audience: 'the token\'s aud lacks the tenant\'s clientID',
  bad_signature: 'the token\'s signature does not verify with the key of its kid: the issuer replaced the key behind that kid',
  unknown_key: 'the token is signed by a key the issuer no longer publishes (rotated out) or never published',
  alg_not_allowed: 'the token\'s signing algorithm is not allowed',
  missing_claim: 'the token lacks a claim the tenant needs (its usernameClaim, or exp)',
  invalid_token: 'a claim of the token is invalid',
  // mTLS tenants (src/api/authentication/mtls.ts): the client certificate is the identity.
  no_client_certificate: 'the tenant authenticates with client certificates and none was presented',
  untrusted_certificate: 'the client certificate is not signed by a CA of the tenant, not for client authentication, or outside its validity',
  no_subject: 'the client certificate names no email, URI, DNS or IP and has no CN to take the subject from',
} as const;
/** Why tokens cannot be checked at all (503 unavailable, hop auth). */
export const AUTH_503_REASONS = {
  issuer_unavailable: 'the API has not fetched the tenant issuer\'s keys yet (discovery or JWKS failing)',
  jwks_unreachable: 'the API cannot fetch the issuer\'s JWKS to look up the token\'s key',
} as const;

export type AuthFailureReason = keyof typeof AUTH_401_REASONS | keyof typeof AUTH_503_REASONS;

export const AUTH_ERRORS: readonly CatalogEntry[] = [
  ...Object.entries(AUTH_401_REASONS).map(([r, m]) => entry('auth', 401, 'unauthorized', r, ['auth'], m)),
  ...Object.entries(AUTH_503_REASONS).map(([r, m]) => entry('auth', 503, 'unavailable', r, ['auth'], m)),
  entry('auth', 403, 'forbidden', 'rbac_denied', ['auth'], 'RBAC gives the token\'s subject no permission on the tenant\'s metrics'),
];

export const API_ERRORS: readonly CatalogEntry[] = [
  entry('api', 404, 'not_found', 'unknown_tenant', ['api'], 'the tenant in the URL is not in the API\'s tenants configuration'),
  entry('api', 404, 'not_found', 'not_supported', ['api'], 'the API\'s backend does not serve this path'),
  entry('api', 404, 'not_found', undefined, ['api'], 'no read or write endpoint is configured for this path'),
  entry('api', 405, 'method_not_allowed', 'method_not_allowed', ['api'], 'the route does not take this method'),
  entry('api', 429, 'too_many_requests', 'rate_limited', ['api'], 'the tenant\'s rate limit is spent'),
  entry('api', 503, 'unavailable', 'ratelimiter_unavailable', ['api'], 'the shared rate limiter (Redis) cannot be reached and the limit fails closed'),
  entry('api', 429, 'too_many_requests', 'concurrency_limit', ['api'], 'the API\'s in-flight cap is reached ("server capacity exceeded")'),
  entry('api', 400, 'bad_data', 'bad_query', ['api'], 'a query parameter is invalid'),
  entry('api', 400, 'bad_data', 'empty_body', ['api'], 'a remote write without a body'),
  entry('api', 400, 'bad_data', 'bad_remote_write', ['api'], 'a remote-write body that cannot be read'),
  entry('api', 415, 'bad_data', 'unsupported_media_type', ['api'], 'POST parameters that are not form-encoded'),
  entry('api', 415, 'unsupported_media_type', 'unsupported_media_type', ['api'], 'a remote write that is not remote write 1.0'),
  entry('api', 413, 'request_too_large', 'body_too_large', ['api'], 'the body is over --web.max-body-size'),
  entry('api', 400, 'bad_data', 'bad_request', ['api'], 'a request the API refuses before its handler (no more specific code)'),
  entry('api', 400, 'bad_request', undefined, ['api'], 'a request fastify refuses (its error code is the reason)'),
  entry('api', 500, 'internal', 'internal', ['api'], 'the API failed internally'),
  // The embedded backend's query errors pass through with the API as hop (src/api/metrics/v1/local.ts; bad_data above).
  ...(['execution', 'timeout', 'canceled', 'internal'] as const).map((t) => entry('api', t === 'execution' ? 422 : t === 'internal' ? 500 : 503, t, 'bad_query', ['api'], `the embedded backend refused the query (${t})`)),
];

const timeouts: readonly string[] = NET_TIMEOUT_REASONS;

/** The backend behind the API failed (src/api/backend/http.ts, respond.ts). */
export const BACKEND_ERRORS: readonly CatalogEntry[] = [
  ...NET_FAILURE_REASONS.filter((r) => !timeouts.includes(r)).map((r) => entry('backend', 502, 'upstream_unreachable', r, ['backend'], `the API cannot reach its metrics backend (${r})`)),
  ...NET_TIMEOUT_REASONS.map((r) => entry('backend', 504, 'upstream_timeout', r, ['backend'], `the metrics backend did not answer within the API's deadline (${r})`)),
];
