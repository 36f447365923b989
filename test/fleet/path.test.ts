// The whole path with real processes: issuer -> token refresher -> `obspath api` -> Prometheus, data
// written through the API by remote write. The answers match what was written; then each failure along
// the path becomes the right client metric and a KAFKAS-MGMT-9 answer whose reason names the hop and cause.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveConfig } from '../../src/config/load.js';
import { fleetConfigSchema, fleetFields, observatoriumBase } from '../../src/fleet/index.js';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS, type TestSeries } from '../../tools/testing/remote-write.js';
import { metricValue, startIssuerProc, startRefresherProc, type IssuerProc, type RefresherProc } from '../../tools/testing/stack.js';
import { issuerToken, startApiProc, startTestFleet, valueAt, writeInstances, type ApiProc, type TestFleet } from '../../tools/testing/fleet.js';

// Eleven child processes each add an exit hook (tools/testing/procs.ts): more than the default 10 is expected here.
process.setMaxListeners(30);

const SECRET = 'fleet-path-secret-8830';
const K1 = 'cgq4lkc8fcoiqirm3ib0';
const NS = `kafka-${K1}`;
const END = Math.floor(Date.now() / 30_000) * 30_000 - 30_000;
const times = Array.from({ length: 61 }, (_, i) => END - 30 * 60_000 + i * 30_000);
const pod = { statefulset_kubernetes_io_pod_name: 'k-kafka-0', strimzi_io_cluster: 'k' };
const written: TestSeries[] = [
  { labels: { __name__: 'kafka_server_brokertopicmetrics_messages_in_total', strimzi_io_kind: 'Kafka', topic: 'events', namespace: NS, ...pod }, samples: times.map((t, i) => [t, 500 + 3 * i]) },
  { labels: { __name__: 'kubelet_volume_stats_available_bytes', persistentvolumeclaim: 'data-0-k-kafka-0', namespace: NS }, samples: times.map((t, i) => [t, 9e9 - i * 1e6]) },
  { labels: { __name__: 'kafka_instance_connection_limit', namespace: NS, instance_name: 'k', broker_id: '0' }, samples: times.map((t) => [t, 100]) },
];

const TENANTS = (issuerUrl: string) => `tenants:
  - name: managedkafka
    id: mk-0001
    oidc: { issuerURL: ${issuerUrl}, clientID: observatorium, usernameClaim: sub, groupClaim: groups }
  - name: limited
    id: lim-0002
    oidc: { issuerURL: ${issuerUrl}, clientID: observatorium, usernameClaim: sub, groupClaim: groups }
    rateLimits: [{ endpoint: "/api/metrics/v1/limited/api/v1/.*", limit: 1, window: 1m }]
`;
const RBAC = `roles:
  - { name: read, resources: [metrics], tenants: [managedkafka, limited], permissions: [read] }
  - { name: write, resources: [metrics], tenants: [managedkafka], permissions: [write] }
roleBindings:
  - { name: readers, roles: [read], subjects: [{ name: kfm-readers, kind: group }] }
  - { name: writers, roles: [write], subjects: [{ name: mk-writers, kind: group }] }
`;

let dir: { path: string; cleanup: () => Promise<void> };
let prom: Backend;
let issuer: IssuerProc;
let api: ApiProc;
let instancesFile: string;
let alice: string;
const refreshers: Record<string, RefresherProc> = {};
const fleets: TestFleet[] = [];

