// Shared pieces of the fleet-manager tests: user tokens from the real issuer, an in-process fleet manager
// with captured logs, the data written to the store, and the arithmetic to check answers against it.
import { Writable } from 'node:stream';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fleetConfigSchema, startFleetManager, type RunningFleetManager } from '../../src/fleet/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePort, httpOk } from './net.js';
import { startObspath, waitForStart, type Proc } from './procs.js';
import type { TestSeries } from './remote-write.js';

/** An access token for `clientId` from the issuer (client_credentials; the client's claims make it a "user"). */
export async function issuerToken(issuerUrl: string, clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${issuerUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    body: 'grant_type=client_credentials',
  });
  const body = (await res.json()) as { access_token?: string };
  if (!res.ok || !body.access_token) throw new Error(`token for ${clientId}: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

export interface TestFleet extends RunningFleetManager {
  logs: Array<Record<string, unknown>>;
  get(path: string, token?: string, headers?: Record<string, string>): Promise<{ status: number; json: any; text: string; headers: Headers }>;
  metrics(): Promise<string>;
}

/** `startFleetManager` in this process on random loopback ports; every log line is kept. */
export async function startTestFleet(settings: Record<string, unknown>): Promise<TestFleet> {
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const config = fleetConfigSchema.parse({ apiServerBindaddress: '127.0.0.1:0', metricsServerBindaddress: '127.0.0.1:0', ...settings });
  const running = await startFleetManager(config, createLogger({ component: 'fleet-manager', level: 'debug', destination }), { instancesPollMs: 100 });
  return {
    ...running,
    logs,
    async get(path, token, headers = {}) {
      const res = await fetch(`${running.apiUrl}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, signal: AbortSignal.timeout(20_000) });
      const text = await res.text();
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        /* text */
      }
      return { status: res.status, json, text, headers: res.headers };
    },
    metrics: () => running.registry.metrics(),
  };
}

export async function writeInstances(dir: string, name: string, kafkas: Array<Record<string, unknown>>): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify({ kafkas }));
  return path;
}

/** The value a query at `tsMs` sees for a series: its latest sample at or before tsMs (within the 5 m lookback). */
export function valueAt(series: TestSeries, tsMs: number): number | undefined {
  let found: number | undefined;
  for (const [t, v] of series.samples) if (t <= tsMs && tsMs - t <= 5 * 60_000) found = v;
  return found;
}

/** The series written whose labels include all of `match`. */
export function findSeries(all: TestSeries[], match: Record<string, string>): TestSeries[] {
  return all.filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

export interface ApiProc {
  proc: Proc;
  url: string;
  stop(): Promise<void>;
}

/** `obspath api` (issue 4) as a child process on random loopback ports, with the given tenants and RBAC files. */
export async function startApiProc(opts: { dir: string; tenants: string; rbac: string; args?: string[] }): Promise<ApiProc> {
  const [web, internal] = [await freePort(), await freePort()];
  const tenantsFile = join(opts.dir, `tenants-${web}.yaml`);
  const rbacFile = join(opts.dir, `rbac-${web}.yaml`);
  await writeFile(tenantsFile, opts.tenants);
  await writeFile(rbacFile, opts.rbac);
  const proc = startObspath(['api', '--tenants.config', tenantsFile, '--rbac.config', rbacFile, '--web.listen', `127.0.0.1:${web}`, '--web.internal.listen', `127.0.0.1:${internal}`, '--log.level', 'warn', ...(opts.args ?? [])]);
  await waitForStart(proc, () => httpOk(`http://127.0.0.1:${internal}/ready`), 20_000, `api ready\n${proc.output()}`);
  return { proc, url: `http://127.0.0.1:${web}`, stop: () => proc.stop() };
}
