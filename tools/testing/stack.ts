import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OBSPATH_BIN, startObspath, startProcess, waitForStart, type Proc } from './procs.js';
import { freePort, httpOk } from './net.js';

export interface IssuerProc {
  proc: Proc;
  port: number;
  baseUrl: string;
  issuerUrl: string;
  stop(): Promise<void>;
}

export interface TestClient {
  clientID: string;
  clientSecret: string;
  scopes?: string[];
  audience?: string[];
  claims?: Record<string, unknown>;
  tokenTTL?: string;
}

/** `obspath issuer` as a child process with a clients file; `port` can be fixed to restart on the same address. */
export async function startIssuerProc(opts: { dir: string; clients: TestClient[]; tokenTtl?: string; port?: number; extraArgs?: string[]; wait?: boolean }): Promise<IssuerProc> {
  const port = opts.port ?? (await freePort());
  const clientsFile = join(opts.dir, `clients-${port}.yaml`);
  await writeFile(clientsFile, JSON.stringify({ clients: opts.clients }));
  const proc = startObspath(['issuer', '--web.listen', `127.0.0.1:${port}`, '--clients', clientsFile, '--token-ttl', opts.tokenTtl ?? '5m', ...(opts.extraArgs ?? [])]);
  const baseUrl = `http://127.0.0.1:${port}`;
  if (opts.wait !== false) await waitForStart(proc, () => httpOk(`${baseUrl}/health`), 30_000, `issuer on ${port}\n${proc.output()}`);
  return { proc, port, baseUrl, issuerUrl: `${baseUrl}/auth/realms/redhat-external`, stop: () => proc.stop() };
}

export interface RefresherProc {
  proc: Proc;
  proxyUrl: string;
  internalUrl: string;
  stop(): Promise<void>;
}

/** `obspath token-refresher` as a child process on random ports; the secret goes through the env, as in the template. */
export async function startRefresherProc(opts: { issuerUrl: string; clientId: string; clientSecret: string; upstreamUrl?: string; args?: string[]; waitReady?: boolean; nodeArgs?: string[] }): Promise<RefresherProc> {
  const [web, internal] = [await freePort(), await freePort()];
  const proc = startProcess(
    process.execPath,
    [
      ...(opts.nodeArgs ?? []),
      OBSPATH_BIN,
      'token-refresher',
      '--oidc.issuer-url', opts.issuerUrl,
      '--oidc.client-id', opts.clientId,
      ...(opts.upstreamUrl ? ['--url', opts.upstreamUrl] : []),
      '--web.listen', `127.0.0.1:${web}`,
      '--web.internal.listen', `127.0.0.1:${internal}`,
      ...(opts.args ?? []),
    ],
    { env: { CLIENT_SECRET: opts.clientSecret } },
  );
  const internalUrl = `http://127.0.0.1:${internal}`;
  await waitForStart(proc, () => httpOk(`${internalUrl}/live`), 30_000, `refresher live\n${proc.output()}`);
  if (opts.waitReady !== false) await waitForStart(proc, () => httpOk(`${internalUrl}/ready`), 30_000, `refresher ready\n${proc.output()}`);
  return { proc, proxyUrl: `http://127.0.0.1:${web}`, internalUrl, stop: () => proc.stop() };
}

/** The value of one sample line of a Prometheus text exposition (labels given as they print), or undefined. */
export function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
