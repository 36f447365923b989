// `--env local`: what `obspath up` started, read from <data>/stack.json (rewritten every second by the stack),
// the refresher's env file (the local stand-in for the Kubernetes Secret: values are read, never printed) and
// the API's tenants file (what the tenant verifies: issuer and audience). The `faults` field of stack.json is
// deliberately not read: the doctor has to find the cause from evidence.

import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export interface ComponentState {
  name: string;
  running: boolean;
  restarts: number;
  crashLooping: boolean;
  lastExit?: { code: number | null; signal: string | null; at: number };
}

export interface LocalStack {
  dataDir: string;
  /** Age of stack.json's last rewrite, ms: a stale file means `obspath up` is not running. */
  ageMs: number;
  ports: Record<string, number>;
  issuerUrl: string;
  observatoriumUrl?: string;
  fleetRefresherUrl: string;
  tenant: string;
  /** The refresher's environment (ISSUER_URL, CLIENT_ID, CLIENT_SECRET, OBSERVATORIUM_URL); missing file -> {}. */
  refresherEnv: Record<string, string>;
  refresherArgs: string[];
  /** The refresher's proxy and internal (/ready, /metrics) addresses. */
  refresherUrl: string;
  refresherInternalUrl?: string;
  /** The tenant as the API's tenants file configures it. */
  tenantOidc?: { issuerUrl?: string; clientId?: string };
  /** The API's base URL for the tenant, as `obspath up` lists it (where Observatorium should be). */
  apiUrl?: string;
  apiInternalUrl?: string;
  components: ComponentState[];
  logsDir: string;
}

export class LocalStackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalStackError';
  }
}

/** KEY=value lines (comments and blanks skipped); values kept verbatim, so stray whitespace stays visible. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1);
  }
  return out;
}

/** The value of `--flag value` or `--flag=value` in an argv. */
export function argValue(args: readonly string[], flag: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag && i + 1 < args.length) v = args[i + 1];
    else if (args[i]!.startsWith(`${flag}=`)) v = args[i]!.slice(flag.length + 1);
  }
  return v;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export async function readLocalStack(dataDir: string, now = Date.now()): Promise<LocalStack> {
  const dir = resolve(dataDir);
  const file = join(dir, 'stack.json');
  let raw: Record<string, unknown>;
  let mtime: number;
  try {
    [raw, mtime] = await Promise.all([readFile(file, 'utf8').then((t) => JSON.parse(t) as Record<string, unknown>), stat(file).then((s) => s.mtimeMs)]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new LocalStackError(e.code === 'ENOENT' ? `no ${file}: start the stack with \`obspath up --data ${dataDir}\` (or pass --data)` : `cannot read ${file}: ${e.message}`);
  }
  const updated = Date.parse(str(raw.updatedAt) ?? '') || mtime;
  const ports = (raw.ports ?? {}) as Record<string, number>;
  const refresher = (raw.refresher ?? {}) as { envFile?: string; args?: string[] };
  const apiConfig = (raw.apiConfig ?? {}) as { tenants?: string };
  const tenant = str(raw.tenant) ?? 'managedkafka';
  const args = Array.isArray(refresher.args) ? refresher.args.filter((a): a is string => typeof a === 'string') : [];
  let refresherEnv: Record<string, string> = {};
  if (refresher.envFile) refresherEnv = parseEnvFile(await readFile(refresher.envFile, 'utf8').catch(() => ''));
  let tenantOidc: LocalStack['tenantOidc'];
  if (apiConfig.tenants) {
    const doc = parse(await readFile(apiConfig.tenants, 'utf8').catch(() => '')) as { tenants?: { name?: string; oidc?: { issuerURL?: string; clientID?: string } }[] } | null;
    const t = doc?.tenants?.find((x) => x.name === tenant);
    if (t) tenantOidc = { issuerUrl: t.oidc?.issuerURL, clientId: t.oidc?.clientID };
  }
  const listen = (flag: string) => { const v = argValue(args, flag); return v ? `http://${v}` : undefined; };
  const endpoints = Array.isArray(raw.endpoints) ? (raw.endpoints as { component?: string; url?: string }[]) : [];
  const loop = (port: number | undefined) => (port ? `http://127.0.0.1:${port}` : undefined);
  return {
    dataDir: dir,
    ageMs: Math.max(0, now - updated),
    ports,
    issuerUrl: str(raw.issuerUrl) ?? '',
    observatoriumUrl: str(raw.observatoriumUrl),
    fleetRefresherUrl: str(raw.fleetRefresherUrl) ?? loop(ports.refresher) ?? '',
    tenant,
    refresherEnv,
    refresherArgs: args,
    refresherUrl: listen('--web.listen') ?? loop(ports.refresher) ?? '',
    refresherInternalUrl: listen('--web.internal.listen') ?? loop(ports.refresherInternal),
    tenantOidc,
    apiUrl: str(endpoints.find((e) => e.component === 'api')?.url),
    apiInternalUrl: loop(ports.apiInternal),
    components: Array.isArray(raw.components) ? (raw.components as ComponentState[]) : [],
    logsDir: join(dir, 'logs'),
  };
}
