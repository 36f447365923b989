// npm run bench:store (query part): the same Kafka-like data written to Debian's Prometheus 2.42 and to
// `obspath store`, then the fleet manager's 7 grouped selector queries (instant, and 1h range at 30s) and a
// dashboard query over 1k, 10k and 100k series; p50/p99 for both, the ratio, and resident memory per series.
//   node --import tsx bench/store-query.ts        (env: SIZES=1000,10000,100000 ITER=30 WARMUP=30)
// Both servers get the same untimed warm-up per case: Prometheus is compiled ahead of time, obspath's JIT is not
// (a profile showed 1,321 -> 321 us of server CPU per query from the first to the eighth round).
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { buildQueries } from '../src/kafka-metrics/catalog.js';
import { kafkaInstanceSeries, samplesBetween } from '../src/stack/kafka-data.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, type SeriesToWrite } from '../src/store/index.js';
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { storeNodeEnv } from '../src/config/store-node-options.js';
import { startObspath, startPrometheus } from '../tools/testing/procs.js';

const SIZES = (process.env.SIZES ?? '1000,10000,100000').split(',').map(Number);
const ITER = Number(process.env.ITER ?? 30);
const WARMUP = Number(process.env.WARMUP ?? 30);
const SERIES_PER_INSTANCE = kafkaInstanceSeries({ id: 'probe' }).length;

interface Target { name: string; url: string; pool: Pool; memory(): Promise<{ rss: number; series: number }>; stop(): Promise<void> }

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

async function startTargets(): Promise<Target[]> {
  const prom = await startPrometheus();
  const dir = await tempDir('obspath-bench-store-');
  const port = await freePort();
  const proc = startObspath(['store', '--storage.path', dir.path, '--web.listen', `127.0.0.1:${port}`, '--storage.fsync', 'batch', '--log.level', 'warn'], storeNodeEnv(process.env));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(() => httpOk(`${url}/-/ready`), 15_000, 'obspath store');
  return [
    { name: 'prometheus', url: prom.url, pool: new Pool(prom.url, { connections: 8 }), memory: async () => ({ rss: await metric(prom.url, 'process_resident_memory_bytes'), series: await metric(prom.url, 'prometheus_tsdb_head_series') }), stop: () => prom.stop() },
    {
      name: 'obspath', url, pool: new Pool(url, { connections: 8 }),
      memory: async () => ({ rss: Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.child.pid}/status`, 'utf8'))![1]) * 1024, series: await metric(url, 'obspath_store_head_series') }),
      stop: async () => { await proc.stop(); await dir.cleanup(); },
    },
  ];
}

async function load(t: Target, batches: SeriesToWrite[][]): Promise<void> {
  for (const batch of batches) {
    for (let i = 0; i < batch.length; i += 5000) {
      const res = await t.pool.request({ path: '/api/v1/write', method: 'POST', headers: REMOTE_WRITE_HEADERS, body: encodeWriteRequest(batch.slice(i, i + 5000)) });
      const text = await res.body.text();
      if (res.statusCode !== 204) throw new Error(`${t.name} write: ${res.statusCode} ${text}`);
    }
  }
}

async function timeQuery(t: Target, path: string, params: Record<string, string>): Promise<number[]> {
  const out: number[] = [];
  const body = new URLSearchParams(params).toString();
  for (let i = 0; i < ITER + WARMUP; i++) {
    const t0 = process.hrtime.bigint();
    const res = await t.pool.request({ path, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${t.name} ${params.query}: ${res.statusCode} ${text.slice(0, 200)}`);
    if (i >= WARMUP) out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

const rows: string[] = [];
for (const size of SIZES) {
  const instances = Math.max(1, Math.round(size / SERIES_PER_INSTANCE));
  const now = Math.floor(Date.now() / 30_000) * 30_000;
  const from = now - 60 * 60_000;
  const series = Array.from({ length: instances }, (_, i) => kafkaInstanceSeries({ id: `k${i.toString(36).padStart(5, '0')}` })).flat();
  const batches: SeriesToWrite[][] = [];
  for (let t = from; t < now; t += 10 * 60_000) batches.push(samplesBetween(series, t, t + 10 * 60_000).filter((s) => s.timestamps.length > 0));
  const targets = await startTargets();
  try {
    for (const t of targets) {
      const t0 = Date.now();
      await load(t, batches);
      console.log(`${size} series: loaded ${t.name} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const ns = 'kafka-k00000';
    const groups = buildQueries(ns);
    const cases: { name: string; path: string; params: (t: Target) => Record<string, string>; fan: number }[] = [
      { name: 'fleet manager 7 selectors, instant', path: '/api/v1/query', params: () => ({ query: '', time: String(now / 1000) }), fan: 7 },
      { name: 'fleet manager 7 selectors, 1h range at 30s', path: '/api/v1/query_range', params: () => ({ query: '', start: String(from / 1000), end: String(now / 1000), step: '30' }), fan: 7 },
      { name: 'sum by (topic) (rate(bytes_in[5m])), instant', path: '/api/v1/query', params: () => ({ query: 'sum by (topic) (rate(kafka_server_brokertopicmetrics_bytes_in_total[5m]))', time: String(now / 1000) }), fan: 1 },
      { name: 'sum by (topic) (rate(bytes_in[5m])), 1h range at 60s', path: '/api/v1/query_range', params: () => ({ query: 'sum by (topic) (rate(kafka_server_brokertopicmetrics_bytes_in_total[5m]))', start: String(from / 1000), end: String(now / 1000), step: '60' }), fan: 1 },
    ];
    for (const c of cases) {
      const res: Record<string, number[]> = {};
      for (const t of targets) {
        if (c.fan === 7) {
          // The fleet manager's request = its 7 grouped queries, in parallel; the latency is the slowest.
          const per = await Promise.all(groups.map((g) => timeQuery(t, c.path, { ...c.params(t), query: g.query })));
          res[t.name] = per[0]!.map((_, i) => Math.max(...per.map((p) => p[i]!))).sort((a, b) => a - b);
        } else res[t.name] = await timeQuery(t, c.path, c.params(t));
      }
      const p = res.prometheus!;
      const o = res.obspath!;
      rows.push(`| ${size} | ${c.name} | ${pct(p, 0.5).toFixed(2)} / ${pct(p, 0.99).toFixed(2)} | ${pct(o, 0.5).toFixed(2)} / ${pct(o, 0.99).toFixed(2)} | ${(pct(o, 0.5) / pct(p, 0.5)).toFixed(2)} / ${(pct(o, 0.99) / pct(p, 0.99)).toFixed(2)} |`);
    }
    const mem: Record<string, { rss: number; series: number }> = {};
    for (const t of targets) mem[t.name] = await t.memory();
    const per = (m: { rss: number; series: number }) => m.rss / m.series;
    rows.push(`| ${size} | resident memory per head series (bytes) | ${per(mem.prometheus!).toFixed(0)} (${mem.prometheus!.series} series) | ${per(mem.obspath!).toFixed(0)} (${mem.obspath!.series} series) | ${(per(mem.obspath!) / per(mem.prometheus!)).toFixed(2)} |`);
  } finally {
    for (const t of targets) { await t.pool.close(); await t.stop(); }
  }
}
console.log(`\nstore query benchmark (${ITER} iterations after ${WARMUP} warm-ups; ms, p50 / p99)`);
console.log('| series | query | Prometheus 2.42 | obspath | ratio obspath/Prometheus |');
console.log('|---:|---|---:|---:|---:|');
for (const r of rows) console.log(r);
