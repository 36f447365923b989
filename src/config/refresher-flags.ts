// The token refresher's flags and env vars, in its precedence (flag, its aliases, then each env var in order;
// first set wins). One table for the two readers: the refresher resolves its configuration with it
// (src/refresher/config.ts), and the doctor reads a deployed refresher's command line and env with it
// (src/doctor/refresher-config.ts), so the two cannot disagree on where a setting comes from.
import type { FieldSpec } from './fields.js';

/** Flags and env vars, compatible with observatorium/token-refresher and the fleet manager's template. */
export const refresherFields = {
  issuerUrl: { flags: '--oidc.issuer-url <url>', flag: '--oidc.issuer-url', env: ['OIDC_ISSUER_URL', 'ISSUER_URL'], description: 'OIDC issuer URL (discovery base), e.g. https://sso.redhat.com/auth/realms/redhat-external' },
  clientId: { flags: '--oidc.client-id <id>', flag: '--oidc.client-id', env: ['OIDC_CLIENT_ID', 'CLIENT_ID'], description: 'OAuth2 client id' },
  clientSecret: { flags: '--oidc.client-secret <secret>', flag: '--oidc.client-secret', env: ['OIDC_CLIENT_SECRET', 'CLIENT_SECRET'], description: 'OAuth2 client secret (prefer the env var: flags show in ps)' },
  audience: { flags: '--oidc.audience <aud>', flag: '--oidc.audience', env: ['OIDC_AUDIENCE'], description: 'audience requested with the token (sent together with the scope)' },
  scope: { flags: '--oidc.scope <scopes>', flag: '--oidc.scope', aliases: ['--scope <scopes>'], env: ['OIDC_SCOPE', 'SCOPE'], description: 'scopes to request, comma or space separated' },
  upstreamUrl: { flags: '--url <url>', flag: '--url', aliases: ['--upstream.url <url>'], env: ['UPSTREAM_URL', 'URL', 'OBSERVATORIUM_URL'], description: 'upstream (Observatorium) URL; its path is joined with each request path' },
  upstreamCaFile: { flags: '--upstream.ca-file <file>', flag: '--upstream.ca-file', env: ['UPSTREAM_CA_FILE'], description: 'CA bundle for an https upstream (default: system roots)' },
  upstreamCertFile: { flags: '--upstream.cert-file <file>', flag: '--upstream.cert-file', env: ['UPSTREAM_CERT_FILE'], description: 'client certificate for an upstream that wants mTLS (with --upstream.key-file; obspath\'s own flag)' },
  upstreamKeyFile: { flags: '--upstream.key-file <file>', flag: '--upstream.key-file', env: ['UPSTREAM_KEY_FILE'], description: 'key of --upstream.cert-file' },
  upstreamConnectTimeout: { flags: '--upstream.connect-timeout <duration>', flag: '--upstream.connect-timeout', env: ['UPSTREAM_CONNECT_TIMEOUT'], description: 'time to open a connection to the upstream (default 5s)' },
  upstreamTimeout: { flags: '--upstream.timeout <duration>', flag: '--upstream.timeout', env: ['UPSTREAM_TIMEOUT'], description: 'time to wait for the upstream response headers, a retry after a rejected token included; exact to the millisecond; keep it below the callers\' timeout so they get a 504, not a hang (default 110s)' },
  upstreamBodyTimeout: { flags: '--upstream.body-timeout <duration>', flag: '--upstream.body-timeout', env: ['UPSTREAM_BODY_TIMEOUT'], description: 'longest pause while streaming the upstream body (default 60s)' },
  upstreamReadTimeout: { flags: '--upstream.read-timeout <duration>', flag: '--upstream.read-timeout', env: ['UPSTREAM_READ_TIMEOUT'], description: 'as in the Go refresher: time allowed to read a whole request from the caller (default 0, none)' },
  upstreamWriteTimeout: { flags: '--upstream.write-timeout <duration>', flag: '--upstream.write-timeout', env: ['UPSTREAM_WRITE_TIMEOUT'], description: 'as in the Go refresher: bounds the upstream response time; when set and shorter, it replaces --upstream.timeout' },
  oidcTimeout: { flags: '--oidc.timeout <duration>', flag: '--oidc.timeout', env: ['OIDC_TIMEOUT'], description: 'bound on each token attempt to the issuer, discovery included, to the millisecond (default 10s)' },
  oidcRetryMaxBackoff: { flags: '--oidc.retry-max-backoff <duration>', flag: '--oidc.retry-max-backoff', env: ['OIDC_RETRY_MAX_BACKOFF'], description: 'cap of the jittered retry backoff while no token is held (default 1s)' },
  oidcRetryMinBackoff: { flags: '--oidc.retry-min-backoff <duration>', flag: '--oidc.retry-min-backoff', env: ['OIDC_RETRY_MIN_BACKOFF'], description: 'least time between two token requests after a failure or a rejected token, at any time (default 250ms: at most 4 a second)' },
  file: { flags: '--file <path>', flag: '--file', env: ['FILE'], description: 'also write the raw access token to this file, atomically, on every refresh' },
  tempFile: { flags: '--temp-file <path>', flag: '--temp-file', env: ['TEMP_FILE'], description: 'staging file for the atomic write (default: .<file>.tmp beside it)' },
  margin: { flags: '--margin <duration>', flag: '--margin', env: ['MARGIN'], description: 'refresh this long before expiry (default 20% of the token lifetime, at least 5s, at most half of it)' },
  webListen: { flags: '--web.listen <addr>', flag: '--web.listen', env: ['WEB_LISTEN'], description: 'proxy listen address (default 127.0.0.1:8080; ":8080" for every interface)' },
  webInternalListen: { flags: '--web.internal.listen <addr>', flag: '--web.internal.listen', env: ['WEB_INTERNAL_LISTEN'], description: 'internal listen address for /metrics, /live, /ready (default 127.0.0.1:8081)' },
  logLevel: { flags: '--log.level <level>', flag: '--log.level', env: ['LOG_LEVEL'], description: 'error, warn, info or debug (default info)' },
  logFormat: { flags: '--log.format <format>', flag: '--log.format', env: ['LOG_FORMAT'], description: 'accepted for compatibility; obspath always logs JSON lines' },
} as const satisfies Record<string, FieldSpec>;

export type RefresherFlagField = keyof typeof refresherFields;
