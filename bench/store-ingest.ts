// Remote-write ingest benchmark: the embedded store (behind a minimal node:http server, own process)
// vs Debian's Prometheus 2.42, same requests over loopback HTTP, same run.
//   node --import tsx bench/store-ingest.ts        (env: SAMPLES per run, FSYNC=batch|always|off, CONCURRENCY,
//   SERIES=1000,10000 and BATCHES=100,1000,10000 for a subset of the shapes, STORE_NODE_ARGS for the store
//   process's node flags, e.g. "--cpu-prof --cpu-prof-dir=prof"; the store's own V8 flag (as `obspath store`
//   runs with, src/config/store-node-options.ts) is added unless STORE_NODE_ARGS or OBSPATH_STORE_SEMI_SPACE_MB
//   sets it)
import { Pool } from 'undici';
import { join } from 'node:path';
import { storeSemiSpaceFlag } from '../src/config/store-node-options.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, type SeriesToWrite } from '../src/remotewrite/encode.js';
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { REPO_ROOT, startPrometheus, startProcess, type Proc } from '../tools/testing/procs.js';

const SAMPLES = Number(process.env.SAMPLES ?? 400_000);
const FSYNC = process.env.FSYNC ?? 'batch';
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
const list = (v: string | undefined, dflt: number[]) => (v === undefined || v === '' ? dflt : v.split(',').map(Number));
const SERIES_COUNTS = list(process.env.SERIES, [1000, 10_000]);
const BATCHES = list(process.env.BATCHES, [100, 1000, 10_000]);
const STORE_NODE_ARGS = (process.env.STORE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const STORE_FLAG = storeSemiSpaceFlag(process.env, STORE_NODE_ARGS);
if (STORE_FLAG !== undefined) STORE_NODE_ARGS.push(STORE_FLAG);

interface Target {
  name: string;
  url: string;
  rss(): Promise<number>;
  headSeries(): Promise<number>;
  stop(): Promise<void>;
}

function seriesLabels(i: number) {
  return [
    { name: '__name__', value: `bench_metric_${i % 20}_total` },
    { name: 'instance', value: `host-${Math.floor(i / 20)}.example.internal:9100` },
    { name: 'job', value: 'node' },
    { name: 'namespace', value: `tenant-${i % 7}` },
    { name: 'pod', value: `pod-${(i * 7919) % 100_000}` },
  ];
}

/**
 * Requests of `batch` samples each, split into CONCURRENCY shards by series (as Prometheus's remote-write
 * queue shards do), so each series' samples arrive in order. Timestamps advance 1 s per sample.
 */
function buildShards(seriesCount: number, batch: number, total: number, t0: number, state: Float64Array): Buffer[][] {
  const shards: Buffer[][] = [];
  for (let w = 0; w < CONCURRENCY; w++) {
    const mine: number[] = [];
    for (let i = w; i < seriesCount; i += CONCURRENCY) mine.push(i);
    const perSeries = Math.max(1, Math.floor(batch / mine.length));
    const seriesPerReq = Math.min(mine.length, batch);
    const out: Buffer[] = [];
    let next = 0;
    for (let sent = 0; sent < total / CONCURRENCY; sent += seriesPerReq * perSeries) {
      const series: SeriesToWrite[] = [];
      for (let k = 0; k < seriesPerReq; k++) {
        const i = mine[(next + k) % mine.length]!;
        const ts = new Float64Array(perSeries);
        const vs = new Float64Array(perSeries);
        for (let j = 0; j < perSeries; j++) {
          state[i * 2] = state[i * 2]! + 1000;
          state[i * 2 + 1] = state[i * 2 + 1]! + Math.floor(Math.random() * 100);
          ts[j] = t0 + state[i * 2]!;
          vs[j] = state[i * 2 + 1]!;
        }
        series.push({ labels: seriesLabels(i), timestamps: ts, values: vs });
      }
      next = (next + seriesPerReq) % mine.length;
      out.push(encodeWriteRequest(series));
    }
    shards.push(out);
  }
  return shards;
}

async function send(url: string, shards: Buffer[][]): Promise<number> {
  const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
  let failures = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    shards.map(async (bodies) => {
      for (const body of bodies) {
        const res = await pool.request({ path: '/api/v1/write', method: 'POST', headers: REMOTE_WRITE_HEADERS, body });
        const text = await res.body.text();
        if (res.statusCode !== 204 && failures++ < 3) console.error(`  ${url}: ${res.statusCode} ${text.slice(0, 200)}`);
      }
    }),
  );
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  await pool.close();
  if (failures > 0) throw new Error(`${failures} requests failed`);
  return secs;
}

