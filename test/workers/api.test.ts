// `obspath api --workers 2`: a real issuer and the API's primary with two workers in front of a loopback
// Prometheus-shaped backend. The rate limit is counted once, in the primary, whichever worker takes a request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { CLIENTS, getToken, startApiProc, tenantsYaml, type ApiProc } from '../../tools/testing/api.js';
import { startObspath } from '../../tools/testing/procs.js';
import { metricValue, startIssuerProc, type IssuerProc } from '../../tools/testing/stack.js';
import { workersOfMetrics } from '../../src/doctor/live/observatorium-health.js';
import { alive, fresh, pidOf, startUpstream, type Upstream } from './helpers.js';

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

/** Every http_requests_total series of the cluster's /metrics, summed. */
function requestsTotal(metrics: string): number {
  return [...metrics.matchAll(/^http_requests_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

async function scrape(): Promise<string> {
  return (await fetch(`${api.internalUrl}/metrics`)).text();
}

test('a killed worker takes none of its counts out of /metrics; a tenant removed on SIGHUP leaves it; process metrics as one target', async () => {
  const token = await getToken(issuer.issuerUrl, 'alpha-writer');
  const answers = await Promise.all(Array.from({ length: 12 }, () => fresh(`${api.url}/api/metrics/v1/alpha/api/v1/labels`, { authorization: `Bearer ${token}` })));
  assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
  assert.equal(new Set(answers.map((a) => a.worker)).size, 2, 'both workers served');
  assert.equal((await fetch(`${api.internalUrl}/ready`)).status, 200); // sets each worker's tenant_ready
  const before = await scrape();
  const total = requestsTotal(before);
  assert.ok(total >= 12 + LIMIT, `${total}`);
  assert.equal(metricValue(before, 'observatorium_api_tenant_ready{tenant="bbbb-2222"}'), 1, 'the least ready worker, not a sum');
  assert.equal(metricValue(before, 'obspath_workers'), 2);
  const restartsBefore = metricValue(before, 'obspath_worker_restarts_total')!;

  // One worker dies: neither while it is away nor after its replacement serves may the sum drop.
  const victim = pidOf(answers[0]!.worker);
  process.kill(victim, 'SIGKILL');
  await waitUntil(() => !alive(victim), 5000, 'worker gone');
  const away = requestsTotal(await scrape());
  await waitUntil(async () => metricValue(await scrape(), 'obspath_worker_restarts_total') === restartsBefore + 1 && httpOk(`${api.internalUrl}/ready`), 30_000, `worker restarted\n${api.proc.output()}`);
  const after = await scrape();
  console.log(`http_requests_total: ${total} before the kill, ${away} while the worker was away, ${requestsTotal(after)} after its restart`);
  assert.ok(away >= total, `${away} < ${total} while the worker was away`);
  assert.ok(requestsTotal(after) >= total, `${requestsTotal(after)} < ${total} after the restart`);
  assert.equal(metricValue(after, 'obspath_workers_started'), 2);
  // What the doctor's step 5 reads of the API's /metrics: how many workers run, and the restart.
  assert.equal(workersOfMetrics(after)?.text, `it runs 2 worker process(es) (--workers 2): 2 serving, ${restartsBefore + 1} restarted by its primary`);
  assert.equal(workersOfMetrics('process_open_fds 10\n'), undefined);

  // One target's process metrics: one start time (the primary's, which did not restart), one fd limit.
  const starts = after.split('\n').filter((l) => l.startsWith('process_start_time_seconds '));
  assert.equal(starts.length, 1);
  assert.equal(metricValue(after, 'process_start_time_seconds'), metricValue(before, 'process_start_time_seconds'));
  const limits = await readFile(`/proc/${api.proc.child.pid}/limits`, 'utf8');
  assert.equal(metricValue(after, 'process_max_fds'), Number(/^Max open files\s+(\d+)/m.exec(limits)![1]));

  // beta leaves the tenants file; SIGHUP reaches the primary, which passes it on: its series go, as in one process.
  const tenants = await readFile(api.tenantsFile, 'utf8');
  await writeFile(api.tenantsFile, tenants.slice(0, tenants.indexOf('  - name: beta')));
  process.kill(api.proc.child.pid!, 'SIGHUP');
  await waitUntil(async () => {
    await fetch(`${api.internalUrl}/ready`);
    return metricValue(await scrape(), 'observatorium_api_tenant_ready{tenant="bbbb-2222"}') === undefined;
  }, 15_000, `beta's series gone\n${await scrape()}`);
  const reloaded = await scrape();
  assert.equal(metricValue(reloaded, 'observatorium_api_tenant_ready{tenant="aaaa-1111"}'), 1);
  assert.ok(requestsTotal(reloaded) >= requestsTotal(after));
  assert.equal((await fresh(`${api.url}/api/metrics/v1/beta/api/v1/labels`, { authorization: `Bearer ${token}` })).status, 404);
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
