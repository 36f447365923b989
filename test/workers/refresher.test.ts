// `obspath token-refresher --workers 2` as users run it: a real issuer (behind a request-counting proxy), the
// refresher's primary and two workers sharing the listen socket, and a loopback upstream that records tokens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir, waitUntil } from '../../tools/testing/net.js';
import { metricValue, startIssuerProc, startRefresherProc, type RefresherProc } from '../../tools/testing/stack.js';
import { startCountingProxy, type CountingProxy } from '../refresher/counting-proxy.js';
import { alive, fresh, pidOf, startUpstream, type Upstream } from './helpers.js';

const SECRET = 'workers-secret-4b1d';
let dir: { path: string; cleanup: () => Promise<void> };
let upstream: Upstream;
let counting: CountingProxy;
let issuerUrl: string;
const cleanups: Array<() => Promise<void>> = [];

before(async () => {
  dir = await tempDir();
  upstream = await startUpstream();
  const { freePort } = await import('../../tools/testing/net.js');
  const port = await freePort();
  counting = await startCountingProxy(port);
  const clients = [{ clientID: 'fm', clientSecret: SECRET }, { clientID: 'short', clientSecret: SECRET, tokenTTL: '3s' }];
  const issuer = await startIssuerProc({ dir: dir.path, clients, port, extraArgs: ['--public-url', `http://127.0.0.1:${counting.port}`] });
  cleanups.push(() => issuer.stop(), () => counting.close(), () => upstream.close());
  issuerUrl = `http://127.0.0.1:${counting.port}/auth/realms/redhat-external`;
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  await dir.cleanup();
});

async function refresher(workers: string, clientId = 'fm', upstreamUrl = upstream.url): Promise<RefresherProc> {
  const r = await startRefresherProc({ issuerUrl, clientId, clientSecret: SECRET, upstreamUrl, args: ['--workers', workers, '--log.level', 'info'], waitReady: false });
  cleanups.push(() => r.stop());
  // Three Node processes start on a shared 2-core machine: a generous bound.
  await waitUntil(async () => (await fetch(`${r.internalUrl}/ready`)).status === 200, 45_000, `refresher ready\n${r.proc.output()}`);
  return r;
}

test('two workers both serve, with one token from one issuer request, and /metrics sums them', async () => {
  const issuerBefore = counting.requests.length;
  const r = await refresher('2');
  const answers = [];
  for (let i = 0; i < 40; i++) answers.push(await fresh(`${r.proxyUrl}/api/v1/query?query=up`));
  assert.deepEqual(answers.map((a) => a.status), Array(40).fill(200));
  const workers = new Set(answers.map((a) => a.worker));
  assert.equal(workers.size, 2, `answered by ${[...workers].join(', ')}`);
  // One token for both workers: the primary alone asked the issuer (discovery + one token request).
  assert.ok(counting.requests.length - issuerBefore <= 2, `${counting.requests.length - issuerBefore} requests to the issuer`);
  assert.equal(new Set(upstream.auth.slice(-40)).size, 1);
  const metrics = await (await fetch(`${r.internalUrl}/metrics`)).text();
  assert.equal(metricValue(metrics, 'http_requests_total{code="200",handler="proxy",method="GET"}'), 40);
  assert.equal(metricValue(metrics, 'token_refresher_up'), 1);
  assert.equal(metricValue(metrics, 'token_refresher_token_refresh_total{result="success"}'), 1);
  const ready = (await (await fetch(`${r.internalUrl}/ready`)).json()) as { workers: Array<{ ready: boolean }> };
  assert.deepEqual(ready.workers.map((w) => w.ready), [true, true]);
  await r.stop();
});

