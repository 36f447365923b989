// npm run bench:fleet — the fleet manager's query_range for one instance (29 metrics, 1 h at 30 s) through
// the whole local path (fleet manager -> token refresher -> obspath api -> Prometheus), through a shorter
// path without the API, and the same 7 PromQL queries sent straight to Prometheus. Prints p50/p99 and ratios.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Pool } from 'undici';
import { buildQueries, METRICS } from '../src/kafka-metrics/catalog.js';
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { startObspath, startPrometheus, type Proc } from '../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS, type TestSeries } from '../tools/testing/remote-write.js';
import { startIssuerProc, startRefresherProc } from '../tools/testing/stack.js';
import { issuerToken, startApiProc } from '../tools/testing/fleet.js';
import { printResults, ratio, closedLoop, runLoad, type LoadResult } from './lib/load.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,8').split(',').map(Number);
const SECRET = 'bench-fleet-secret';
const KAFKA = 'cbench0000000000000a';
const NS = `kafka-${KAFKA}`;

process.setMaxListeners(30);
const dir = await tempDir('obspath-bench-fleet-');
const stops: Array<() => Promise<void>> = [];
try {
  const prom = await startPrometheus();
  stops.push(() => prom.stop());
  const issuer = await startIssuerProc({
    dir: dir.path,
    clients: [
      { clientID: 'kfm', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['readers'] } },
      { clientID: 'writer', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['writers'] } },
      { clientID: 'alice', clientSecret: SECRET, claims: { org_id: '1', username: 'alice' } },
    ],
  });
  stops.push(() => issuer.stop());
  const api = await startApiProc({
    dir: dir.path,
    tenants: `tenants:\n  - name: managedkafka\n    id: mk\n    oidc: { issuerURL: ${issuer.issuerUrl}, clientID: observatorium, groupClaim: groups }\n`,
    rbac: `roles:\n  - { name: rw, resources: [metrics], tenants: [managedkafka], permissions: [read, write] }\nroleBindings:\n  - { name: rw, roles: [rw], subjects: [{ name: readers, kind: group }, { name: writers, kind: group }] }\n`,
    args: ['--metrics.read.endpoint', prom.url, '--metrics.write.endpoint', `${prom.url}/api/v1/write`],
  });
  stops.push(() => api.stop());
  const viaApi = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'kfm', clientSecret: SECRET, upstreamUrl: `${api.url}/api/metrics/v1/managedkafka`, args: ['--log.level', 'warn'] });
  const viaProm = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'kfm', clientSecret: SECRET, upstreamUrl: prom.url, args: ['--log.level', 'warn'] });
  stops.push(() => viaApi.stop(), () => viaProm.stop());

  // One instance: every one of the 29 metrics, 2 series each (two brokers), 1 h at 30 s, written through the API.
  const end = Math.floor(Date.now() / 30_000) * 30_000;
  const times = Array.from({ length: 121 }, (_, i) => end - 3_600_000 + i * 30_000);
  const groupLabels: Record<string, Record<string, string>> = {
    A: { persistentvolumeclaim: 'data-0-k-kafka-0', namespace: NS }, B: { strimzi_io_kind: 'Kafka', namespace: NS }, C: { strimzi_io_kind: 'Kafka', topic: 'orders', namespace: NS },
    D: { strimzi_io_kind: 'Kafka', namespace: NS }, E: { topic: 'orders', namespace: NS }, F: { namespace: NS }, G: { exported_namespace: NS },
  };
  const series: TestSeries[] = METRICS.flatMap((m) => [0, 1].map((b) => ({
    labels: { __name__: m.name, ...groupLabels[m.group], statefulset_kubernetes_io_pod_name: `k-kafka-${b}`, strimzi_io_cluster: 'k', broker_id: String(b) },
    samples: times.map((t, i): [number, number] => [t, i * (b + 1)]),
  })));
  const writer = await issuerToken(issuer.issuerUrl, 'writer', SECRET);
  const w = await fetch(`${api.url}/api/metrics/v1/managedkafka/api/v1/receive`, { method: 'POST', headers: { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${writer}` }, body: encodeTestWriteRequest(series) });
  if (!w.ok) throw new Error(`remote write: ${w.status} ${await w.text()}`);

  const instancesFile = join(dir.path, 'kafkas.yaml');
  await writeFile(instancesFile, JSON.stringify({ kafkas: [{ id: KAFKA, name: 'k', org_id: '1', owner: 'alice' }] }));
  const startFleet = async (refresherUrl: string): Promise<{ url: string; proc: Proc }> => {
    const [apiPort, internalPort] = [await freePort(), await freePort()];
    const proc = startObspath(['fleet-manager', '--api-server-bindaddress', `127.0.0.1:${apiPort}`, '--metrics-server-bindaddress', `127.0.0.1:${internalPort}`,
      '--observability-red-hat-sso-token-refresher-url', refresherUrl, '--token-issuer-url', issuer.issuerUrl, '--instances-file', instancesFile, '--log.level', 'warn']);
    stops.push(() => proc.stop());
    await waitUntil(() => httpOk(`http://127.0.0.1:${internalPort}/ready`), 15_000, `fleet-manager ready\n${proc.output()}`);
    return { url: `http://127.0.0.1:${apiPort}`, proc };
  };
  const fleetApi = await startFleet(viaApi.proxyUrl);
  const fleetProm = await startFleet(viaProm.proxyUrl);
  const alice = await issuerToken(issuer.issuerUrl, 'alice', SECRET);
  const path = `/api/kafkas_mgmt/v1/kafkas/${KAFKA}/metrics/query_range?duration=60&interval=30`;
  const check = await fetch(`${fleetApi.url}${path}`, { headers: { authorization: `Bearer ${alice}` } });
  const body = (await check.json()) as { items?: Array<{ values: unknown[] }> };
  if (!check.ok || body.items?.length !== series.length) throw new Error(`sanity check: ${check.status}, ${body.items?.length} items, want ${series.length}`);
  console.log(`data: ${series.length} series x ${times.length} points; one fleet request = ${buildQueries(NS).length} range queries; answer ${JSON.stringify(body).length} bytes`);

  for (const concurrency of CONCURRENCY) {
    const rows: LoadResult[] = [];
    rows.push(await runDirect(prom.url, concurrency));
    rows.push(await runLoad({ name: 'fleet-manager -> refresher -> Prometheus', url: fleetProm.url, path, headers: { authorization: `Bearer ${alice}` }, concurrency, durationMs: DURATION_MS }));
    rows.push(await runLoad({ name: 'fleet-manager -> refresher -> api -> Prometheus', url: fleetApi.url, path, headers: { authorization: `Bearer ${alice}` }, concurrency, durationMs: DURATION_MS }));
    const [direct, short, full] = rows as [LoadResult, LoadResult, LoadResult];
    printResults(`fleet benchmark: query_range of one instance (29 metrics, 1 h at 30 s), concurrency ${concurrency}, ${DURATION_MS} ms per target`, rows);
    console.log(`overhead vs direct: p50 ${ratio(full.p50Ms, direct.p50Ms)}x / p99 ${ratio(full.p99Ms, direct.p99Ms)}x (whole path), ` +
      `p50 ${ratio(short.p50Ms, direct.p50Ms)}x / p99 ${ratio(short.p99Ms, direct.p99Ms)}x (without the API)`);
  }
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await dir.cleanup();
}

/** The same 7 range queries straight to Prometheus, concurrently, as one request (closed loop, as runLoad). */
async function runDirect(url: string, concurrency: number): Promise<LoadResult> {
  const pool = new Pool(url, { connections: concurrency * 7 });
  const queries = buildQueries(NS);
  const once = async () => {
    const endS = Date.now() / 1000;
    const codes = await Promise.all(queries.map(async (q) => {
      const res = await pool.request({
        path: '/api/v1/query_range', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: q.query, start: String(endS - 3600), end: String(endS), step: '30' }).toString(),
      });
      await res.body.json();
      return res.statusCode;
    }));
    return codes.every((c) => c === 200);
  };
  try {
    return await closedLoop('direct: the 7 queries to Prometheus', once, concurrency, DURATION_MS);
  } finally {
    await pool.close();
  }
}
