// In-process store query loop (no HTTP): the bench's Kafka-like data into an embedded store, then the fleet
// manager's 7 selector queries (instant and 1h range) and the dashboard query through the Prometheus API
// handler (parse -> select -> evaluate -> JSON bytes, as the server sends them), timed per query.
//   SIZE=10000 ITER=200 [ONLY=0,1] [PROFILE=q.cpuprofile] node --import tsx bench/store-query-inproc.ts
// PROFILE profiles only the query loops (not the load); ONLY picks cases by index.
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { buildQueries } from '../src/kafka-metrics/catalog.js';
import { kafkaInstanceSeries, samplesBetween } from '../src/stack/kafka-data.js';
import { Engine } from '../src/promql/engine.js';
import { handleReadBytes, type ReadEndpoint } from '../src/promapi/index.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../src/remotewrite/encode.js';
import { ingestRemoteWrite } from '../src/store/remote-write/ingest.js';
import { Store } from '../src/store/store.js';
import { tempDir } from '../tools/testing/net.js';

const SIZE = Number(process.env.SIZE ?? 10_000);
const ITER = Number(process.env.ITER ?? 200);
const perInstance = kafkaInstanceSeries({ id: 'probe' }).length;
const instances = Math.max(1, Math.round(SIZE / perInstance));
const now = Math.floor(Date.now() / 30_000) * 30_000;
const from = now - 60 * 60_000;
const series = Array.from({ length: instances }, (_, i) => kafkaInstanceSeries({ id: `k${i.toString(36).padStart(5, '0')}` })).flat();

const dir = await tempDir('obspath-query-inproc-');
const store = await Store.open({ dir: dir.path, fsync: 'batch', maintenanceIntervalMs: 0 });
for (let t = from; t < now; t += 10 * 60_000) {
  const batch = samplesBetween(series, t, t + 10 * 60_000).filter((s) => s.timestamps.length > 0);
  for (let i = 0; i < batch.length; i += 5000) {
    const res = await ingestRemoteWrite(store, encodeWriteRequest(batch.slice(i, i + 5000)), REMOTE_WRITE_HEADERS);
    if (res.status !== 204) throw new Error(`write: ${res.status} ${JSON.stringify(res.body)}`);
  }
}
const engine = new Engine();
const ctx = { querier: store, engine };
const groups = buildQueries('kafka-k00000');
const dashboard = 'sum by (topic) (rate(kafka_server_brokertopicmetrics_bytes_in_total[5m]))';
const cases: { name: string; endpoint: ReadEndpoint; params: Record<string, string>[] }[] = [
  { name: '7 selectors, instant', endpoint: 'query', params: groups.map((g) => ({ query: g.query, time: String(now / 1000) })) },
  { name: '7 selectors, 1h range at 30s', endpoint: 'query_range', params: groups.map((g) => ({ query: g.query, start: String(from / 1000), end: String(now / 1000), step: '30' })) },
  { name: 'dashboard sum by (topic), instant', endpoint: 'query', params: [{ query: dashboard, time: String(now / 1000) }] },
  { name: 'dashboard sum by (topic), 1h range at 60s', endpoint: 'query_range', params: [{ query: dashboard, start: String(from / 1000), end: String(now / 1000), step: '60' }] },
];

const session = process.env.PROFILE ? new Session() : null;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
console.log(`${store.stats().series} series (${instances} instances), ${ITER} iterations after 5 warm-ups; per case (all its queries): wall p50, CPU mean, last body`);
console.log('| case | wall p50 | CPU | body |');
console.log('|---|---:|---:|---:|');
const only = process.env.ONLY === undefined ? null : new Set(process.env.ONLY.split(',').map(Number));
for (const [ci, c] of cases.entries()) {
  if (only !== null && !only.has(ci)) continue;
  const urls = c.params.map((p) => new URLSearchParams(p));
  let bytes = 0;
  const times: number[] = [];
  let cpu0 = process.cpuUsage();
  for (let i = 0; i < ITER + 5; i++) {
    if (i === 5) cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (const u of urls) {
      const res = handleReadBytes(ctx, c.endpoint, u, 'bench');
      if (res.status !== 200) throw new Error(`${c.name}: ${res.status} ${res.body.subarray(0, 200).toString()}`);
      bytes = res.body.length;
    }
    if (i >= 5) times.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  console.log(`| ${c.name} | ${times[times.length >> 1]!.toFixed(0)} µs | ${((cpu.user + cpu.system) / ITER).toFixed(0)} µs | ${bytes} B |`);
}
if (session) {
  const { profile } = await session.post('Profiler.stop');
  await writeFile(process.env.PROFILE!, JSON.stringify(profile));
  session.disconnect();
}
await store.close();
await dir.cleanup();
