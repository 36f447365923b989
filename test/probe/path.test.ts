// The probe through the whole local path with real processes: issuer -> token refresher -> `obspath api`
// -> `obspath store`. Writes go to the API with the probe's own OIDC token, reads through the refresher.
// It succeeds; then each failure is counted against the hop that answered and the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { probeConfig, startProbe, type ProbeConfigInput, type RunningProbe } from '../../src/probe/index.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../../src/store/index.js';
import { startStoreServer, type RunningStoreServer } from '../../src/store/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, type Proc } from '../../tools/testing/procs.js';
import { metricValue, startIssuerProc, startRefresherProc, type IssuerProc, type RefresherProc } from '../../tools/testing/stack.js';
import { startApiProc, type ApiProc } from '../../tools/testing/fleet.js';

process.setMaxListeners(30);

const SECRET = 'probe-path-secret-4471';
const TENANTS = (issuerUrl: string) => `tenants:
  - name: managedkafka
    id: mk-0001
    oidc: { issuerURL: ${issuerUrl}, clientID: observatorium, usernameClaim: sub, groupClaim: groups }
`;
const RBAC = `roles:
  - { name: rw, resources: [metrics], tenants: [managedkafka], permissions: [read, write] }
  - { name: read, resources: [metrics], tenants: [managedkafka], permissions: [read] }
roleBindings:
  - { name: probers, roles: [rw], subjects: [{ name: probers, kind: group }] }
  - { name: readers, roles: [read], subjects: [{ name: readers, kind: group }] }
`;

let dir: { path: string; cleanup: () => Promise<void> };
let store: Proc;
let other: RunningStoreServer;
let issuer: IssuerProc;
let api: ApiProc;
let good: RefresherProc;
let victim: RefresherProc;
let receiveUrl: string;
const probes: RunningProbe[] = [];

before(async () => {
  dir = await tempDir();
  const storePort = await freePort();
  store = startObspath(['store', '--storage.path', `${dir.path}/store`, '--storage.fsync', 'off', '--web.listen', `127.0.0.1:${storePort}`, '--log.level', 'warn']);
  const storeUrl = `http://127.0.0.1:${storePort}`;
  [issuer, other] = await Promise.all([
    startIssuerProc({
      dir: dir.path,
      clients: [
        { clientID: 'prober', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['probers'] } },
        { clientID: 'reader', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['readers'] } },
      ],
    }),
    startStoreServer({ store: { dir: `${dir.path}/other`, fsync: 'off' }, listen: '127.0.0.1:0', logger: createLogger({ component: 'store', level: 'silent' }) }),
    waitUntil(() => httpOk(`${storeUrl}/-/ready`), 15_000, 'store ready'),
  ]);
  api = await startApiProc({ dir: dir.path, tenants: TENANTS(issuer.issuerUrl), rbac: RBAC, args: ['--metrics.read.endpoint', storeUrl, '--metrics.write.endpoint', `${storeUrl}/api/v1/write`] });
  const upstreamUrl = `${api.url}/api/metrics/v1/managedkafka`;
  receiveUrl = `${upstreamUrl}/api/v1/receive`;
  [good, victim] = await Promise.all([0, 1].map(() => startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'reader', clientSecret: SECRET, upstreamUrl, args: ['--log.level', 'warn'] })));
});

after(async () => {
  await Promise.all(probes.map((p) => p.close()));
  await Promise.all([good?.stop(), victim?.stop()]);
  await api?.stop();
  await Promise.all([issuer?.stop(), store?.stop(), other?.close()]);
  await dir?.cleanup();
});

/** The probe's own OIDC client, as `obspath up` runs it. */
const oidc = () => ({ oidcIssuerUrl: issuer.issuerUrl, oidcClientId: 'prober', oidcClientSecret: SECRET });
const fast = { period: '300ms', initialQueryDelay: '300ms', latency: '2s', listen: '127.0.0.1:0' };

async function runProbe(settings: Omit<ProbeConfigInput, 'endpointWrite'> & { endpointWrite?: string }): Promise<RunningProbe & { logs: Array<Record<string, unknown>> }> {
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const p = await startProbe(probeConfig({ endpointWrite: receiveUrl, ...fast, ...settings }), createLogger({ component: 'probe', level: 'warn', destination }));
  probes.push(p);
  return Object.assign(p, { logs });
}