test('every refresh of the primary reaches both workers; the issuer sees one token request per refresh', async () => {
  const issuerBefore = counting.requests.length;
  const r = await refresher('2', 'short');
  const seen: Array<{ at: number; worker: string; status: number; auth: string }> = [];
  const started = Date.now();
  while (Date.now() - started < 7000) {
    const a = await fresh(`${r.proxyUrl}/api/v1/query?query=up`);
    seen.push({ at: Date.now() - started, worker: a.worker, status: a.status, auth: upstream.auth.at(-1)! });
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.deepEqual(seen.filter((s) => s.status !== 200), []);
  // The 3 s tokens were replaced at least twice, and after each replacement both workers sent the new token.
  // A token that arrived in the loop's last moments is seen by a request or two only, so each token is judged
  // by the requests made while it was the newest, and only when there were enough of them to reach both.
  const tokens = [...new Set(seen.map((s) => s.auth))];
  assert.ok(tokens.length >= 3, `${tokens.length} tokens`);
  const judged = tokens.slice(1).map((t) => seen.filter((s) => s.auth === t)).filter((reqs) => reqs.length >= 5);
  assert.ok(judged.length >= 2, `only ${judged.length} replaced tokens served 5 requests or more`);
  for (const reqs of judged) {
    assert.equal(new Set(reqs.map((s) => s.worker)).size, 2, `one worker only: ${JSON.stringify(reqs.map((s) => [s.at, s.worker]))}`);
  }
  const metrics = await (await fetch(`${r.internalUrl}/metrics`)).text();
  const refreshes = metricValue(metrics, 'token_refresher_token_refresh_total{result="success"}')!;
  // Discovery once, then one token request per refresh: not one per worker.
  assert.ok(counting.requests.length - issuerBefore <= refreshes + 2, `${counting.requests.length - issuerBefore} issuer requests for ${refreshes} refreshes`);
  await r.stop();
});

test('a killed worker is restarted (logged), and /ready says so until it is back', async () => {
  const r = await refresher('2');
  const victim = pidOf((await fresh(`${r.proxyUrl}/api/v1/query?query=up`)).worker);
  process.kill(victim, 'SIGKILL');
  await waitUntil(() => r.proc.output().includes('worker exited: restarting it'), 10_000, `restart log\n${r.proc.output()}`);
  await waitUntil(async () => (await fetch(`${r.internalUrl}/ready`)).status === 200, 45_000, `ready again\n${r.proc.output()}`);
  const pids = new Set<number>();
  for (let i = 0; i < 20; i++) pids.add(pidOf((await fresh(`${r.proxyUrl}/api/v1/query?query=up`)).worker));
  assert.equal(pids.size, 2);
  assert.ok(!pids.has(victim));
  assert.match(r.proc.output(), /"msg":"worker restarted"/);
  await r.stop();
});

test('SIGTERM on the primary drains the request in flight, then every process exits 0', async () => {
  const r = await refresher('2');
  const pids = new Set<number>();
  for (let i = 0; i < 10; i++) pids.add(pidOf((await fresh(`${r.proxyUrl}/api/v1/query?query=up`)).worker));
  const slow = fresh(`${r.proxyUrl}/api/v1/query?query=slow`);
  await new Promise((res) => setTimeout(res, 500));
  const exited = new Promise<number | null>((res) => r.proc.child.once('exit', (code) => res(code)));
  r.proc.child.kill('SIGTERM');
  assert.equal((await slow).status, 200);
  assert.equal(await exited, 0, r.proc.output());
  for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} still running`);
});

test('a worker\'s log lines name the worker (the `worker` field), the primary\'s do not', async () => {
  const { freePort } = await import('../../tools/testing/net.js');
  // Nothing listens there: each proxied request fails in the worker that took it, which logs why.
  const r = await refresher('2', 'fm', `http://127.0.0.1:${await freePort()}`);
  const answered = new Set<string>();
  for (let i = 0; i < 20 && answered.size < 2; i++) {
    const a = await fresh(`${r.proxyUrl}/api/v1/query?query=up`);
    assert.equal(a.status, 502, a.body);
    answered.add(a.worker.split('/')[0]!);
  }
  const lines = r.proc.output().split('\n').filter((l) => l.includes('upstream request failed'));
  for (const id of answered) assert.ok(lines.some((l) => l.includes(`"component":"token-refresher","worker":${id},`)), `a line of worker ${id}:\n${lines.join('\n')}`);
  assert.ok(lines.every((l) => /"worker":[12],/.test(l)), lines.join('\n'));
  assert.match(r.proc.output(), /^\{[^\n]*"component":"token-refresher","(?!worker)[^\n]*"msg":"token refresher started"/m);
  await r.stop();
});

test('--workers refuses what is not a count', async () => {
  const { startObspath } = await import('../../tools/testing/procs.js');
  const p = startObspath(['token-refresher', '--workers', 'many', '--url', upstream.url, '--oidc.issuer-url', issuerUrl, '--oidc.client-id', 'fm'], { CLIENT_SECRET: SECRET });
  const code = await new Promise<number | null>((res) => p.child.once('exit', (c) => res(c)));
  assert.notEqual(code, 0);
  assert.match(p.output(), /--workers: "many" is not a number of workers/);
});