before(async () => {
  dir = await tempDir();
  [prom, issuer] = await Promise.all([
    startPrometheus(),
    startIssuerProc({
      dir: dir.path,
      clients: [
        { clientID: 'kfm', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['kfm-readers'] } },
        { clientID: 'writer', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['mk-writers'] } },
        { clientID: 'other-aud', clientSecret: SECRET, audience: ['someone-else'], claims: { groups: ['kfm-readers'] } },
        { clientID: 'nobody', clientSecret: SECRET, audience: ['observatorium'] },
        { clientID: 'alice', clientSecret: SECRET, claims: { org_id: '12345', username: 'alice' } },
      ],
    }),
  ]);
  api = await startApiProc({ dir: dir.path, tenants: TENANTS(issuer.issuerUrl), rbac: RBAC, args: ['--metrics.read.endpoint', prom.url, '--metrics.write.endpoint', `${prom.url}/api/v1/write`] });
  const tenantUrl = (path: string) => `${api.url}${path}`;
  const specs: Array<[string, string, string, string]> = [
    ['good', 'kfm', SECRET, tenantUrl('/api/metrics/v1/managedkafka')],
    ['victim', 'kfm', SECRET, tenantUrl('/api/metrics/v1/managedkafka')],
    ['badSecret', 'kfm', 'wrong-secret', tenantUrl('/api/metrics/v1/managedkafka')],
    ['wrongTenant', 'kfm', SECRET, tenantUrl('/api/metrics/v1/managedkafak')],
    ['wrongPath', 'kfm', SECRET, tenantUrl('/api/metrics/v2/managedkafka')],
    ['wrongAudience', 'other-aud', SECRET, tenantUrl('/api/metrics/v1/managedkafka')],
    ['noRbac', 'nobody', SECRET, tenantUrl('/api/metrics/v1/managedkafka')],
    ['limited', 'kfm', SECRET, tenantUrl('/api/metrics/v1/limited')],
  ];
  // One after the other: eight Node processes starting at once on a loaded 2-core machine outran each one's
  // 15 s start-up wait.
  for (const [name, clientId, clientSecret, upstreamUrl] of specs) {
    refreshers[name] = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId, clientSecret, upstreamUrl, waitReady: name !== 'badSecret', args: ['--log.level', 'warn'] });
  }
  const writer = await issuerToken(issuer.issuerUrl, 'writer', SECRET);
  const res = await fetch(`${api.url}/api/metrics/v1/managedkafka/api/v1/receive`, { method: 'POST', headers: { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${writer}` }, body: encodeTestWriteRequest(written) });
  assert.ok(res.ok, `remote write through the API: ${res.status} ${await res.text()}`);
  instancesFile = await writeInstances(dir.path, 'kafkas.yaml', [{ id: K1, name: 'k', org_id: '12345', owner: 'alice' }]);
  alice = await issuerToken(issuer.issuerUrl, 'alice', SECRET);
});

after(async () => {
  await Promise.all(fleets.map((f) => f.close()));
  await Promise.all(Object.values(refreshers).map((r) => (r.proc.child.kill('SIGCONT'), r.stop())));
  await api?.stop();
  await issuer?.stop();
  await prom?.stop();
  await dir?.cleanup();
});

async function fleetFor(refresher: string, timeout = '10s'): Promise<TestFleet> {
  const f = await startTestFleet({ tokenRefresherUrl: refreshers[refresher]!.proxyUrl, tokenIssuerUrl: issuer.issuerUrl, instancesFile, observatoriumTimeout: timeout });
  fleets.push(f);
  return f;
}

const rangePath = `/api/kafkas_mgmt/v1/kafkas/${K1}/metrics/query_range?duration=60&interval=30`;

/** A failing request: 500 KAFKAS-MGMT-9 with `cause` in the reason, the same text logged once with the request id, and the client metrics. */
async function expectFailure(fleet: TestFleet, cause: string, metric: { code: string; count: number }, path = rangePath) {
  const r = await fleet.get(path, alice);
  assert.equal(r.status, 500, r.text);
  assert.equal(r.json.code, 'KAFKAS-MGMT-9');
  const prefix = path.endsWith('federate') ? 'error getting metrics' : 'failed to retrieve metrics';
  assert.equal(r.json.reason, `${prefix}: metrics backend unavailable: ${cause}`);
  const requestId = r.headers.get('x-request-id');
  const lines = fleet.logs.filter((l) => l.reqId === requestId && typeof l.msg === 'string' && l.msg.includes(cause));
  assert.equal(lines.length, 1, `one log line with the cause for ${requestId}: ${JSON.stringify(fleet.logs.filter((l) => l.reqId === requestId))}`);
  assert.equal(lines[0]!.msg, `KAFKAS-MGMT-9: ${r.json.reason}`);
  assert.equal(lines[0]!.level, 'error');
  const apiPath = path.includes('query_range') ? '/api/v1/query_range' : '/api/v1/query';
  assert.equal(metricValue(await fleet.metrics(), `kas_fleet_manager_observatorium_request_count{code="${metric.code}",method="POST",path="${apiPath}"}`), metric.count);
  return r;
}

test('whole path: range, instant and federate answers match what was written through the API', async () => {
  const fleet = await fleetFor('good');
  const r = await fleet.get(rangePath, alice);
  assert.equal(r.status, 200, r.text);
  const items = r.json.items as Array<{ metric: Record<string, string>; values: Array<{ timestamp: number; value: number }> }>;
  assert.equal(items.length, written.length);
  for (const s of written) {
    const item = items.find((i) => i.metric.__name__ === s.labels.__name__)!;
    assert.ok(item.values.length >= 60, `${s.labels.__name__}: ${item.values.length} points`);
    for (const p of item.values) assert.equal(p.value, valueAt(s, p.timestamp), `${s.labels.__name__} at ${p.timestamp}`);
    assert.equal(item.metric.tenant_id, undefined, 'the enforced tenant label is not in the allow-list');
  }
  const q = await fleet.get(`/api/kafkas_mgmt/v1/kafkas/${K1}/metrics/query`, alice);
  assert.deepEqual((q.json.items as Array<{ value: number }>).map((i) => i.value).sort((a, b) => a - b), [100, 680, 8.94e9]);
  const fed = await fleet.get(`/api/kafkas_mgmt/v1/kafkas/${K1}/metrics/federate`, alice);
  assert.equal(fed.text.split('\n').filter((l) => l && !l.startsWith('#')).sort().join('\n'), [
    'kafka_instance_connection_limit{broker_id="0",instance_name="k"} 100',
    'kafka_server_brokertopicmetrics_messages_in_total{statefulset_kubernetes_io_pod_name="k-kafka-0",strimzi_io_cluster="k",topic="events"} 680',
    'kubelet_volume_stats_available_bytes{persistentvolumeclaim="data-0-k-kafka-0"} 8940000000',
  ].join('\n'));
  const text = await fleet.metrics();
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="200",method="POST",path="/api/v1/query_range"}'), 7);
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="200",method="POST",path="/api/v1/query"}'), 14);
});

test('refresher black-holed (process stopped with SIGSTOP): code 0, reason timeout, answered within the timeout', async () => {
  const fleet = await fleetFor('victim', '1s');
  refreshers.victim!.proc.child.kill('SIGSTOP');
  const t0 = Date.now();
  await expectFailure(fleet, 'no response from token refresher after 1s (timeout)', { code: '0', count: 7 });
  assert.ok(Date.now() - t0 < 2500, `took ${Date.now() - t0} ms`);
  assert.equal(metricValue(await fleet.metrics(), 'kas_fleet_manager_observatorium_request_failures_total{path="/api/v1/query_range",reason="timeout"}'), 7);
  refreshers.victim!.proc.child.kill('SIGCONT');
});

test('refresher stopped: code 0, reason refused', async () => {
  const fleet = await fleetFor('victim');
  assert.equal((await fleet.get(rangePath, alice)).status, 200, 'the refresher serves again after SIGCONT');
  await refreshers.victim!.stop();
  await expectFailure(fleet, 'no response from token refresher: connection refused (refused)', { code: '0', count: 7 });
  assert.equal(metricValue(await fleet.metrics(), 'kas_fleet_manager_observatorium_request_failures_total{path="/api/v1/query_range",reason="refused"}'), 7);
});

test('wrong client secret: 503 token_unavailable (invalid_client) from the token refresher; federate says so too', async () => {
  const fleet = await fleetFor('badSecret');
  await expectFailure(fleet, 'token refresher answered 503 token_unavailable (invalid_client)', { code: '503', count: 7 });
  await expectFailure(fleet, 'token refresher answered 503 token_unavailable (invalid_client)', { code: '503', count: 7 }, `/api/kafkas_mgmt/v1/kafkas/${K1}/metrics/federate`);
});

test('wrong tenant or wrong Observatorium URL path in the refresher: 404 from the API', async () => {
  await expectFailure(await fleetFor('wrongTenant'), 'Observatorium API answered 404 not_found (unknown_tenant)', { code: '404', count: 7 });
  await expectFailure(await fleetFor('wrongPath'), 'Observatorium API answered 404 not_found', { code: '404', count: 7 });
});

test('token for the wrong audience: 401 from the API, naming the audience check', async () => {
  await expectFailure(await fleetFor('wrongAudience'), 'Observatorium API answered 401 unauthorized (auth: wrong_audience)', { code: '401', count: 7 });
});

test('subject without an RBAC binding: 403 from the API', async () => {
  await expectFailure(await fleetFor('noRbac'), 'Observatorium API answered 403 forbidden (auth: rbac_denied)', { code: '403', count: 7 });
});

test('tenant rate limit: 429 from the API for the queries over the limit', async () => {
  await expectFailure(await fleetFor('limited'), 'Observatorium API answered 429 too_many_requests (rate_limited)', { code: '429', count: 6 });
});

test('`obspath fleet-manager` as a process: flags and env as the template, /ready, /metrics, an answer through the path', async () => {
  const [apiPort, internalPort] = [await freePort(), await freePort()];
  const proc = startObspath([
    'fleet-manager', '--api-server-bindaddress', `127.0.0.1:${apiPort}`, '--metrics-server-bindaddress', `127.0.0.1:${internalPort}`,
    '--observability-red-hat-sso-token-refresher-url', refreshers.good!.proxyUrl, '--token-issuer-url', issuer.issuerUrl,
    '--instances-file', instancesFile, '--observatorium-ignore-ssl=false',
  ], { OBSERVATORIUM_TIMEOUT: '120s' });
  try {
    await waitUntil(() => httpOk(`http://127.0.0.1:${internalPort}/ready`), 15_000, `fleet-manager ready\n${proc.output()}`);
    const res = await fetch(`http://127.0.0.1:${apiPort}${rangePath}`, { headers: { authorization: `Bearer ${alice}` } });
    assert.equal(res.status, 200, await res.text());
    const text = await (await fetch(`http://127.0.0.1:${internalPort}/metrics`)).text();
    assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="200",method="POST",path="/api/v1/query_range"}'), 7);
    assert.match(proc.output(), /"via":"token-refresher","timeoutMs":120000,.*"msg":"fleet manager started"/);
  } finally {
    await proc.stop();
  }
  const bad = startObspath(['fleet-manager', '--instances-file', instancesFile, '--observatorium-timeout', 'soon']);
  await new Promise((r) => bad.child.once('exit', r));
  assert.equal(bad.child.exitCode, 2);
  assert.match(bad.output(), /--observatorium-timeout \(flag --observatorium-timeout\): invalid duration "soon"/);
  assert.throws(
    () => resolveConfig(fleetConfigSchema, { fields: fleetFields, flags: { instancesFile }, env: {} }),
    /--observability-red-hat-sso-token-refresher-url \(not set: use --observability-red-hat-sso-token-refresher-url or env OBSERVATORIUM_TOKEN_REFRESHER_URL\): give exactly one Observatorium base/,
  );
  const direct = resolveConfig(fleetConfigSchema, { fields: fleetFields, flags: { instancesFile, observatoriumGateway: 'https://obs.example' }, env: { OBSERVATORIUM_TOKEN: 't0k3n', OBSERVATORIUM_INSECURE: 'true' } });
  assert.deepEqual(observatoriumBase(direct), { baseUrl: 'https://obs.example/api/metrics/v1/managedkafka', target: 'api' });
  assert.equal(direct.observatoriumIgnoreSsl, true);
  assert.equal(direct.observatoriumTimeout, 240_000);
});

test('direct to the API with a static token or a token file (no refresher): answers, and a bad token is named', async () => {
  const token = await issuerToken(issuer.issuerUrl, 'kfm', SECRET);
  const tokenFile = join(dir.path, 'observatorium.token');
  await writeFile(tokenFile, `${token}\n`);
  const settings = { observatoriumGateway: api.url, observatoriumTenant: 'managedkafka', tokenIssuerUrl: issuer.issuerUrl, instancesFile };
  for (const auth of [{ observatoriumToken: token }, { observatoriumTokenFile: tokenFile }]) {
    const fleet = await startTestFleet({ ...settings, ...auth });
    fleets.push(fleet);
    const r = await fleet.get(rangePath, alice);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.items.length, written.length);
  }
  await writeFile(tokenFile, 'garbage');
  await expectFailure(fleets.at(-1)!, 'Observatorium API answered 401 unauthorized (auth: malformed)', { code: '401', count: 7 });
});

test('metrics backend stopped: 502 upstream_unreachable from the API, naming the backend', async () => {
  const fleet = await fleetFor('good');
  await prom.proc.stop();
  await expectFailure(fleet, 'Observatorium API answered 502 upstream_unreachable (metrics backend: refused)', { code: '502', count: 7 });
});
