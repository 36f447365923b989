// Interleaved A/B of two checkouts' `obspath store` over HTTP: each checkout's store as its own process, the same
// Kafka-like data written to both, then per case (the fleet manager's 7 selectors sent in parallel, instant and as
// a 1 h range; the dashboard query) rounds in alternating order. Prints the store process's CPU per case (from
// /proc, so the load generator's own CPU is not counted), the wall p50, and the per-round ratio B/A. Less
// load-sensitive than bench/store-query.ts's wall clock on a shared machine; both checkouts need `npm run build`.
//   TREES=<checkout A>,<checkout B> SIZE=10000 ITER=60 ROUNDS=5 [ONLY=0,1,2,3] [PROFILE_DIR=<dir>] node --import tsx bench/store-query-http-ab.ts
// PROFILE_DIR: both stores run with --cpu-prof, their profiles written there when they stop (load included).
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { buildQueries } from '../src/kafka-metrics/catalog.js';
import { kafkaInstanceSeries, samplesBetween } from '../src/stack/kafka-data.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../src/store/index.js';
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { startProcess } from '../tools/testing/procs.js';

const TREES = (process.env.TREES ?? '').split(',').filter(Boolean);
if (TREES.length !== 2) {
  console.error('usage: TREES=<checkout A>,<checkout B> node --import tsx bench/store-query-http-ab.ts');
  process.exit(2);
}
const SIZE = Number(process.env.SIZE ?? 10_000);
const ITER = Number(process.env.ITER ?? 60);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ONLY = (process.env.ONLY ?? '0,1,2,3').split(',').map(Number);
const TICK_US = 1e6 / 100; // /proc/<pid>/stat counts CPU in clock ticks (USER_HZ, 100 on Linux)

/** The process's user + system CPU in µs. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

const perInstance = kafkaInstanceSeries({ id: 'probe' }).length;
const instances = Math.max(1, Math.round(SIZE / perInstance));
const now = Math.floor(Date.now() / 30_000) * 30_000;
const from = now - 60 * 60_000;
const series = Array.from({ length: instances }, (_, i) => kafkaInstanceSeries({ id: `k${i.toString(36).padStart(5, '0')}` })).flat();

const stores: { tree: string; pid: number; pool: Pool; stop(): Promise<void> }[] = [];
for (const tree of TREES) {
  const dir = await tempDir('obspath-http-ab-');
  const port = await freePort();
  const profile = process.env.PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROFILE_DIR, '--cpu-prof-name', `${tree.split('/').pop()}.cpuprofile`] : [];
  const proc = startProcess(process.execPath, [...profile, `${tree}/bin/obspath`, 'store', '--storage.path', dir.path, '--web.listen', `127.0.0.1:${port}`, '--storage.fsync', 'batch', '--log.level', 'warn']);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(() => httpOk(`${url}/-/ready`), 20_000, `store of ${tree}`);
  const pool = new Pool(url, { connections: 8 });
  for (let t = from; t < now; t += 10 * 60_000) {
    const batch = samplesBetween(series, t, t + 10 * 60_000).filter((s) => s.timestamps.length > 0);
    for (let i = 0; i < batch.length; i += 5000) {
      const res = await pool.request({ path: '/api/v1/write', method: 'POST', headers: REMOTE_WRITE_HEADERS, body: encodeWriteRequest(batch.slice(i, i + 5000)) });
      if (res.statusCode !== 204) throw new Error(`write: ${res.statusCode} ${await res.body.text()}`);
      await res.body.dump();
    }
  }
  stores.push({ tree, pid: proc.child.pid!, pool, stop: async () => { await pool.close(); await proc.stop(); await dir.cleanup(); } });
}

const groups = buildQueries('kafka-k00000');
const dashboard = 'sum by (topic) (rate(kafka_server_brokertopicmetrics_bytes_in_total[5m]))';
const cases = [
  { name: '7 sel instant', path: '/api/v1/query', params: groups.map((g) => ({ query: g.query, time: String(now / 1000) })) },
  { name: '7 sel range', path: '/api/v1/query_range', params: groups.map((g) => ({ query: g.query, start: String(from / 1000), end: String(now / 1000), step: '30' })) },
  { name: 'dash instant', path: '/api/v1/query', params: [{ query: dashboard, time: String(now / 1000) }] },
  { name: 'dash range', path: '/api/v1/query_range', params: [{ query: dashboard, start: String(from / 1000), end: String(now / 1000), step: '60' }] },
];

/** One iteration of a case: its queries sent at once (as the fleet manager does), as form POSTs. */
async function runCase(pool: Pool, c: (typeof cases)[number]): Promise<number> {
  const t0 = process.hrtime.bigint();
  await Promise.all(c.params.map(async (p) => {
    const res = await pool.request({ path: c.path, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(p).toString() });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${c.name}: ${res.statusCode} ${text.slice(0, 200)}`);
  }));
  return Number(process.hrtime.bigint() - t0) / 1e3;
}

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`${series.length} series; ${ITER} iterations per round, ${ROUNDS} rounds, after 30 warm-ups; store process CPU µs per iteration (median of rounds), wall p50 µs`);
for (const ci of ONLY) {
  const c = cases[ci]!;
  for (const s of stores) for (let i = 0; i < 30; i++) await runCase(s.pool, c);
  const cpu: number[][] = stores.map(() => []);
  const wall: number[][] = stores.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      const s = stores[k]!;
      const c0 = cpuUs(s.pid);
      for (let i = 0; i < ITER; i++) wall[k]!.push(await runCase(s.pool, c));
      cpu[k]!.push((cpuUs(s.pid) - c0) / ITER);
    }
  }
  const ratios = cpu[1]!.map((b, i) => b / cpu[0]![i]!);
  const side = (k: number) => `${stores[k]!.tree.split('/').pop()} CPU ${med(cpu[k]!).toFixed(0)} µs, wall p50 ${med(wall[k]!).toFixed(0)} µs`;
  console.log(`${c.name}: ${side(0)}; ${side(1)}; CPU B/A per round ${ratios.map((x) => x.toFixed(2)).join(' ')} (median ${med(ratios).toFixed(2)})`);
}
for (const s of stores) await s.stop();
