import { z } from 'zod';
import { httpUrl } from '../config/validators.js';
import { durationMs, formatDuration } from '../config/duration.js';
import type { FieldSpec } from '../config/fields.js';
import { tlsSingleListenerFields, tlsSingleListenerSchema } from '../http/tls-flags.js';
import { isValidMetricName, LabelsSyntaxError, parseLabels } from './labels.js';

const labelsInput = z.union([z.string(), z.array(z.string()), z.record(z.string(), z.string())]).transform((v, ctx) => {
  try {
    return parseLabels(v);
  } catch (err) {
    if (!(err instanceof LabelsSyntaxError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
    return z.NEVER;
  }
});

const ratio = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    ctx.addIssue({ code: 'custom', message: `must be a ratio between 0 and 1, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

const scopeList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : v.split(/[\s,]+/)).filter(Boolean));

/** Default metric name: not up's `up`, which Prometheus itself writes for every scrape target (a read would find many series). */
export const DEFAULT_PROBE_NAME = 'obspath_probe';

export const probeConfigSchema = z
  .object({
    endpointType: z.literal('metrics', { message: 'only "metrics" is supported (up\'s logs mode is not)' }).default('metrics'),
    endpointWrite: httpUrl,
    endpointRead: httpUrl.optional(),
    tlsCaFile: z.string().optional(),
    tlsClientCertFile: z.string().optional(),
    tlsClientPrivateKeyFile: z.string().optional(),
    name: z.string().refine(isValidMetricName, 'must be a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)').default(DEFAULT_PROBE_NAME),
    labels: labelsInput.default({}),
    period: durationMs.refine((ms) => ms >= 10, 'must be at least 10ms').default(5000),
    duration: durationMs.default(0),
    threshold: ratio.default(0.9),
    latency: durationMs.default(15_000),
    initialQueryDelay: durationMs.default(5000),
    token: z.string().min(1, 'is empty').optional(),
    tokenFile: z.string().min(1, 'is empty').optional(),
    tenantHeader: z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid HTTP header name').default('tenant_id'),
    tenant: z.string().optional(),
    oidcIssuerUrl: httpUrl.optional(),
    oidcClientId: z.string().optional(),
    oidcClientSecret: z.string().optional(),
    oidcAudience: z.string().optional(),
    oidcScope: scopeList.default([]),
    oidcTimeout: durationMs.default(10_000),
    listen: z.string().default('127.0.0.1:8095'),
    logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    ...tlsSingleListenerSchema,
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.latency <= c.period + c.initialQueryDelay) {
      // Each read looks for the newest sample at least initial-query-delay old; that sample can be one period older still.
      issue('latency', `must be greater than --initial-query-delay + --period (${formatDuration(c.initialQueryDelay)} + ${formatDuration(c.period)}): every read looks for a sample at least initial-query-delay old, written up to one period before that`);
    }
    if (c.duration > 0 && c.endpointRead && c.initialQueryDelay >= c.duration) {
      issue('initialQueryDelay', `must be shorter than --duration (${formatDuration(c.duration)}), or no read would run`);
    }
    if (c.duration > 0 && c.duration < c.period) issue('duration', `must be 0 (run until stopped) or at least one --period (${formatDuration(c.period)})`);
    const sources = [c.token && '--token', c.tokenFile && '--token-file', c.oidcIssuerUrl && '--oidc.issuer-url'].filter(Boolean);
    if (sources.length > 1) issue(c.oidcIssuerUrl ? 'oidcIssuerUrl' : 'tokenFile', `give one way to get a token, not ${sources.join(' and ')}`);
    if (c.oidcIssuerUrl) {
      if (!c.oidcClientId) issue('oidcClientId', 'is required with --oidc.issuer-url');
      if (!c.oidcClientSecret) issue('oidcClientSecret', 'is required with --oidc.issuer-url');
    } else if (c.oidcClientId || c.oidcClientSecret || c.oidcAudience) {
      issue('oidcIssuerUrl', 'is required when an --oidc.* client setting is given');
    }
  });

/** The probe's settings, validated (durations in ms). What `startProbe` takes. */
export type ProbeConfig = z.output<typeof probeConfigSchema>;
/** The same settings before validation (durations as "5s" or ms; labels as up's string form or a mapping). */
export type ProbeConfigInput = z.input<typeof probeConfigSchema>;
export type ProbeField = keyof ProbeConfigInput;

/** Flags compatible with observatorium/up where up has them; env vars PROBE_*. */
export const probeFields: Record<ProbeField, FieldSpec> = {
  endpointType: { flags: '--endpoint-type <type>', flag: '--endpoint-type', env: ['PROBE_ENDPOINT_TYPE'], description: 'metrics (up\'s logs mode is not supported)' },
  endpointWrite: { flags: '--endpoint-write <url>', flag: '--endpoint-write', env: ['PROBE_ENDPOINT_WRITE'], description: 'remote-write URL, e.g. http://api/api/metrics/v1/<tenant>/api/v1/receive or http://prometheus/api/v1/write (required)' },
  endpointRead: { flags: '--endpoint-read <url>', flag: '--endpoint-read', env: ['PROBE_ENDPOINT_READ'], description: 'Prometheus API base URL the reads go to (/api/v1/query is appended), e.g. http://token-refresher or http://api/api/metrics/v1/<tenant>; without it only writes are probed' },
  tlsCaFile: { flags: '--tls-ca-file <file>', flag: '--tls-ca-file', env: ['PROBE_TLS_CA_FILE'], description: 'CA bundle for https endpoints (default: system roots), as up\'s -tls-ca-file' },
  tlsClientCertFile: { flags: '--tls-client-cert-file <file>', flag: '--tls-client-cert-file', env: ['PROBE_TLS_CLIENT_CERT_FILE'], description: 'client certificate for endpoints that want mTLS (with --tls-client-private-key-file)' },
  tlsClientPrivateKeyFile: { flags: '--tls-client-private-key-file <file>', flag: '--tls-client-private-key-file', env: ['PROBE_TLS_CLIENT_PRIVATE_KEY_FILE'], description: 'key of --tls-client-cert-file' },
  name: { flags: '--name <metric>', flag: '--name', env: ['PROBE_NAME'], description: `name of the written metric (default ${DEFAULT_PROBE_NAME}; up's default "up" collides with Prometheus's own up series)` },
  labels: { flags: '--labels <labels>', flag: '--labels', env: ['PROBE_LABELS'], repeatable: true, description: 'labels of the written series, as k="v",k2="v2" (Go-quoted values; k=v also works); repeatable, the flags add up' },
  period: { flags: '--period <duration>', flag: '--period', env: ['PROBE_PERIOD'], description: 'time between rounds, also each request\'s deadline (default 5s)' },
  duration: { flags: '--duration <duration>', flag: '--duration', env: ['PROBE_DURATION'], description: 'run this long, then exit 0 if the success ratios of writes and of reads reach --threshold, else 1; 0 runs until stopped (default 0)' },
  threshold: { flags: '--threshold <ratio>', flag: '--threshold', env: ['PROBE_THRESHOLD'], description: 'minimum success ratio for --duration runs (default 0.9)' },
  latency: { flags: '--latency <duration>', flag: '--latency', env: ['PROBE_LATENCY'], description: 'oldest acceptable age of the value read back; older is "stale" (default 15s)' },
  initialQueryDelay: { flags: '--initial-query-delay <duration>', flag: '--initial-query-delay', env: ['PROBE_INITIAL_QUERY_DELAY'], description: 'reads evaluate at now minus this, and start once that reaches the first write (default 5s; up: 10s)' },
  token: { flags: '--token <token>', flag: '--token', env: ['PROBE_TOKEN'], description: 'static bearer token for writes and reads (prefer PROBE_TOKEN or --token-file: flags show in ps)' },
  tokenFile: { flags: '--token-file <file>', flag: '--token-file', env: ['PROBE_TOKEN_FILE'], description: 'file holding the bearer token, re-read for every request' },
  tenantHeader: { flags: '--tenant-header <name>', flag: '--tenant-header', env: ['PROBE_TENANT_HEADER'], description: 'header carrying --tenant on writes (default tenant_id)' },
  tenant: { flags: '--tenant <id>', flag: '--tenant', env: ['PROBE_TENANT'], description: 'tenant sent in --tenant-header on writes (none by default)' },
  oidcIssuerUrl: { flags: '--oidc.issuer-url <url>', flag: '--oidc.issuer-url', env: ['PROBE_OIDC_ISSUER_URL'], description: 'get the probe\'s own token by OAuth2 client credentials from this issuer' },
  oidcClientId: { flags: '--oidc.client-id <id>', flag: '--oidc.client-id', env: ['PROBE_OIDC_CLIENT_ID'], description: 'OAuth2 client id' },
  oidcClientSecret: { flags: '--oidc.client-secret <secret>', flag: '--oidc.client-secret', env: ['PROBE_OIDC_CLIENT_SECRET'], description: 'OAuth2 client secret (prefer the env var: flags show in ps)' },
  oidcAudience: { flags: '--oidc.audience <aud>', flag: '--oidc.audience', env: ['PROBE_OIDC_AUDIENCE'], description: 'audience requested with the token' },
  oidcScope: { flags: '--oidc.scope <scopes>', flag: '--oidc.scope', env: ['PROBE_OIDC_SCOPE'], description: 'scopes to request, comma or space separated' },
  oidcTimeout: { flags: '--oidc.timeout <duration>', flag: '--oidc.timeout', env: ['PROBE_OIDC_TIMEOUT'], description: 'bound on each issuer call (default 10s)' },
  listen: { flags: '--listen <addr>', flag: '--listen', env: ['PROBE_LISTEN'], description: 'metrics server (/metrics, /live, /ready) address; "" for none (default 127.0.0.1:8095)' },
  logLevel: { flags: '--log.level <level>', flag: '--log.level', env: ['PROBE_LOG_LEVEL'], description: 'error, warn, info or debug (default info)' },
  ...tlsSingleListenerFields,
};
