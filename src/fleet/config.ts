import { z } from 'zod';
import { httpUrl } from '../config/validators.js';
import { durationMs } from '../config/duration.js';
import type { FieldSpec } from '../config/fields.js';
import { tlsServerFields, tlsServerSchema } from '../http/tls-flags.js';

/** Go-style booleans: true/false/1/0 (a bare flag is true). */
const goBool = z.union([z.boolean(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const s = v.trim().toLowerCase();
  if (['true', '1', 't', 'yes'].includes(s)) return true;
  if (['false', '0', 'f', 'no'].includes(s)) return false;
  ctx.addIssue({ code: 'custom', message: `"${v}" is not a boolean: use true or false` });
  return z.NEVER;
});

export const fleetConfigSchema = z
  .object({
    apiServerBindaddress: z.string().default('localhost:8000'),
    metricsServerBindaddress: z.string().default('localhost:8083'),
    tokenRefresherUrl: httpUrl.optional(),
    observatoriumGateway: httpUrl.optional(),
    observatoriumTenant: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a tenant name').default('managedkafka'),
    observatoriumToken: z.string().optional(),
    observatoriumTokenFile: z.string().optional(),
    observatoriumTimeout: durationMs.default(240_000).refine((ms) => ms > 0, 'must be greater than 0'),
    observatoriumIgnoreSsl: goBool.default(false),
    observatoriumCaFile: z.string().optional(),
    observatoriumCertFile: z.string().optional(),
    observatoriumKeyFile: z.string().optional(),
    tokenIssuerUrl: httpUrl.default('https://sso.redhat.com/auth/realms/redhat-external'),
    jwksUrl: httpUrl.optional(),
    instancesFile: z.string().min(1, 'is required'),
    logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    ...tlsServerSchema,
  })
  .refine((c) => (c.tokenRefresherUrl === undefined) !== (c.observatoriumGateway === undefined), {
    message: 'give exactly one Observatorium base: --observability-red-hat-sso-token-refresher-url (through the token refresher) or --observatorium-gateway with a token (direct)',
    path: ['tokenRefresherUrl'],
  })
  .refine((c) => c.observatoriumGateway === undefined || c.observatoriumToken !== undefined || c.observatoriumTokenFile !== undefined, {
    message: 'direct access needs a bearer token: --observatorium-token-file or env OBSERVATORIUM_TOKEN',
    path: ['observatoriumGateway'],
  });

export type FleetConfig = z.output<typeof fleetConfigSchema>;
export type FleetField = keyof z.input<typeof fleetConfigSchema>;

/** Flags as kas-fleet-manager's where they exist (and its template's env names); the rest are ours. */
export const fleetFields: Record<FleetField, FieldSpec> = {
  apiServerBindaddress: { flags: '--api-server-bindaddress <addr>', flag: '--api-server-bindaddress', env: ['API_SERVER_BINDADDRESS'], description: 'listen address of the metrics API (default localhost:8000)' },
  metricsServerBindaddress: { flags: '--metrics-server-bindaddress <addr>', flag: '--metrics-server-bindaddress', env: ['METRICS_SERVER_BINDADDRESS'], description: 'listen address of /metrics, /live and /ready (default localhost:8083, the Go original\'s health-check port)' },
  tokenRefresherUrl: { flags: '--observability-red-hat-sso-token-refresher-url <url>', flag: '--observability-red-hat-sso-token-refresher-url', env: ['OBSERVATORIUM_TOKEN_REFRESHER_URL'], description: 'base URL of the token refresher the Observatorium client talks to, e.g. http://token-refresher.NAMESPACE.svc' },
  observatoriumGateway: { flags: '--observatorium-gateway <url>', flag: '--observatorium-gateway', env: ['OBSERVATORIUM_GATEWAY'], description: 'direct access instead of the refresher: the Observatorium API URL; queries go to <gateway>/api/metrics/v1/<tenant>' },
  observatoriumTenant: { flags: '--observatorium-tenant <tenant>', flag: '--observatorium-tenant', env: ['OBSERVATORIUM_TENANT'], description: 'tenant for --observatorium-gateway (default managedkafka)' },
  observatoriumToken: { flags: '--observatorium-token <token>', flag: '--observatorium-token', env: ['OBSERVATORIUM_TOKEN'], description: 'static bearer token for --observatorium-gateway (prefer the env var or the file)' },
  observatoriumTokenFile: { flags: '--observatorium-token-file <file>', flag: '--observatorium-token-file', env: ['OBSERVATORIUM_TOKEN_FILE'], description: 'file holding the bearer token for --observatorium-gateway, re-read on every request' },
  observatoriumTimeout: { flags: '--observatorium-timeout <duration>', flag: '--observatorium-timeout', env: ['OBSERVATORIUM_TIMEOUT'], description: 'timeout of each Observatorium query (default 240s; the template sets 120s)' },
  observatoriumIgnoreSsl: { flags: '--observatorium-ignore-ssl [bool]', flag: '--observatorium-ignore-ssl', env: ['OBSERVATORIUM_INSECURE'], description: 'skip TLS verification of the Observatorium client only (default false; the Go original defaulted to true and changed it process-wide)' },
  observatoriumCertFile: { flags: '--observatorium-cert-file <file>', flag: '--observatorium-cert-file', env: ['OBSERVATORIUM_CERT_FILE'], description: 'client certificate for an Observatorium base that wants mTLS (with --observatorium-key-file)' },
  observatoriumKeyFile: { flags: '--observatorium-key-file <file>', flag: '--observatorium-key-file', env: ['OBSERVATORIUM_KEY_FILE'], description: 'key of --observatorium-cert-file' },
  observatoriumCaFile: { flags: '--observatorium-ca-file <file>', flag: '--observatorium-ca-file', env: ['OBSERVATORIUM_CA_FILE'], description: 'CA bundle for an https Observatorium base (default: system roots)' },
  tokenIssuerUrl: { flags: '--token-issuer-url <url>', flag: '--token-issuer-url', env: ['TOKEN_ISSUER_URL'], description: 'issuer whose tokens the metrics API accepts (iss must match; default https://sso.redhat.com/auth/realms/redhat-external)' },
  jwksUrl: { flags: '--jwks-url <url>', flag: '--jwks-url', env: ['JWKS_URL'], description: 'JWKS to verify tokens with (default: from the issuer\'s discovery document)' },
  instancesFile: { flags: '--instances-file <file>', flag: '--instances-file', env: ['INSTANCES_FILE'], description: 'YAML list of Kafka instances (id, name, namespace, org_id, owner), reloaded on change' },
  logLevel: { flags: '--log.level <level>', flag: '--log.level', env: ['LOG_LEVEL'], description: 'error, warn, info or debug (default info)' },
  ...tlsServerFields,
};