const text = (p: RunningProbe) => p.registry.metrics();

test('whole path: write through the API with its own OIDC token, read back through the refresher: every op succeeds', async () => {
  const p = await runProbe({ ...oidc(), endpointRead: good.proxyUrl, labels: 'test="ok"' });
  await waitUntil(() => p.stats().byOp.query.success >= 3 && p.stats().byOp.query_range.success >= 3, 10_000, `reads succeed: ${JSON.stringify(p.stats())}`);
  const s = p.stats();
  assert.deepEqual(s.lastFailure, {}, JSON.stringify(s.lastFailure));
  assert.equal(s.writes.error + s.reads!.error, 0);
  const m = await text(p);
  assert.equal(metricValue(m, 'up_probe_success'), 1);
  assert.ok((metricValue(m, 'up_remote_writes_total{result="success",http_code="204"}') ?? metricValue(m, 'up_remote_writes_total{result="success",http_code="200"}') ?? 0) >= 3, m);
  assert.ok((metricValue(m, 'up_metric_value_difference_count') ?? 0) >= 3);
  assert.equal(p.verdict().exitCode, 0);
  assert.equal((await fetch(`${p.url}/ready`)).status, 200);
  await p.close();
});

test('refresher stopped: reads get no response (code 0, hop none, refused); a --duration run with --threshold 1 exits 1', async () => {
  await victim.stop();
  const port = await freePort();
  const proc = startObspath([
    'probe', '--endpoint-write', receiveUrl, '--endpoint-read', victim.proxyUrl, '--oidc.issuer-url', issuer.issuerUrl, '--oidc.client-id', 'prober',
    // 5 s: the metrics below are read while it runs, which on a loaded machine took longer than a 2 s run lasted.
    '--duration', '5s', '--period', '250ms', '--initial-query-delay', '250ms', '--latency', '2s', '--threshold', '1', '--listen', `127.0.0.1:${port}`,
  ], { PROBE_OIDC_CLIENT_SECRET: SECRET });
  const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)));
  try {
    let m = '';
    await waitUntil(async () => {
      m = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return (metricValue(m, 'up_probe_failures_total{op="query",hop="none",reason="refused"}') ?? 0) >= 2;
    }, 10_000, `refused reads counted\n${proc.output()}`);
    assert.ok((metricValue(m, 'up_queries_total{result="error",http_code="0"}') ?? 0) >= 4, 'code 0 is counted, unlike up');
    assert.ok((metricValue(m, 'up_probe_failures_total{op="query_range",hop="none",reason="refused"}') ?? 0) >= 2);
    assert.equal(metricValue(m, 'up_probe_success'), 0);
    assert.equal(await exited, 1, proc.output());
  } finally {
    await proc.stop();
  }
  const lines = proc.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(!lines.some((l) => l.op === 'write'), 'writes through the API still succeed');
  assert.match(String(lines.find((l) => l.op === 'query')?.msg), /probe query failed: no response from token refresher: connection refused \(refused\)/);
  assert.match(String(lines.find((l) => String(l.msg).startsWith('probe failed'))?.msg), /writes (\d+)\/\1 \(100\.0%\), reads 0\/\d+ \(0\.0%\)/);
  assert.ok(!proc.output().includes(SECRET), 'the client secret is never logged');
});

