// The fleet manager's metrics API over the real path (issuer -> token refresher -> Prometheus), with data
// written by remote write: range, instant and federate answers match what was written; bad input is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { SignJWT, generateKeyPair } from 'jose';
import { buildQueries, METRICS } from '../../src/kafka-metrics/catalog.js';
import { tempDir, waitUntil } from '../../tools/testing/net.js';
import { startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS, type TestSeries } from '../../tools/testing/remote-write.js';
import { startIssuerProc, startRefresherProc, type IssuerProc, type RefresherProc } from '../../tools/testing/stack.js';
import { findSeries, issuerToken, startTestFleet, valueAt, writeInstances, type TestFleet } from '../../tools/testing/fleet.js';

const SECRET = 'fleet-answers-secret-2210';
const K1 = 'cbbr2pe8fcoiqirm3ib0';
const NS = `kafka-${K1}`;
const WEIRD_NS = "kafka-a.b'c\\d";
const END = Math.floor(Date.now() / 30_000) * 30_000 - 30_000;
const START = END - 50 * 60_000;
const times = Array.from({ length: 101 }, (_, i) => START + i * 30_000);
const ramp = (base: number, step = 1, last?: number): Array<[number, number]> => times.map((t, i) => [t, i === times.length - 1 && last !== undefined ? last : base + i * step]);
const pod = { statefulset_kubernetes_io_pod_name: 'k-kafka-0', strimzi_io_cluster: 'k', pod: 'k-kafka-0', instance: '10.0.0.1:9404' };

const written: TestSeries[] = [
  { labels: { __name__: 'kafka_server_brokertopicmetrics_bytes_in_total', strimzi_io_kind: 'Kafka', topic: 'orders', namespace: NS, ...pod }, samples: ramp(1000, 10) },
  { labels: { __name__: 'kafka_server_brokertopicmetrics_bytes_in_total', strimzi_io_kind: 'Kafka', topic: '__consumer_offsets', namespace: NS, ...pod }, samples: ramp(5) },
  { labels: { __name__: 'kafka_server_brokertopicmetrics_bytes_in_total', strimzi_io_kind: 'Kafka', topic: 'orders', namespace: 'kafka-other', ...pod }, samples: ramp(7) },
  { labels: { __name__: 'kubelet_volume_stats_used_bytes', persistentvolumeclaim: 'data-0-k-kafka-0', namespace: NS }, samples: ramp(2e9, 1e6) },
  { labels: { __name__: 'kubelet_volume_stats_used_bytes', persistentvolumeclaim: 'other-claim', namespace: NS }, samples: ramp(1) },
  { labels: { __name__: 'kafka_broker_quota_softlimitbytes', strimzi_io_kind: 'Kafka', namespace: NS, ...pod }, samples: ramp(100) },
  { labels: { __name__: 'kafka_controller_kafkacontroller_offline_partitions_count', strimzi_io_kind: 'Kafka', namespace: NS, ...pod }, samples: ramp(0, 0) },
  { labels: { __name__: 'kafka_namespace:haproxy_server_bytes_in_total:rate5m', exported_namespace: NS, namespace: 'openshift-ingress', pod: 'router-1' }, samples: ramp(10) },
  { labels: { __name__: 'kafka_namespace:haproxy_server_bytes_in_total:rate5m', exported_namespace: NS, namespace: 'openshift-ingress', pod: 'router-2' }, samples: ramp(20) },
  { labels: { __name__: 'kafka_instance_partition_limit', namespace: NS, instance_name: 'k' }, samples: ramp(1000, 0, NaN) },
  { labels: { __name__: 'kafka_topic:kafka_log_log_size:sum', namespace: NS, topic: 'orders' }, samples: ramp(1, 1, Infinity) },
  { labels: { __name__: 'kafka_instance_partition_limit', namespace: WEIRD_NS, instance_name: 'weird' }, samples: ramp(42, 0) },
  { labels: { __name__: 'kafka_instance_partition_limit', namespace: "kafka-aXb'c\\d", instance_name: 'decoy' }, samples: ramp(13, 0) },
];

