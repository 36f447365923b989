// Shared pieces of the API tests: the two-tenant configuration, tokens from the real issuer, and
// `obspath api` as a child process.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, httpOk } from './net.js';
import { OBSPATH_BIN, startProcess, waitForStart, type Proc } from './procs.js';
import type { TestClient } from './stack.js';

export const SECRET = 'api-test-secret-5e2c1';
export const AUDIENCE = 'observatorium';
export const TENANT_A = { name: 'alpha', id: 'aaaa-1111' };
export const TENANT_B = { name: 'beta', id: 'bbbb-2222' };

export const CLIENTS: TestClient[] = [
  { clientID: 'alpha-writer', clientSecret: SECRET, audience: [AUDIENCE], claims: { groups: ['alpha-rw'] } },
  { clientID: 'beta-writer', clientSecret: SECRET, audience: [AUDIENCE], claims: { groups: ['beta-rw'] } },
  { clientID: 'alpha-reader', clientSecret: SECRET, audience: [AUDIENCE] },
  { clientID: 'nobody', clientSecret: SECRET, audience: [AUDIENCE] },
  { clientID: 'other-aud', clientSecret: SECRET, audience: ['someone-else'], claims: { groups: ['alpha-rw'] } },
  { clientID: 'short', clientSecret: SECRET, audience: [AUDIENCE], claims: { groups: ['alpha-rw'] }, tokenTTL: '1s' },
];

export function tenantsYaml(issuerUrl: string, extra: { rateLimits?: string } = {}): string {
  const t = (x: { name: string; id: string }, rl = '') => `  - name: ${x.name}
    id: ${x.id}
    oidc:
      issuerURL: ${issuerUrl}
      clientID: ${AUDIENCE}
      usernameClaim: sub
      groupClaim: groups
${rl}`;
  return `tenants:\n${t(TENANT_A, extra.rateLimits ?? '')}${t(TENANT_B)}`;
}

export const RBAC_YAML = `roles:
  - name: alpha-rw
    resources: [metrics]
    tenants: [alpha]
    permissions: [read, write]
  - name: beta-rw
    resources: [metrics]
    tenants: [beta]
    permissions: [read, write]
  - name: alpha-read
    resources: [metrics]
    tenants: [alpha]
    permissions: [read]
roleBindings:
  - name: alpha-rw
    roles: [alpha-rw]
    subjects: [{ name: alpha-rw, kind: group }]
  - name: beta-rw
    roles: [beta-rw]
    subjects: [{ name: beta-rw, kind: group }]
  - name: alpha-read
    roles: [alpha-read]
    subjects: [{ name: alpha-reader, kind: user }]
`;

const tokenCache = new Map<string, { token: string; until: number }>();

/** A client-credentials access token from the issuer. */
export async function getToken(issuerUrl: string, clientId: string, opts: { fresh?: boolean } = {}): Promise<string> {
  const key = `${issuerUrl} ${clientId}`;
  const hit = tokenCache.get(key);
  if (!opts.fresh && hit && hit.until > Date.now()) return hit.token;
  const res = await fetch(`${issuerUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  const body = (await res.json()) as { access_token?: string; expires_in?: number };
  if (!res.ok || !body.access_token) throw new Error(`token for ${clientId}: ${res.status} ${JSON.stringify(body)}`);
  tokenCache.set(key, { token: body.access_token, until: Date.now() + ((body.expires_in ?? 60) - 10) * 1000 });
  return body.access_token;
}

export interface ApiProc {
  proc: Proc;
  url: string;
  internalUrl: string;
  tenantsFile: string;
  rbacFile: string;
  stop(): Promise<void>;
}

/** `obspath api` on random loopback ports; waits for /ready unless told not to. */
export async function startApiProc(opts: { dir: string; issuerUrl: string; args?: string[]; tenants?: string; rbac?: string; waitReady?: boolean; env?: NodeJS.ProcessEnv; nodeArgs?: string[] }): Promise<ApiProc> {
  const [web, internal] = [await freePort(), await freePort()];
  const tenantsFile = join(opts.dir, `tenants-${web}.yaml`);
  const rbacFile = join(opts.dir, `rbac-${web}.yaml`);
  await writeFile(tenantsFile, opts.tenants ?? tenantsYaml(opts.issuerUrl));
  await writeFile(rbacFile, opts.rbac ?? RBAC_YAML);
  const proc = startProcess(process.execPath, [
    ...(opts.nodeArgs ?? []), OBSPATH_BIN, 'api', '--tenants.config', tenantsFile, '--rbac.config', rbacFile, '--web.listen', `127.0.0.1:${web}`, '--web.internal.listen', `127.0.0.1:${internal}`, '--log.level', 'warn', ...(opts.args ?? []),
  ], { env: opts.env });
  const internalUrl = `http://127.0.0.1:${internal}`;
  await waitForStart(proc, () => httpOk(`${internalUrl}/live`), 30_000, `api live\n${proc.output()}`);
  if (opts.waitReady !== false) await waitForStart(proc, () => httpOk(`${internalUrl}/ready`), 30_000, `api ready\n${proc.output()}`);
  return { proc, url: `http://127.0.0.1:${web}`, internalUrl, tenantsFile, rbacFile, stop: () => proc.stop() };
}

export async function call(url: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let json: Record<string, any> | undefined;
  try {
    json = JSON.parse(text) as Record<string, any>;
  } catch {
    /* not JSON */
  }
  return { status: res.status, text, json, headers: res.headers };
}
