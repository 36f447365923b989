// `--env local`: what `obspath up` started, read from <data>/stack.json (rewritten every second by the stack),
// the refresher's env file (the local stand-in for the Kubernetes Secret: values are read, never printed) and
// the API's tenants file (what the tenant verifies: issuer and audience). The `faults` field of stack.json is
// deliberately not read: the doctor has to find the cause from evidence.

import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { readStackFile, STACK_FILE, type ComponentState, type StoredStack } from '../../stack-file/stack-file.js';

export type { ComponentState };

export interface LocalStack {
  dataDir: string;
  /** Age of stack.json's last rewrite, ms: a stale file means `obspath up` is not running. */
  ageMs: number;
  /** up --tls: the stack's CA (its listeners serve https). */
  caFile?: string;
  ports: Record<string, number>;
  issuerUrl: string;
  observatoriumUrl?: string;
  fleetRefresherUrl: string;
  tenant: string;
  /** The refresher's environment (ISSUER_URL, CLIENT_ID, CLIENT_SECRET, OBSERVATORIUM_URL); missing file -> {}. */
  refresherEnv: Record<string, string>;
  refresherArgs: string[];
  /** The API's command line (its deadlines); empty when the stack did not write it. */
  apiArgs: string[];
  /** The refresher's proxy and internal (/ready, /metrics) addresses. */
  refresherUrl: string;
  refresherInternalUrl?: string;
  /** The tenant as the API's tenants file configures it. */
  tenantOidc?: { issuerUrl?: string; clientId?: string };
  /** The API's tenants file, and whether it lists the tenant (undefined: not readable). */
  tenantsFile?: string;
  tenantConfigured?: boolean;
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

export async function readLocalStack(dataDir: string, now = Date.now()): Promise<LocalStack> {
  const dir = resolve(dataDir);
  const file = join(dir, STACK_FILE);
  let raw: StoredStack;
  let mtime: number;
  try {
    ({ state: raw, mtimeMs: mtime } = await readStackFile(dir));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new LocalStackError(e.code === 'ENOENT' ? `no ${file}: start the stack with \`obspath up --data ${dataDir}\` (or pass --data)` : `cannot read ${file}: ${e.message}`);
  }
  const updated = Date.parse(raw.updatedAt ?? '') || mtime;
  const ports = raw.ports;
  const tenant = raw.tenant ?? 'managedkafka';
  const args = raw.refresher.args;
  let refresherEnv: Record<string, string> = {};
  if (raw.refresher.envFile) refresherEnv = parseEnvFile(await readFile(raw.refresher.envFile, 'utf8').catch(() => ''));
  let tenantOidc: LocalStack['tenantOidc'];
  let tenantConfigured: boolean | undefined;
  if (raw.apiConfig.tenants) {
    const text = await readFile(raw.apiConfig.tenants, 'utf8').catch(() => undefined);
    let doc: { tenants?: { name?: string; oidc?: { issuerURL?: string; clientID?: string } }[] } | null | undefined;
    try { doc = text === undefined ? undefined : parse(text) as typeof doc; } catch { doc = undefined; }
    const t = doc?.tenants?.find((x) => x.name === tenant);
    if (doc !== undefined) tenantConfigured = t !== undefined;
    if (t) tenantOidc = { issuerUrl: t.oidc?.issuerURL, clientId: t.oidc?.clientID };
  }
  // up --tls: every listener serves HTTPS with a certificate from the stack's own CA.
  const scheme = raw.tls.caFile ? 'https' : 'http';
  const listen = (flag: string) => { const v = argValue(args, flag); return v ? `${scheme}://${v}` : undefined; };
  const loop = (port: number | undefined) => (port ? `${scheme}://127.0.0.1:${port}` : undefined);
  return {
    ...(raw.tls.caFile ? { caFile: raw.tls.caFile } : {}),
    dataDir: dir,
    ageMs: Math.max(0, now - updated),
    ports,
    issuerUrl: raw.issuerUrl ?? '',
    observatoriumUrl: raw.observatoriumUrl,
    fleetRefresherUrl: raw.fleetRefresherUrl ?? loop(ports.refresher) ?? '',
    tenant,
    refresherEnv,
    refresherArgs: args,
    apiArgs: raw.api.args,
    refresherUrl: listen('--web.listen') ?? loop(ports.refresher) ?? '',
    refresherInternalUrl: listen('--web.internal.listen') ?? loop(ports.refresherInternal),
    tenantOidc,
    tenantsFile: raw.apiConfig.tenants,
    tenantConfigured,
    apiUrl: raw.endpoints.find((e) => e.component === 'api')?.url,
    apiInternalUrl: loop(ports.apiInternal),
    components: [...raw.components],
    logsDir: join(dir, 'logs'),
  };
}
