// The catalog of known error signatures in the fleet manager's and the token refresher's logs: obspath's own
// JSON lines (errorType/reason/hop fields) and the Go originals' text (observatorium.md §B, glog/logfmt lines of
// kas-fleet-manager and observatorium/token-refresher), plus one per entry of the components' error catalogs
// (src/errors, via catalog-signatures.ts) so that every typed failure is recognised. Order matters: a line counts once, under the first
// signature that matches, so specific signatures come before generic ones.

import type { RootCauseId } from '../causes.js';
import type { Confidence } from '../report.js';
import { catalogSignatures } from './catalog-signatures.js';

export type LogComponent = 'fleet-manager' | 'token-refresher';

/** A log line as the scanner sees it: the raw text and, for JSON lines, the fields signatures look at. */
export interface ParsedLine {
  raw: string;
  json?: { errorType?: string; reason?: string; hop?: string; msg?: string; level?: string; status?: number; worker?: number };
}

export interface LogSignature {
  id: string;
  title: string;
  origin: 'obspath' | 'go';
  /** Only lines of these components (default: both). The same text means different things on each side. */
  components?: LogComponent[];
  test: (line: ParsedLine) => boolean;
  /** The cause it points at; `unknown` signatures are reported as evidence without a suspect. */
  cause: RootCauseId;
  confidence: Confidence;
  /** One sentence: what it means. */
  meaning: string;
}

const TOKEN_FAILURE = /cannot obtain access token/;
/** The primary's line when one of its `--workers` processes exits (src/workers/pool.ts). */
const WORKER_EXITED = /^worker exited: restarting it$/;
/** The refresher's line when the API answers 401 for its token (src/refresher/proxy.ts). */
const REJECTED_TOKEN = /upstream rejected the access token/;

function jsonField(line: ParsedLine, field: 'errorType' | 'reason' | 'hop', values: readonly string[]): boolean {
  const v = line.json?.[field];
  return typeof v === 'string' && values.includes(v);
}

function isTokenFailure(l: ParsedLine): boolean {
  return jsonField(l, 'errorType', ['token_unavailable']) || TOKEN_FAILURE.test(l.json?.msg ?? '');
}

function isUpstreamFailure(l: ParsedLine): boolean {
  return jsonField(l, 'errorType', ['upstream_unreachable', 'upstream_timeout']) || /upstream request failed/.test(l.json?.msg ?? '');
}

const text = (re: RegExp) => (l: ParsedLine) => re.test(l.raw);
const all = (...tests: ((l: ParsedLine) => boolean)[]) => (l: ParsedLine) => tests.every((t) => t(l));