let dir: { path: string; cleanup: () => Promise<void> };
let prom: Backend;
let issuer: IssuerProc;
let refresher: RefresherProc;
let fleet: TestFleet;
let instancesFile: string;
const tokens: Record<string, string> = {};
const instances = [
  { id: K1, name: 'k', org_id: '12345', owner: 'alice' },
  { id: 'weird', name: 'weird', namespace: WEIRD_NS, org_id: 12345, owner: 'alice' },
  { id: 'bobs-kafka', name: 'b', org_id: '99999', owner: 'bob' },
];

before(async () => {
  dir = await tempDir();
  [prom, issuer] = await Promise.all([
    startPrometheus(),
    startIssuerProc({
      dir: dir.path,
      clients: [
        { clientID: 'kfm', clientSecret: SECRET, audience: ['observatorium-telemeter'] },
        { clientID: 'alice', clientSecret: SECRET, claims: { org_id: '12345', username: 'alice' } },
        { clientID: 'bob', clientSecret: SECRET, claims: { org_id: '99999', username: 'bob' } },
        { clientID: 'no-org', clientSecret: SECRET, claims: { username: 'eve' } },
        { clientID: 'brief', clientSecret: SECRET, claims: { org_id: '12345' }, tokenTTL: '1s' },
      ],
    }),
  ]);
  const res = await fetch(`${prom.url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: encodeTestWriteRequest(written) });
  assert.equal(res.status, 204, await res.text());
  refresher = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'kfm', clientSecret: SECRET, upstreamUrl: prom.url, args: ['--oidc.audience', 'observatorium-telemeter', '--log.level', 'warn'] });
  instancesFile = await writeInstances(dir.path, 'kafkas.yaml', instances);
  fleet = await startTestFleet({ tokenRefresherUrl: refresher.proxyUrl, tokenIssuerUrl: issuer.issuerUrl, instancesFile, observatoriumTimeout: '10s' });
  for (const c of ['alice', 'bob', 'no-org', 'brief']) tokens[c] = await issuerToken(issuer.issuerUrl, c, SECRET);
});

after(async () => {
  await fleet?.close();
  await refresher?.stop();
  await issuer?.stop();
  await prom?.stop();
  await dir?.cleanup();
});

const base = `/api/kafkas_mgmt/v1/kafkas`;
/** The series of K1's namespace the fleet manager must return (what the 7 selectors select). */
const expectedK1 = written.filter((s) => (s.labels.namespace === NS || s.labels.exported_namespace === NS) && s.labels.topic !== '__consumer_offsets' && s.labels.persistentvolumeclaim !== 'other-claim');
const allowed = (l: Record<string, string>) => Object.fromEntries(Object.entries(l).filter(([k]) => !['namespace', 'pod', 'instance', 'strimzi_io_kind', 'exported_namespace', 'instance_name'].includes(k)).sort());

test('the 29 metrics make 7 queries with the original selectors; namespaces are escaped for regex and string', () => {
  assert.equal(METRICS.length, 29);
  const qs = buildQueries(NS);
  assert.equal(qs.length, 7);
  assert.equal(qs.reduce((n, q) => n + q.metrics.length, 0), 29);
  assert.equal(qs[0]!.query, `{__name__=~'kubelet_volume_stats_available_bytes|kubelet_volume_stats_used_bytes', persistentvolumeclaim=~"data-.*-kafka-[0-9]*$", namespace=~'${NS}'}`);
  assert.equal(qs.find((q) => q.group === 'D')!.query, `{__name__=~'kafka_controller_kafkacontroller_offline_partitions_count|kafka_controller_kafkacontroller_global_partition_count', strimzi_io_kind=~'Kafka',namespace=~'${NS}'}`);
  assert.equal(buildQueries(WEIRD_NS, ['kafka_instance_partition_limit'])[0]!.query, `{__name__=~'kafka_instance_partition_limit', namespace=~'kafka-a\\\\.b\\'c\\\\\\\\d'}`);
});

test('query_range answers MetricsRangeQueryList: the written values at every step, allow-listed labels, NaN/Inf as strings', async () => {
  const r = await fleet.get(`${base}/${K1}/metrics/query_range?duration=60&interval=30`, tokens.alice);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.kind, 'MetricsRangeQueryList');
  assert.equal(r.json.id, K1);
  const items = r.json.items as Array<{ metric: Record<string, string>; values: Array<{ timestamp: number; value: number | string }> }>;
  assert.equal(items.length, expectedK1.length);
  const same = (got: number | string, want: number | undefined) => (want !== undefined && Number.isNaN(want) ? got === 'NaN' : want === Infinity ? got === '+Inf' : got === want);
  for (const s of expectedK1) {
    // Exactly one item carries this series: its allow-listed labels and, at every step, the value written last before it.
    const matching = items.filter((i) => JSON.stringify(i.metric) === JSON.stringify(allowed(s.labels)) && i.values.length >= 100 && i.values.every((p) => same(p.value, valueAt(s, p.timestamp))));
    assert.equal(matching.length, 1, `series ${JSON.stringify(s.labels)}: ${JSON.stringify(items.filter((i) => i.metric.__name__ === s.labels.__name__).map((i) => i.values.slice(-3)))}`);
  }
  assert.ok(!r.text.includes('kafka-other') && !r.text.includes('__consumer_offsets') && !r.text.includes('"namespace"'));
  const text = await fleet.metrics();
  assert.match(text, /kas_fleet_manager_observatorium_request_count\{code="200",method="POST",path="\/api\/v1\/query_range"\} 7/);
  assert.match(text, /api_inbound_request_count\{code="200",method="GET",path="\/api\/kafkas_mgmt\/v1\/kafkas\/-\/metrics\/query_range"\} 1/);
});

test('query answers MetricsInstantQueryList with the latest written values; filters select metrics', async () => {
  const r = await fleet.get(`${base}/${K1}/metrics/query`, tokens.alice);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.kind, 'MetricsInstantQueryList');
  const items = r.json.items as Array<{ metric: Record<string, string>; timestamp: number; value: number | string }>;
  assert.equal(items.length, expectedK1.length);
  const last = (s: TestSeries) => s.samples.at(-1)![1];
  const byName = (n: string) => items.filter((i) => i.metric.__name__ === n).map((i) => i.value).sort();
  assert.deepEqual(byName('kafka_server_brokertopicmetrics_bytes_in_total'), [last(written[0]!)]);
  assert.deepEqual(byName('kafka_instance_partition_limit'), ['NaN']);
  assert.deepEqual(byName('kafka_topic:kafka_log_log_size:sum'), ['+Inf']);
  assert.deepEqual(byName('kafka_namespace:haproxy_server_bytes_in_total:rate5m'), [110, 120]);
  assert.ok(items.every((i) => Math.abs(i.timestamp - Date.now()) < 30_000));

  const f = await fleet.get(`${base}/${K1}/metrics/query?filters=kubelet_volume_stats_used_bytes&filters=kafka_broker_quota_softlimitbytes`, tokens.alice);
  assert.deepEqual((f.json.items as Array<{ metric: Record<string, string> }>).map((i) => i.metric.__name__).sort(), ['kafka_broker_quota_softlimitbytes', 'kubelet_volume_stats_used_bytes']);
  const csv = await fleet.get(`${base}/${K1}/metrics/query?filters=kubelet_volume_stats_used_bytes,kafka_broker_quota_softlimitbytes`, tokens.alice);
  const noTime = (items: Array<Record<string, unknown>>) => items.map(({ timestamp: _t, ...rest }) => rest);
  assert.deepEqual(noTime(csv.json.items), noTime(f.json.items));
  // A selector that matches nothing: no `items`, as Go's omitempty.
  const none = await fleet.get(`${base}/${K1}/metrics/query?filters=kafka_instance_connection_limit`, tokens.alice);
  assert.deepEqual(none.json, { kind: 'MetricsInstantQueryList', id: K1 });
  // Escaping: the decoy namespace that an unescaped "." would match is not returned.
  const weird = await fleet.get(`${base}/weird/metrics/query`, tokens.alice);
  assert.deepEqual(weird.json.items, [{ metric: { __name__: 'kafka_instance_partition_limit' }, timestamp: weird.json.items[0].timestamp, value: 42 }]);
});

