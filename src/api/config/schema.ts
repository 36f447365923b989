// `obspath api` settings: flags compatible with observatorium/api where they exist, env vars, defaults.
import { z } from 'zod';
import { httpUrl } from '../../config/validators.js';
import { durationMs } from '../../config/duration.js';
import type { FieldSpec } from '../../config/fields.js';
import { tlsServerFields, tlsServerSchema } from '../../http/tls-flags.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 1024, m: 1e6, mb: 1e6, mib: 1 << 20, g: 1e9, gb: 1e9, gib: 1 << 30 };

/** Byte sizes: a number of bytes, or "16MiB", "512KiB", "1MB". */
export const byteSize = z.union([z.number().int().positive(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    ctx.addIssue({ code: 'custom', message: `invalid size "${v}": expected bytes or e.g. 512KiB, 16MiB` });
    return z.NEVER;
  }
  return Math.floor(Number(m[1]) * unit);
});

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a valid HTTP header name');
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name');
const list = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split(/[\s,]+/)).filter(Boolean));
const count = z.union([z.number(), z.string()]).transform((v) => Number(v)).pipe(z.number().int('must be an integer').positive());

export const apiConfigSchema = z.object({
  tenantsConfig: z.string().default('tenants.yaml'),
  rbacConfig: z.string().default('rbac.yaml'),
  metricsReadEndpoint: httpUrl.optional(),
  metricsWriteEndpoint: httpUrl.optional(),
  metricsTenantHeader: headerName.default('THANOS-TENANT'),
  metricsTenantLabel: labelName.default('tenant_id'),
  metricsWriteTimeout: durationMs.default(120_000),
  metricsConnectTimeout: durationMs.default(5000),
  metricsTlsCaFile: z.string().optional(),
  metricsTlsCertFile: z.string().optional(),
  metricsTlsKeyFile: z.string().optional(),
  storagePath: z.string().default('data/api-store'),
  storageRetention: durationMs.default(24 * 3600_000),
  webListen: z.string().default('127.0.0.1:8090'),
  webInternalListen: z.string().default('127.0.0.1:8091'),
  serverReadTimeout: durationMs.default(30_000),
  maxBodySize: byteSize.default(16 << 20),
  maxDecompressedSize: byteSize.default(64 << 20),
  concurrentRequestLimit: count.default(10_000),
  rateLimiterType: z.enum(['local', 'redis']).default('local'),
  rateLimiterAddress: list.default([]),
  rateLimiterTimeout: durationMs.default(2000),
  rateLimiterFailOpen: z.union([z.boolean(), z.enum(['true', 'false'])]).transform((v) => v === true || v === 'true').default(false),
  oidcAlgorithms: list.optional(),
  oidcClockSkew: durationMs.default(10_000),
  oidcJwksCooldown: durationMs.default(1000),
  oidcJwksRefreshInterval: durationMs.default(300_000),
  oidcTokenCacheTtl: durationMs.default(30_000),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  logFormat: z.enum(['json', 'logfmt']).default('json'),
  ...tlsServerSchema,
});

export type ApiConfig = z.output<typeof apiConfigSchema>;
export type ApiField = keyof z.input<typeof apiConfigSchema>;

const f = (flags: string, env: string[], description: string): FieldSpec => ({ flags, flag: flags.split(' ')[0], env, description });