/** Samples in the shards (counted from what was built, not assumed). */
function countSamples(seriesCount: number, batch: number, shards: Buffer[][]): number {
  let n = 0;
  for (let w = 0; w < shards.length; w++) {
    const mine = Math.ceil((seriesCount - w) / CONCURRENCY);
    const perSeries = Math.max(1, Math.floor(batch / mine));
    n += shards[w]!.length * Math.min(mine, batch) * perSeries;
  }
  return n;
}

async function promMetric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

async function startPrometheusTarget(): Promise<Target> {
  const b = await startPrometheus();
  return {
    name: 'prometheus',
    url: b.url,
    rss: () => promMetric(b.url, 'process_resident_memory_bytes'),
    headSeries: () => promMetric(b.url, 'prometheus_tsdb_head_series'),
    stop: () => b.stop(),
  };
}

async function startObspathTarget(): Promise<Target> {
  const dir = await tempDir('obspath-bench-');
  const port = await freePort();
  const proc: Proc = startProcess(process.execPath, [...STORE_NODE_ARGS, '--expose-gc', '--import', 'tsx', join(REPO_ROOT, 'bench/store-server.ts'), dir.path, String(port), FSYNC]);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(() => httpOk(`${url}/stats`), 15_000, `store server\n${proc.output()}`);
  const stats = async () => (await (await fetch(`${url}/stats`)).json()) as { rss: number; series: number };
  return {
    name: 'obspath',
    url,
    rss: async () => (await stats()).rss,
    headSeries: async () => (await stats()).series,
    stop: async () => {
      await proc.stop();
      await dir.cleanup();
    },
  };
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0));

console.log(`remote-write ingest, ${SAMPLES} samples per run, ${CONCURRENCY} concurrent requests, obspath fsync=${FSYNC}`);
console.log('series  batch   prometheus samples/s  obspath samples/s  ratio obspath/prometheus');
const memRows: string[] = [];
for (const seriesCount of SERIES_COUNTS) {
  const prom = await startPrometheusTarget();
  const obs = await startObspathTarget();
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const base = { prometheus: await prom.rss(), obspath: await obs.rss() };
    const t0 = Date.now() - 30 * 60_000;
    const state = new Float64Array(seriesCount * 2);
    for (const batch of BATCHES) {
      const bodies = buildShards(seriesCount, batch, SAMPLES, t0, state);
      const n = countSamples(seriesCount, batch, bodies);
      // Warm-up isn't separate: both get identical bodies in the same order; alternate who goes first.
      const order = batch === 1000 ? [obs, prom] : [prom, obs];
      const rate: Record<string, number> = {};
      for (const t of order) rate[t.name] = n / (await send(t.url, bodies));
      console.log(`${String(seriesCount).padEnd(7)} ${String(batch).padEnd(7)} ${fmt(rate.prometheus!).padEnd(22)} ${fmt(rate.obspath!).padEnd(18)} ${(rate.obspath! / rate.prometheus!).toFixed(2)}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
    const after = { prometheus: await prom.rss(), obspath: await obs.rss() };
    const heads = { prometheus: await prom.headSeries(), obspath: await obs.headSeries() };
    const per = (t: 'prometheus' | 'obspath') => ({ delta: (after[t] - base[t]) / heads[t], total: after[t] / heads[t] });
    const p = per('prometheus');
    const o = per('obspath');
    memRows.push(
      `${String(seriesCount).padEnd(7)} RSS delta/series: prometheus ${fmt(p.delta)}B  obspath ${fmt(o.delta)}B  ratio ${(o.delta / p.delta).toFixed(2)}   ` +
        `RSS/head series: prometheus ${fmt(p.total)}B  obspath ${fmt(o.total)}B  ratio ${(o.total / p.total).toFixed(2)}   ` +
        `(RSS after: prometheus ${fmt(after.prometheus)}B, obspath ${fmt(after.obspath)}B; head series ${heads.prometheus}/${heads.obspath})`,
    );
  } finally {
    await obs.stop();
    await prom.stop();
  }
}
console.log('\nresident memory per active series after ingest');
for (const r of memRows) console.log(r);
