// `obspath api --workers 2`: a real issuer and the API's primary with two workers in front of a loopback
// Prometheus-shaped backend. The rate limit is counted once, in the primary, whichever worker takes a request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { CLIENTS, getToken, startApiProc, tenantsYaml, type ApiProc } from '../../tools/testing/api.js';
import { startObspath } from '../../tools/testing/procs.js';
import { metricValue, startIssuerProc, type IssuerProc } from '../../tools/testing/stack.js';
import { fresh, startUpstream, type Upstream } from './helpers.js';

const LIMIT = 7;
let dir: { path: string; cleanup: () => Promise<void> };
let upstream: Upstream;
let issuer: IssuerProc;
let api: ApiProc;

before(async () => {
  dir = await tempDir();
  upstream = await startUpstream();
  issuer = await startIssuerProc({ dir: dir.path, clients: CLIENTS });
  const rateLimits = `    rateLimits:\n      - endpoint: "/api/metrics/v1/alpha/api/v1/query$"\n        limit: ${LIMIT}\n        window: 1m\n`;
  api = await startApiProc({
    dir: dir.path, issuerUrl: issuer.issuerUrl, tenants: tenantsYaml(issuer.issuerUrl, { rateLimits }),
    args: ['--workers', '2', '--metrics.read.endpoint', upstream.url, '--metrics.write.endpoint', `${upstream.url}/api/v1/write`], waitReady: false,
  });
  // Three Node processes start on a shared 2-core machine: a generous bound.
  await waitUntil(() => httpOk(`${api.internalUrl}/ready`), 45_000, `api ready\n${api.proc.output()}`);
});

after(async () => {
  await api?.stop();
  await issuer?.stop();
  await upstream?.close();
  await dir.cleanup();
});

test(`a limit of ${LIMIT}/min allows exactly ${LIMIT} across two workers, and /metrics sums both`, async () => {
  const token = await getToken(issuer.issuerUrl, 'alpha-writer');
  const url = `${api.url}/api/metrics/v1/alpha/api/v1/query?query=up`;
  // The limiter's windows are aligned to the minute: a burst straddling a boundary would be counted in two.
  const toBoundary = 60_000 - (Date.now() % 60_000);
  if (toBoundary < 10_000) await new Promise((r) => setTimeout(r, toBoundary + 200));
  const answers = [];
  // Five at a time, each on a new connection: the two workers take them concurrently.
  for (let i = 0; i < 6; i++) answers.push(...(await Promise.all(Array.from({ length: 5 }, () => fresh(url, { authorization: `Bearer ${token}` })))));
  const allowed = answers.filter((a) => a.status === 200).length;
  const limited = answers.filter((a) => a.status === 429);
  assert.equal(allowed, LIMIT, answers.map((a) => `${a.status} ${a.worker}`).join('\n'));
  assert.equal(limited.length, 30 - LIMIT);
  assert.equal(new Set(answers.map((a) => a.worker)).size, 2);
  assert.equal((JSON.parse(limited[0]!.body) as { hop: string }).hop, 'api');
  // Another path of the same tenant has no limit.
  assert.equal((await fresh(`${api.url}/api/metrics/v1/alpha/api/v1/labels`, { authorization: `Bearer ${token}` })).status, 200);
  const metrics = await (await fetch(`${api.internalUrl}/metrics`)).text();
  const rejected = [...metrics.matchAll(/^observatorium_api_requests_rejected_total\{reason="ratelimit"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(rejected, 30 - LIMIT);
  const ready = (await (await fetch(`${api.internalUrl}/ready`)).json()) as { status: string; workers: Array<{ ready: boolean }> };
  assert.equal(ready.status, 'ready');
  assert.equal(ready.workers.length, 2);
  assert.ok(metricValue(metrics, 'process_cpu_seconds_total') !== undefined);
});

test('a worker that cannot listen fails the start, naming the flag', async () => {
  const busy = new URL(api.url).host;
  const p = startObspath(['api', '--workers', '2', '--tenants.config', api.tenantsFile, '--rbac.config', api.rbacFile, '--metrics.read.endpoint', upstream.url, '--web.listen', busy, '--web.internal.listen', '127.0.0.1:0']);
  const code = await new Promise<number | null>((res) => p.child.once('exit', (c) => res(c)));
  assert.notEqual(code, 0);
  assert.match(p.output(), /--web\.listen/);
  assert.match(p.output(), /address already in use/);
});

test('--workers 2 without an HTTP store is refused (the embedded store belongs to one process)', async () => {
  const p = startObspath(['api', '--workers', '2', '--tenants.config', api.tenantsFile, '--rbac.config', api.rbacFile, '--storage.path', `${dir.path}/store`, '--web.listen', '127.0.0.1:0', '--web.internal.listen', '127.0.0.1:0']);
  const code = await new Promise<number | null>((res) => p.child.once('exit', (c) => res(c)));
  assert.notEqual(code, 0);
  assert.match(p.output(), /--workers above 1 needs --metrics.read.endpoint/);
});
