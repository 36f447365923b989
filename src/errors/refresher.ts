// The token refresher's own answers (src/refresher/proxy.ts): no token (503 token_unavailable, with the OAuth
// client's reason), and an upstream that did not answer (502 upstream_unreachable, 504 upstream_timeout).

import type { TokenFailureReason } from '../oauth/client.js';
import { entry, NET_FAILURE_REASONS, NET_TIMEOUT_REASONS, type Assert, type CatalogEntry, type SameMembers } from './catalog.js';

/** src/oauth/client.ts's TokenFailureReason, each with what it means. */
export const TOKEN_FAILURE_REASONS = {
  invalid_client: 'the issuer rejects the client id/secret',
  unauthorized_client: 'the issuer does not let this client use the client-credentials grant',
  invalid_scope: 'the issuer refuses a requested scope',
  invalid_grant: 'the issuer refuses the grant',
  invalid_request: 'the issuer calls the token request malformed',
  invalid_target: 'the issuer refuses the requested audience',
  issuer_unreachable: 'the issuer cannot be reached (refused, reset)',
  issuer_timeout: 'the issuer did not answer within --oidc.timeout',
  issuer_tls: 'TLS to the issuer failed',
  issuer_dns: 'the issuer\'s host name does not resolve',
  issuer_error: 'the issuer answered with a server error',
  issuer_bad_response: 'the issuer answered something that is no token response',
  issuer_mismatch: 'the discovery document names another issuer than ISSUER_URL',
  no_token_yet: 'the first token request has not finished yet',
  token_expired: 'the token expired while a token request is pending (issuer slow or unreachable)',
} as const;
export type TokenReasonsMatch = Assert<SameMembers<TokenFailureReason, keyof typeof TOKEN_FAILURE_REASONS>>;

const timeouts: readonly string[] = NET_TIMEOUT_REASONS;

export const REFRESHER_ERRORS: readonly CatalogEntry[] = [
  ...Object.entries(TOKEN_FAILURE_REASONS).map(([r, m]) => entry('token-refresher', 503, 'token_unavailable', r, ['token-refresher'], `the refresher holds no token: ${m}`)),
  ...NET_FAILURE_REASONS.filter((r) => !timeouts.includes(r)).map((r) => entry('token-refresher', 502, 'upstream_unreachable', r, ['token-refresher'], `the refresher cannot reach Observatorium (${r})`)),
  // headers_timeout is also the refresher's own deadline (--upstream.timeout) firing.
  ...NET_TIMEOUT_REASONS.map((r) => entry('token-refresher', 504, 'upstream_timeout', r, ['token-refresher'], `Observatorium did not answer the refresher in time (${r})`)),
];