/** A Go network error text, as net/http and net.Dial print them. */
const GO_NET_ERROR = /(no such host|connection refused|i\/o timeout|context deadline exceeded|TLS handshake timeout|connection reset by peer|x509: certificate|network is unreachable|no route to host)/;
/** The call was the token fetch or OIDC discovery (URL shapes of Keycloak, or the oauth2 package's prefix). */
const ISSUER_CALL = /(oauth2:|openid-connect\/token|\/token"|\.well-known\/openid-configuration|sso\.redhat\.com)/;

export const LOG_SIGNATURES: readonly LogSignature[] = [
  // --- obspath JSON lines ------------------------------------------------------------------------------
  {
    id: 'obspath.worker.exited', origin: 'obspath', title: 'a worker process (--workers) exited and was restarted', components: ['token-refresher'],
    test: (l) => WORKER_EXITED.test(l.json?.msg ?? ''),
    cause: 'refresher-crashloop', confidence: 'possible', meaning: 'one of the refresher\'s worker processes exited and its primary restarted it (the process itself stays up): the requests that worker held failed; its last lines before the exit say why',
  },
  {
    id: 'obspath.worker.exited.fleet', origin: 'obspath', title: 'a worker process (--workers) exited and was restarted', components: ['fleet-manager'],
    test: (l) => WORKER_EXITED.test(l.json?.msg ?? ''),
    cause: 'unknown', confidence: 'possible', meaning: 'one of the fleet manager\'s worker processes exited and its primary restarted it: the requests that worker held failed',
  },
  {
    id: 'obspath.token.invalid-client', origin: 'obspath', title: 'token_unavailable: invalid_client',
    test: (l) => isTokenFailure(l) && jsonField(l, 'reason', ['invalid_client', 'unauthorized_client']),
    cause: 'invalid-client-credentials', confidence: 'likely', meaning: 'the issuer rejects the client id/secret',
  },
  {
    id: 'obspath.token.invalid-audience', origin: 'obspath', title: 'token_unavailable: invalid_target/invalid_scope',
    test: (l) => isTokenFailure(l) && jsonField(l, 'reason', ['invalid_target', 'invalid_scope']),
    cause: 'audience-mismatch', confidence: 'likely', meaning: 'the issuer refuses the audience or scope the refresher asks for',
  },
  {
    id: 'obspath.token.issuer-unreachable', origin: 'obspath', title: 'token_unavailable: issuer unreachable',
    test: (l) => isTokenFailure(l) && jsonField(l, 'reason', ['issuer_unreachable', 'issuer_timeout', 'issuer_dns', 'issuer_tls']),
    cause: 'issuer-unreachable', confidence: 'likely', meaning: 'the refresher cannot reach the OIDC issuer',
  },
  {
    id: 'obspath.token.issuer-mismatch', origin: 'obspath', title: 'token_unavailable: issuer_mismatch',
    test: (l) => isTokenFailure(l) && jsonField(l, 'reason', ['issuer_mismatch']),
    cause: 'issuer-mismatch', confidence: 'likely', meaning: 'the discovery document names another issuer than ISSUER_URL',
  },
  {
    id: 'obspath.token.other', origin: 'obspath', title: 'token_unavailable (other reason)',
    test: isTokenFailure, cause: 'unknown', confidence: 'possible', meaning: 'the refresher holds no token',
  },
  {
    id: 'obspath.upstream.dns', origin: 'obspath', title: 'upstream_unreachable: dns',
    test: (l) => isUpstreamFailure(l) && jsonField(l, 'reason', ['dns']),
    cause: 'wrong-observatorium-url', confidence: 'possible', meaning: 'the Observatorium host name does not resolve: often a mistyped OBSERVATORIUM_URL',
  },
  {
    id: 'obspath.backend', origin: 'obspath', title: 'the API\'s backend failed (hop backend)',
    test: (l) => jsonField(l, 'hop', ['backend', 'store']) && (isUpstreamFailure(l) || (l.json?.status ?? 0) >= 500),
    cause: 'backend-down', confidence: 'likely', meaning: 'the Observatorium API answered, but its metrics backend (Thanos) did not',
  },
  {
    id: 'obspath.upstream.unreachable', origin: 'obspath', title: 'upstream_unreachable / upstream_timeout',
    test: isUpstreamFailure, cause: 'observatorium-unreachable', confidence: 'likely', meaning: 'the refresher cannot reach Observatorium (refused, reset, TLS or timeout)',
  },
  {
    id: 'obspath.client.refresher-refused', origin: 'obspath', title: 'fleet manager: token refresher refused the connection', components: ['fleet-manager'],
    test: (l) => jsonField(l, 'hop', ['token-refresher']) && jsonField(l, 'errorType', ['unreachable']) && jsonField(l, 'reason', ['refused', 'dns']),
    cause: 'refresher-unreachable', confidence: 'likely', meaning: 'nothing listens behind the token-refresher Service',
  },
  {
    id: 'obspath.client.refresher-timeout', origin: 'obspath', title: 'fleet manager: no answer from the token refresher', components: ['fleet-manager'],
    test: (l) => jsonField(l, 'hop', ['token-refresher']) && (jsonField(l, 'errorType', ['timeout']) || jsonField(l, 'reason', ['connect_timeout'])),
    cause: 'client-timeout', confidence: 'possible', meaning: 'status 0: the request timed out; a connect timeout to an in-cluster Service usually means a NetworkPolicy drops the packets',
  },
  {
    id: 'obspath.refresher.token-rejected.key', origin: 'obspath', title: 'the API rejected the refresher\'s token: unknown_key/bad_signature', components: ['token-refresher'],
    test: (l) => REJECTED_TOKEN.test(l.json?.msg ?? '') && jsonField(l, 'reason', ['unknown_key', 'bad_signature']),
    cause: 'stale-signing-key', confidence: 'possible', meaning: 'the token was signed by a key the API does not find in the issuer\'s JWKS (a key rotation); the refresher asks for a new token',
  },
  {
    id: 'obspath.refresher.token-rejected.expired', origin: 'obspath', title: 'the API rejected the refresher\'s token: expired', components: ['token-refresher'],
    test: (l) => REJECTED_TOKEN.test(l.json?.msg ?? '') && jsonField(l, 'reason', ['expired', 'not_yet_valid']),
    cause: 'clock-skew', confidence: 'possible', meaning: 'the API calls a token the refresher holds as valid expired (or not yet valid): the issuer\'s and the API\'s clocks disagree',
  },
  // --- obspath components' typed errors, from their catalogs (src/errors) -------------------------------
  ...catalogSignatures(),
  // --- Go token-refresher ------------------------------------------------------------------------------
  {
    id: 'go.refresher.oidc-init', origin: 'go', title: 'OIDC provider initialization failed', components: ['token-refresher'],
    test: text(/OIDC provider initialization failed/),
    cause: 'issuer-unreachable', confidence: 'likely', meaning: 'discovery failed at start-up, so the Go refresher exited (crash loop)',
  },
  {
    id: 'go.refresher.invalid-client', origin: 'go', title: 'oauth2: cannot fetch token: 401 / invalid_client',
    test: text(/oauth2: (cannot fetch token: 401|"(invalid_client|unauthorized_client)")|"error":"(invalid_client|unauthorized_client)"|Invalid client (secret|credentials)/),
    cause: 'invalid-client-credentials', confidence: 'likely', meaning: 'the issuer rejects the client id/secret; every proxied request gets 502',
  },
  {
    id: 'go.refresher.invalid-scope', origin: 'go', title: 'oauth2: invalid_scope / invalid_target',
    test: text(/oauth2: .*(invalid_scope|invalid_target)|"error":"(invalid_scope|invalid_target)"/),
    cause: 'audience-mismatch', confidence: 'likely', meaning: 'the issuer refuses the scope or audience asked for',
  },
  {
    id: 'go.refresher.issuer-network', origin: 'go', title: 'token fetch failed on the network', components: ['token-refresher'],
    test: all(text(ISSUER_CALL), text(GO_NET_ERROR)),
    cause: 'issuer-unreachable', confidence: 'likely', meaning: 'the token request to the issuer failed (DNS, refused, timeout or TLS)',
  },
  {
    id: 'go.refresher.oauth-other', origin: 'go', title: 'oauth2: cannot fetch token (other)', components: ['token-refresher'],
    test: text(/oauth2: cannot fetch token|oauth2: "/),
    cause: 'unknown', confidence: 'possible', meaning: 'the issuer answered the token request with an error',
  },
  {
    id: 'go.refresher.proxy-dns', origin: 'go', title: 'http: proxy error: no such host', components: ['token-refresher'],
    test: all(text(/http: proxy error/), text(/no such host/)),
    cause: 'wrong-observatorium-url', confidence: 'possible', meaning: 'the Observatorium host name does not resolve: often a mistyped OBSERVATORIUM_URL',
  },
  {
    id: 'go.refresher.proxy-network', origin: 'go', title: 'http: proxy error (network)', components: ['token-refresher'],
    test: all(text(/http: proxy error/), text(GO_NET_ERROR)),
    cause: 'observatorium-unreachable', confidence: 'likely', meaning: 'the refresher cannot reach Observatorium; the client gets an empty 502',
  },
  {
    id: 'go.refresher.proxy-other', origin: 'go', title: 'http: proxy error', components: ['token-refresher'],
    test: text(/http: proxy error/),
    cause: 'observatorium-unreachable', confidence: 'possible', meaning: 'a proxied request failed before Observatorium answered; the client gets an empty 502',
  },
  // --- answers from the Observatorium API, seen by either side ---------------------------------------
  {
    id: 'api.tenant-not-found', origin: 'go', title: 'tenant not found, have you registered it?',
    test: text(/tenant not found/), cause: 'tenant-not-registered', confidence: 'likely', meaning: 'the API does not know the tenant in the URL (or its OIDC provider is not initialised)',
  },
  {
    id: 'api.verify-token', origin: 'go', title: 'failed to verify ID token',
    test: text(/failed to verify ID token/), cause: 'audience-mismatch', confidence: 'possible', meaning: 'the API rejects the token: wrong aud or iss, expired, or bad signature',
  },
  {
    id: 'api.rbac', origin: 'go', title: "You don't have permission to access this tenant",
    test: text(/don't have permission to access this tenant|client error: 403/), cause: 'rbac-denied', confidence: 'likely', meaning: 'RBAC denies the token subject metrics/read on the tenant',
  },
  {
    id: 'api.rate-limited', origin: 'go', title: '429 Too Many Requests',
    test: (l) => /Too Many Requests|Server capacity exceeded|client error: 429/.test(l.raw) || l.json?.status === 429 || jsonField(l, 'errorType', ['rate_limited']),
    cause: 'rate-limited', confidence: 'likely', meaning: 'the tenant is rate limited by the API',
  },
  // --- Go fleet manager (client_golang errors, glog lines) --------------------------------------------
  {
    id: 'go.kfm.refused', origin: 'go', title: 'connection refused (fleet manager -> token refresher)', components: ['fleet-manager'],
    test: text(/connection refused/), cause: 'refresher-unreachable', confidence: 'likely', meaning: 'nothing listens behind the token-refresher Service (pods down or not ready)',
  },
  {
    id: 'go.kfm.dns', origin: 'go', title: 'no such host (fleet manager)', components: ['fleet-manager'],
    test: text(/no such host/), cause: 'refresher-unreachable', confidence: 'possible', meaning: 'the token-refresher Service name does not resolve (wrong OBSERVATORIUM_TOKEN_REFRESHER_URL or Service missing)',
  },
  {
    id: 'go.kfm.dial-timeout', origin: 'go', title: 'dial i/o timeout (fleet manager)', components: ['fleet-manager'],
    test: text(/dial tcp [^ ]+: (i\/o timeout|connect: connection timed out)/), cause: 'network-policy-blocks', confidence: 'possible', meaning: 'connecting to the refresher times out: packets are dropped, typically by a NetworkPolicy',
  },
  {
    id: 'go.kfm.timeout', origin: 'go', title: 'context deadline exceeded (fleet manager)', components: ['fleet-manager'],
    test: text(/context deadline exceeded|Client\.Timeout exceeded|i\/o timeout/), cause: 'client-timeout', confidence: 'possible', meaning: 'status 0: the request hit the client timeout before any answer',
  },
  {
    id: 'go.kfm.502', origin: 'go', title: '502 from the token refresher', components: ['fleet-manager'],
    test: text(/server error: 502|502 Bad Gateway/), cause: 'unknown', confidence: 'possible', meaning: 'the Go refresher answers an empty 502 when the token fetch or the upstream fails: read its log',
  },
  // --- generic ----------------------------------------------------------------------------------------
  {
    id: 'generic.x509', origin: 'go', title: 'x509: certificate error',
    test: text(/x509: certificate/), cause: 'unknown', confidence: 'possible', meaning: 'a TLS certificate is not trusted or expired (wrong CA, proxy, or clock)',
  },
  {
    id: 'generic.401', origin: 'go', title: '401 Unauthorized',
    test: text(/401 Unauthorized|client error: 401/), cause: 'invalid-client-credentials', confidence: 'possible', meaning: 'a hop rejected the credentials',
  },
];
