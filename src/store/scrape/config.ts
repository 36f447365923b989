// The scrape configuration of the embedded store: the subset of Prometheus's `scrape_configs` it implements,
// validated strictly (an unknown or unsupported field is an error naming it, never silently ignored), with
// Prometheus's defaults (interval 1m, timeout 10s capped at the interval, /metrics, http).
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../../config/load.js';
import { parsePrometheusDuration } from '../../duration/duration.js';
import { isValidLabelName } from '../labels.js';

export interface AuthorizationConfig {
  type: string;
  credentials?: string;
  credentialsFile?: string;
}

export interface OAuth2Config {
  clientId: string;
  clientSecret?: string;
  clientSecretFile?: string;
  tokenUrl: string;
  scopes: string[];
}

export interface StaticTarget {
  /** host:port */
  address: string;
  labels: Record<string, string>;
}

export interface ScrapeJob {
  jobName: string;
  intervalMs: number;
  timeoutMs: number;
  metricsPath: string;
  scheme: 'http' | 'https';
  honorLabels: boolean;
  honorTimestamps: boolean;
  /** Largest uncompressed body accepted; a larger one fails the scrape. */
  bodySizeLimit: number;
  /** Most samples one scrape may carry (0: no limit); more fails the scrape. */
  sampleLimit: number;
  authorization?: AuthorizationConfig;
  oauth2?: OAuth2Config;
  targets: StaticTarget[];
}

export interface ScrapeConfig {
  jobs: ScrapeJob[];
}

/** A bound even when the file sets none: a hostile target cannot make the store buffer an unbounded body. */
export const DEFAULT_BODY_SIZE_LIMIT = 16 << 20;

const duration = z.string().transform((s, ctx) => {
  const ms = parsePrometheusDuration(s);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `not a duration: "${s}" (e.g. 15s, 1m, 1h30m)` });
    return z.NEVER;
  }
  return ms;
});

const UNITS: Record<string, number> = { B: 1, KB: 1 << 10, KiB: 1 << 10, MB: 1 << 20, MiB: 1 << 20, GB: 1 << 30, GiB: 1 << 30 };
const byteSize = z.string().transform((s, ctx) => {
  const m = /^(\d+)(B|KB|KiB|MB|MiB|GB|GiB)$/.exec(s);
  if (m === null) {
    ctx.addIssue({ code: 'custom', message: `not a size: "${s}" (e.g. 10MB, 512KB; base 2 as in Prometheus)` });
    return z.NEVER;
  }
  return Number(m[1]) * UNITS[m[2]!]!;
});

const labelMap = z.record(z.string(), z.string()).superRefine((m, ctx) => {
  for (const k of Object.keys(m)) {
    if (!isValidLabelName(k)) ctx.addIssue({ code: 'custom', path: [k], message: `invalid label name "${k}"` });
  }
});

const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

const staticConfig = z.strictObject({
  targets: z.array(z.string().regex(HOST_PORT, 'a target is host:port (no scheme, no path)')).min(1),
  labels: labelMap.optional(),
});

const authorization = z.strictObject({
  type: z.string().min(1).optional(),
  credentials: z.string().min(1).optional(),
  credentials_file: z.string().min(1).optional(),
}).superRefine((a, ctx) => {
  if (a.credentials !== undefined && a.credentials_file !== undefined) ctx.addIssue({ code: 'custom', message: 'credentials and credentials_file are mutually exclusive' });
  if (a.type !== undefined && a.type.toLowerCase() === 'basic') ctx.addIssue({ code: 'custom', path: ['type'], message: 'authorization type cannot be set to "basic", use "basic_auth" instead (not supported here)' });
});

const oauth2 = z.strictObject({
  client_id: z.string().min(1),
  client_secret: z.string().optional(),
  client_secret_file: z.string().min(1).optional(),
  token_url: z.url({ protocol: /^https?$/ }),
  scopes: z.array(z.string()).optional(),
}).superRefine((o, ctx) => {
  if (o.client_secret !== undefined && o.client_secret_file !== undefined) ctx.addIssue({ code: 'custom', message: 'client_secret and client_secret_file are mutually exclusive' });
});

const scrapeJob = z.strictObject({
  job_name: z.string().min(1),
  scrape_interval: duration.optional(),
  scrape_timeout: duration.optional(),
  metrics_path: z.string().startsWith('/', 'metrics_path must start with "/"').optional(),
  scheme: z.enum(['http', 'https']).optional(),
  honor_labels: z.boolean().optional(),
  honor_timestamps: z.boolean().optional(),
  body_size_limit: byteSize.optional(),
  sample_limit: z.number().int().nonnegative().optional(),
  authorization: authorization.optional(),
  oauth2: oauth2.optional(),
  static_configs: z.array(staticConfig).optional(),
}).superRefine((j, ctx) => {
  if (j.authorization !== undefined && j.oauth2 !== undefined) ctx.addIssue({ code: 'custom', message: 'at most one of authorization and oauth2 may be configured' });
});