export const apiFields: Record<ApiField, FieldSpec> = {
  tenantsConfig: f('--tenants.config <file>', ['TENANTS_CONFIG'], 'tenants file (YAML, observatorium/api format; default tenants.yaml); reloaded on SIGHUP'),
  rbacConfig: f('--rbac.config <file>', ['RBAC_CONFIG'], 'RBAC file (roles, roleBindings; default rbac.yaml); reloaded on SIGHUP'),
  metricsReadEndpoint: f('--metrics.read.endpoint <url>', ['METRICS_READ_ENDPOINT'], 'Prometheus HTTP API to read from (Prometheus, VictoriaMetrics, Thanos Querier, Mimir .../prometheus); none = embedded store'),
  metricsWriteEndpoint: f('--metrics.write.endpoint <url>', ['METRICS_WRITE_ENDPOINT'], 'remote-write receiver: a bare origin gets /api/v1/receive (Thanos); give the full URL otherwise (Prometheus/VM: .../api/v1/write)'),
  metricsTenantHeader: f('--metrics.tenant-header <name>', ['METRICS_TENANT_HEADER'], 'header carrying the tenant ID upstream (default THANOS-TENANT; Mimir: X-Scope-OrgID)'),
  metricsTenantLabel: f('--metrics.tenant-label <name>', ['METRICS_TENANT_LABEL'], 'label enforced on reads and set on writes (default tenant_id)'),
  metricsWriteTimeout: f('--metrics.write-timeout <duration>', ['METRICS_WRITE_TIMEOUT'], 'deadline of every metrics request, reads included, as in the Go API; past it: 504 upstream_timeout (default 2m)'),
  metricsConnectTimeout: f('--metrics.connect-timeout <duration>', ['METRICS_CONNECT_TIMEOUT'], 'bound on connecting to the backend (default 5s)'),
  metricsTlsCaFile: f('--metrics.tls.ca-file <file>', ['METRICS_TLS_CA_FILE'], 'CA bundle for an https metrics backend (default: system roots)'),
  metricsTlsCertFile: f('--metrics.tls.cert-file <file>', ['METRICS_TLS_CERT_FILE'], 'client certificate for a backend that wants mTLS (with --metrics.tls.key-file)'),
  metricsTlsKeyFile: f('--metrics.tls.key-file <file>', ['METRICS_TLS_KEY_FILE'], 'key of --metrics.tls.cert-file'),
  storagePath: f('--storage.path <dir>', ['STORAGE_PATH'], 'embedded store directory, used when no metrics endpoint is given (default data/api-store)'),
  storageRetention: f('--storage.retention <duration>', ['STORAGE_RETENTION'], 'embedded store retention (default 24h)'),
  webListen: f('--web.listen <addr>', ['WEB_LISTEN'], 'public listen address (default 127.0.0.1:8090; ":8090" for every interface)'),
  webInternalListen: f('--web.internal.listen <addr>', ['WEB_INTERNAL_LISTEN'], 'internal listen address for /live, /ready, /metrics (default 127.0.0.1:8091)'),
  serverReadTimeout: f('--server.read-timeout <duration>', ['SERVER_READ_TIMEOUT'], 'longest time to receive a whole request, body included (default 30s)'),
  maxBodySize: f('--web.max-body-size <size>', ['WEB_MAX_BODY_SIZE'], 'largest request body (form or remote write); larger gets 413 (default 16MiB)'),
  maxDecompressedSize: f('--metrics.write.max-decompressed-size <size>', ['METRICS_WRITE_MAX_DECOMPRESSED_SIZE'], 'largest decompressed remote-write request; larger gets 413 (default 64MiB)'),
  concurrentRequestLimit: f('--middleware.concurrent-request-limit <n>', ['MIDDLEWARE_CONCURRENT_REQUEST_LIMIT'], 'requests served at once across tenants; above it: 429 (default 10000)'),
  rateLimiterType: f('--middleware.rate-limiter.type <type>', ['MIDDLEWARE_RATE_LIMITER_TYPE'], 'local (per replica, in memory) or redis (shared by every replica; GCRA in one round trip) (default local)'),
  rateLimiterAddress: { ...f('--middleware.rate-limiter.address <host:port>', ['MIDDLEWARE_RATE_LIMITER_ADDRESS'], 'Redis address for --middleware.rate-limiter.type=redis; repeatable (more than one: a Redis Cluster)'), repeatable: true },
  rateLimiterTimeout: f('--middleware.rate-limiter.timeout <duration>', ['MIDDLEWARE_RATE_LIMITER_TIMEOUT'], 'bound on each Redis call; past it the fail mode applies (default 2s)'),
  rateLimiterFailOpen: f('--middleware.rate-limiter.fail-open [bool]', ['MIDDLEWARE_RATE_LIMITER_FAIL_OPEN'], 'when Redis cannot decide, forward the request (true) or answer 503 (false); a limit\'s failOpen in the tenants file wins (default false)'),
  oidcAlgorithms: f('--oidc.algorithms <list>', ['OIDC_ALGORITHMS'], 'JWT signature algorithms accepted (default: RS*, PS*, ES*, EdDSA; never none or HS*)'),
  oidcClockSkew: f('--oidc.clock-skew <duration>', ['OIDC_CLOCK_SKEW'], 'tolerance on exp/nbf (default 10s)'),
  oidcJwksCooldown: f('--oidc.jwks-cooldown <duration>', ['OIDC_JWKS_COOLDOWN'], 'least time between JWKS fetches caused by unknown key ids; rotation is picked up after it (default 1s)'),
  oidcJwksRefreshInterval: f('--oidc.jwks-refresh-interval <duration>', ['OIDC_JWKS_REFRESH_INTERVAL'], 'periodic JWKS refresh; keys are kept when the issuer is down (default 5m)'),
  oidcTokenCacheTtl: f('--oidc.token-cache-ttl <duration>', ['OIDC_TOKEN_CACHE_TTL'], 'remember a verified token this long, never past its expiry; 0 disables (default 30s)'),
  logLevel: f('--log.level <level>', ['LOG_LEVEL'], 'error, warn, info or debug (default info)'),
  logFormat: f('--log.format <format>', ['LOG_FORMAT'], 'accepted for compatibility; obspath always logs JSON lines'),
  ...tlsServerFields,
};