test('wrong token: writes get 401 from the API, counted against hop auth; reads find nothing written', async () => {
  const p = await runProbe({ token: 'not-a-valid-jwt', endpointRead: good.proxyUrl, labels: 'test="wrong-token"' });
  await waitUntil(() => p.stats().writes.error >= 2 && p.stats().byOp.query.error >= 1, 10_000, 'failures');
  const w = p.stats().lastFailure.write!;
  assert.deepEqual([w.httpCode, w.hop, w.reason], [401, 'auth', 'unauthorized'], JSON.stringify(w));
  assert.ok(w.cause, 'the API says why the token is bad');
  const q = p.stats().lastFailure.query!;
  assert.deepEqual([q.httpCode, q.hop, q.reason], [200, 'store', 'empty'], JSON.stringify(q));
  const m = await text(p);
  assert.ok((metricValue(m, 'up_remote_writes_total{result="error",http_code="401"}') ?? 0) >= 2);
  assert.ok((metricValue(m, 'up_probe_failures_total{op="write",hop="auth",reason="unauthorized"}') ?? 0) >= 2);
  assert.ok((metricValue(m, 'up_queries_total{result="error",http_code="200"}') ?? 0) >= 1);
  assert.equal(metricValue(m, 'up_probe_success'), 0);
  // One log line per new cause, not one per failure.
  const writeLines = p.logs.filter((l) => l.op === 'write');
  assert.equal(writeLines.length, 1, JSON.stringify(writeLines));
  assert.match(String(writeLines[0]!.msg), /^probe write failed: auth 401 unauthorized/);
  await p.close();
});

test('stale data: written through the API, read from another store: empty, then stale once old data is there', async () => {
  const p = await runProbe({ ...oidc(), endpointRead: other.url, labels: 'test="stale"' });
  await waitUntil(() => p.stats().byOp.query.error >= 1 && p.stats().byOp.query_range.error >= 1, 10_000, 'empty reads');
  assert.deepEqual([p.stats().lastFailure.query!.hop, p.stats().lastFailure.query!.reason], ['store', 'empty']);
  assert.equal(p.stats().writes.error, 0, 'writes succeed: they go elsewhere');
  // The other store holds the series, but its newest sample is 45 s old: writes stopped reaching it.
  const old = Date.now() - 45_000;
  const res = await fetch(`${other.url}/api/v1/write`, {
    method: 'POST', headers: REMOTE_WRITE_HEADERS,
    body: new Uint8Array(encodeWriteRequest([{ labels: [{ name: '__name__', value: 'obspath_probe' }, { name: 'test', value: 'stale' }], timestamps: [old], values: [old] }])),
  });
  assert.equal(res.status, 204);
  await waitUntil(() => p.stats().lastFailure.query?.reason === 'stale' && p.stats().lastFailure.query_range?.reason === 'stale', 10_000, `stale reads: ${JSON.stringify(p.stats().lastFailure)}`);
  assert.match(p.stats().lastFailure.query!.message, /newest value was written 4\d\.\ds ago, more than --latency 2s/);
  const m = await text(p);
  assert.ok((metricValue(m, 'up_probe_failures_total{op="query",hop="store",reason="stale"}') ?? 0) >= 1);
  assert.ok((metricValue(m, 'up_probe_failures_total{op="query",hop="store",reason="empty"}') ?? 0) >= 1);
  // Stale ages are observed too (up does the same), in the (30, 60] bucket.
  assert.ok((metricValue(m, 'up_metric_value_difference_bucket{le="60"}') ?? 0) > (metricValue(m, 'up_metric_value_difference_bucket{le="30"}') ?? 0));
  await p.close();
});

test('backend stopped: writes and reads get 502 upstream_unreachable from the API, counted against hop backend', async () => {
  const p = await runProbe({ ...oidc(), endpointRead: good.proxyUrl, labels: 'test="backend"' });
  await waitUntil(() => p.stats().byOp.query.success >= 1, 10_000, 'a good read first');
  await store.stop();
  await waitUntil(() => p.stats().lastFailure.write?.httpCode === 502 && p.stats().lastFailure.query?.httpCode === 502 && p.stats().lastFailure.query_range?.httpCode === 502, 10_000, `502s: ${JSON.stringify(p.stats().lastFailure)}`);
  for (const op of ['write', 'query', 'query_range'] as const) {
    const f = p.stats().lastFailure[op]!;
    assert.deepEqual([f.hop, f.reason, f.cause], ['backend', 'upstream_unreachable', 'refused'], `${op}: ${JSON.stringify(f)}`);
  }
  const m = await text(p);
  assert.ok((metricValue(m, 'up_probe_failures_total{op="write",hop="backend",reason="upstream_unreachable"}') ?? 0) >= 1);
  assert.ok((metricValue(m, 'up_queries_total{result="error",http_code="502"}') ?? 0) >= 2);
  assert.equal(metricValue(m, 'up_probe_success'), 0);
  await p.close();
});