const fileSchema = z.strictObject({
  global: z.strictObject({ scrape_interval: duration.optional(), scrape_timeout: duration.optional() }).optional(),
  scrape_configs: z.array(scrapeJob).nullish(),
});

/** Prometheus's fields the embedded store does not implement: named in the error, so nobody expects them to work. */
const UNSUPPORTED = ['relabel_configs', 'metric_relabel_configs', 'basic_auth', 'tls_config', 'proxy_url', 'params', 'file_sd_configs', 'kubernetes_sd_configs', 'rule_files', 'alerting', 'remote_write', 'remote_read', 'external_labels'];

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`;
  return out || '(root)';
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => (UNSUPPORTED.includes(k) ? `"${k}" is not supported by the embedded store` : `unknown field "${k}"`)).join('; ');
  }
  return issue.message;
}

function defaultsApplied(raw: z.output<typeof fileSchema>, issues: ConfigIssue[], origin: string): ScrapeJob[] {
  const globalInterval = raw.global?.scrape_interval ?? 60_000;
  // Prometheus: an unset global timeout is 10s, but never more than the global interval.
  const globalTimeout = raw.global?.scrape_timeout ?? Math.min(10_000, globalInterval);
  if (globalTimeout > globalInterval) issues.push({ field: 'global.scrape_timeout', origin, message: 'global scrape timeout greater than scrape interval' });
  const seen = new Set<string>();
  return (raw.scrape_configs ?? []).map((j, i) => {
    const field = (f: string) => `scrape_configs[${i}].${f}`;
    if (seen.has(j.job_name)) issues.push({ field: field('job_name'), origin, message: `found multiple scrape configs with job name "${j.job_name}"` });
    seen.add(j.job_name);
    const intervalMs = j.scrape_interval ?? globalInterval;
    // Prometheus: an unset timeout is the global one, but never more than the job's interval.
    const timeoutMs = j.scrape_timeout ?? Math.min(globalTimeout, intervalMs);
    if (intervalMs <= 0) issues.push({ field: field('scrape_interval'), origin, message: 'scrape interval must be greater than 0' });
    if (timeoutMs <= 0) issues.push({ field: field('scrape_timeout'), origin, message: 'scrape timeout must be greater than 0' });
    if (timeoutMs > intervalMs) issues.push({ field: field('scrape_timeout'), origin, message: `scrape timeout greater than scrape interval for scrape config with job name "${j.job_name}"` });
    const targets = (j.static_configs ?? []).flatMap((sc) => sc.targets.map((address) => ({ address, labels: sc.labels ?? {} })));
    const a = j.authorization;
    const o = j.oauth2;
    return {
      jobName: j.job_name,
      intervalMs,
      timeoutMs,
      metricsPath: j.metrics_path ?? '/metrics',
      scheme: j.scheme ?? 'http',
      honorLabels: j.honor_labels ?? false,
      honorTimestamps: j.honor_timestamps ?? true,
      bodySizeLimit: j.body_size_limit ?? DEFAULT_BODY_SIZE_LIMIT,
      sampleLimit: j.sample_limit ?? 0,
      ...(a ? { authorization: { type: a.type ?? 'Bearer', credentials: a.credentials, credentialsFile: a.credentials_file } } : {}),
      ...(o ? { oauth2: { clientId: o.client_id, clientSecret: o.client_secret, clientSecretFile: o.client_secret_file, tokenUrl: o.token_url, scopes: o.scopes ?? [] } } : {}),
      targets,
    };
  });
}

/** Validates a parsed scrape configuration; `origin` names where it came from in errors ("file x.yml"). */
export function scrapeConfigFrom(raw: unknown, origin = 'scrape configuration'): ScrapeConfig {
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ field: pathText(i.path), origin, message: issueMessage(i) })), 'scrape configuration');
  }
  const issues: ConfigIssue[] = [];
  const jobs = defaultsApplied(parsed.data, issues, origin);
  if (issues.length > 0) throw new ConfigError(issues, 'scrape configuration');
  return { jobs };
}

/** Reads and validates a scrape configuration file (YAML, Prometheus's shape). */
export function loadScrapeConfig(file: string): ScrapeConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ field: '(file)', origin: `file ${file}`, message: `cannot read: ${(err as Error).message}` }], 'scrape configuration');
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError([{ field: '(file)', origin: `file ${file}`, message: `not YAML: ${(err as Error).message}` }], 'scrape configuration');
  }
  return scrapeConfigFrom(raw, `file ${file}`);
}