test('federate: Prometheus text with the variable labels only; series that collapse give one sample, not a 500', async () => {
  const r = await fleet.get(`${base}/${K1}/metrics/federate`, tokens.alice);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
  const samples = r.text.split('\n').filter((l) => l && !l.startsWith('#')).sort();
  assert.deepEqual(samples, [
    `kafka_broker_quota_softlimitbytes{statefulset_kubernetes_io_pod_name="k-kafka-0",strimzi_io_cluster="k"} 200`,
    `kafka_controller_kafkacontroller_offline_partitions_count{statefulset_kubernetes_io_pod_name="k-kafka-0",strimzi_io_cluster="k"} 0`,
    `kafka_instance_partition_limit{instance_name="k"} NaN`,
    `kafka_namespace:haproxy_server_bytes_in_total:rate5m 110`,
    `kafka_server_brokertopicmetrics_bytes_in_total{statefulset_kubernetes_io_pod_name="k-kafka-0",strimzi_io_cluster="k",topic="orders"} 2000`,
    `kafka_topic:kafka_log_log_size:sum{topic="orders"} +Inf`,
    `kubelet_volume_stats_used_bytes{persistentvolumeclaim="data-0-k-kafka-0"} 2100000000`,
  ]);
  assert.match(r.text, /^# HELP kafka_broker_quota_softlimitbytes .+\n# TYPE kafka_broker_quota_softlimitbytes gauge\n/);
  // The same answer on every scrape (the collapsed pair keeps the same member).
  assert.equal((await fleet.get(`${base}/${K1}/metrics/federate`, tokens.alice)).text, r.text);
});

test('out-of-range and malformed parameters are 400 KAFKAS-MGMT-21 with the Error envelope', async () => {
  const cases: Array<[string, RegExp]> = [
    ['duration=0&interval=30', /'duration' must be between 1 and 4320 minutes, got 0/],
    ['duration=4321&interval=30', /'duration' must be between 1 and 4320/],
    ['duration=-5&interval=30', /'duration' must be between/],
    ['duration=abc&interval=30', /cannot parse query parameter 'duration' 'abc'/],
    ['duration=1.5&interval=30', /cannot parse query parameter 'duration' '1.5'/],
    ['interval=30', /cannot parse query parameter 'duration' ''/],
    ['duration=5&duration=6&interval=30', /'duration' was given 2 times/],
    ['duration=5&interval=0', /'interval' must be between 1 and 10800 seconds, got 0/],
    ['duration=5&interval=10801', /'interval' must be between 1 and 10800/],
    ['duration=5', /cannot parse query parameter 'interval'/],
    ['duration=4320&interval=1', /259201 points per series; at most 11000 .* at least 24 s/],
    ['duration=5&interval=30&filters=up', /unknown metric name\(s\) in 'filters': 'up'/],
  ];
  for (const [qs, reason] of cases) {
    const r = await fleet.get(`${base}/${K1}/metrics/query_range?${qs}`, tokens.alice);
    assert.equal(r.status, 400, `${qs}: ${r.text}`);
    assert.equal(r.json.code, 'KAFKAS-MGMT-21', qs);
    assert.match(r.json.reason, reason, qs);
    assert.deepEqual(Object.keys(r.json).sort(), ['code', 'error', 'errorType', 'hop', 'href', 'id', 'kind', 'operation_id', 'reason', 'requestId', 'status']);
    assert.equal(r.json.operation_id, r.headers.get('x-request-id'));
    assert.equal(r.json.href, '/api/kafkas_mgmt/v1/errors/21');
  }
  assert.equal((await fleet.get(`${base}/${K1}/metrics/query_range?duration=4320&interval=24`, tokens.alice)).status, 200);
  assert.equal((await fleet.get(`${base}/${K1}/metrics/query?filters=nope,kafka_instance_partition_limit`, tokens.alice)).status, 400);
  assert.equal((await fleet.get(`${base}/${K1}/metrics/federate`, tokens.alice)).status, 200);
  // Refused before any upstream query: no request beyond the 7 of each accepted call above.
  const text = await fleet.metrics();
  assert.doesNotMatch(text, /kas_fleet_manager_observatorium_request_count\{code="400"/);
  assert.match(text, /api_inbound_request_count\{code="400",method="GET",path="\/api\/kafkas_mgmt\/v1\/kafkas\/-\/metrics\/query_range"\} 12/);
});

test('malformed ids are 400, unknown ids and other organisations\' instances 404 KAFKAS-MGMT-7', async () => {
  for (const id of ['ABC', 'a%20b', "x'y", 'a.b', '-lead', 'x'.repeat(64), '%27%7D%20or%20vector(1)']) {
    const r = await fleet.get(`${base}/${id}/metrics/query`, tokens.alice);
    assert.equal(r.status, 400, `${id}: ${r.text}`);
    assert.match(r.json.reason, /malformed kafka id/);
  }
  for (const [id, who] of [['doesnotexist', 'alice'], ['bobs-kafka', 'alice'], [K1, 'bob']] as const) {
    const r = await fleet.get(`${base}/${id}/metrics/federate`, tokens[who]);
    assert.equal(r.status, 404, r.text);
    assert.equal(r.json.code, 'KAFKAS-MGMT-7');
    assert.equal(r.json.reason, `KafkaResource for user ${who} with id='${id}' not found`);
  }
  assert.equal((await fleet.get(`${base}/bobs-kafka/metrics/query`, tokens.bob)).status, 200);
});

test('missing, malformed, foreign, expired and org-less tokens are 401 KAFKAS-MGMT-15', async () => {
  const { privateKey } = await generateKeyPair('RS256');
  const forged = await new SignJWT({ org_id: '12345' }).setProtectedHeader({ alg: 'RS256', kid: 'x' }).setIssuer(issuer.issuerUrl).setExpirationTime('5m').sign(privateKey);
  await new Promise((r) => setTimeout(r, 1100)); // the 'brief' token (1 s) has expired by now
  const cases: Array<[string | undefined, RegExp]> = [
    [undefined, /doesn't contain the 'Authorization' header/],
    ['not-a-jwt', /could not be verified/],
    [forged, /not signed by the issuer's keys/],
    [tokens.brief, /token has expired/],
    [tokens['no-org'], /no organisation \(org_id\) claim/],
  ];
  for (const [token, reason] of cases) {
    for (const path of ['query_range?duration=5&interval=30', 'query', 'federate']) {
      const r = await fleet.get(`${base}/${K1}/metrics/${path}`, token);
      assert.equal(r.status, 401, `${path}: ${r.text}`);
      assert.equal(r.json.code, 'KAFKAS-MGMT-15');
      assert.match(r.json.reason, reason);
    }
  }
  const basic = await fleet.get(`${base}/${K1}/metrics/query`, undefined, { authorization: 'Basic YTpi' });
  assert.equal(basic.status, 401);
});

test('the instances file is reloaded on change; a broken file keeps the previous content and shows in /ready', async () => {
  const url = `${base}/newkafka/metrics/query`;
  assert.equal((await fleet.get(url, tokens.alice)).status, 404);
  await writeInstances(dir.path, 'kafkas.yaml', [...instances, { id: 'newkafka', name: 'n', org_id: '12345', owner: 'alice' }]);
  await waitUntil(async () => (await fleet.get(url, tokens.alice)).status === 200, 5000, 'new instance visible');
  await writeFile(instancesFile, 'kafkas: [ {id: "BAD ID"} ]');
  await waitUntil(async () => ((await (await fetch(`${fleet.internalUrl}/ready`)).json()) as { instancesReloadError?: string }).instancesReloadError !== undefined, 5000, 'reload error shown');
  const ready = await fetch(`${fleet.internalUrl}/ready`);
  assert.equal(ready.status, 200);
  assert.match(((await ready.json()) as { instancesReloadError: string }).instancesReloadError, /kafkas\.0\.id/);
  assert.equal((await fleet.get(url, tokens.alice)).status, 200);
  assert.ok(fleet.logs.some((l) => l.msg === 'instances file reload failed: keeping the previous content'));
});
