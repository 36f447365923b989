// Native histogram ingest: the embedded store (bench/store-server.ts, own process) vs Debian's Prometheus 2.42
// started with --enable-feature=native-histograms, the same remote-write requests over loopback HTTP, same run.
// Prints histogram samples/s for each and their ratio, then bytes per histogram sample: WAL bytes on disk, and
// memory (our heap after a GC; Prometheus's Go heap in use, which may still hold garbage).
//   node --import tsx bench/store-histograms.ts     (env: SERIES, SAMPLES per series, PER_REQUEST, BUCKETS, CONCURRENCY)
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Pool } from 'undici';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, type SeriesToWrite } from '../src/remotewrite/encode.js';
import type { Histogram } from '../src/histogram/model.js';
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { REPO_ROOT, startPrometheus, startProcess } from '../tools/testing/procs.js';

const SERIES = Number(process.env.SERIES ?? 200);
const SAMPLES = Number(process.env.SAMPLES ?? 500);
const PER_REQUEST = Number(process.env.PER_REQUEST ?? 10);
const BUCKETS = Number(process.env.BUCKETS ?? 12);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);

/** A counter-like integer histogram that grows a little every sample (as a real one scraped every 15 s). */
function histogramAt(series: number, k: number): Histogram {
  const abs = Array.from({ length: BUCKETS }, (_, b) => (k + 1) * ((series + b) % 7 + 1) + Math.floor(k * b / 3));
  const deltas = abs.map((c, b) => c - (b > 0 ? abs[b - 1]! : 0));
  const zeroCount = k;
  return {
    counterResetHint: 0,
    schema: 3,
    zeroThreshold: 1e-128,
    zeroCount,
    count: zeroCount + abs.reduce((a, b) => a + b, 0),
    sum: k * 12.5 + series,
    positiveSpans: [{ offset: -3, length: BUCKETS }],
    negativeSpans: [],
    positiveBuckets: deltas,
    negativeBuckets: [],
    customValues: [],
  };
}

/** Requests sharded by series (each series' samples arrive in order), PER_REQUEST samples of every series of the shard. */
function buildShards(t0: number): Buffer[][] {
  const shards: Buffer[][] = [];
  for (let w = 0; w < CONCURRENCY; w++) {
    const out: Buffer[] = [];
    for (let k0 = 0; k0 < SAMPLES; k0 += PER_REQUEST) {
      const series: SeriesToWrite[] = [];
      for (let i = w; i < SERIES; i += CONCURRENCY) {
        const histograms = [];
        for (let k = k0; k < Math.min(SAMPLES, k0 + PER_REQUEST); k++) histograms.push({ timestamp: t0 + k * 15_000, float: false as const, histogram: histogramAt(i, k) });
        series.push({ labels: [{ name: '__name__', value: 'bench_request_duration_seconds' }, { name: 'pod', value: `pod-${i}` }, { name: 'job', value: 'bench' }], timestamps: [], values: [], histograms });
      }
      out.push(encodeWriteRequest(series));
    }
    shards.push(out);
  }
  return shards;
}

async function send(url: string, shards: Buffer[][]): Promise<number> {
  const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
  const start = process.hrtime.bigint();
  await Promise.all(
    shards.map(async (bodies) => {
      for (const body of bodies) {
        const res = await pool.request({ path: '/api/v1/write', method: 'POST', headers: REMOTE_WRITE_HEADERS, body });
        const text = await res.body.text();
        if (res.statusCode !== 204) throw new Error(`${url}: ${res.statusCode} ${text.slice(0, 300)}`);
      }
    }),
  );
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  await pool.close();
  return secs;
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    const st = await stat(p);
    n += st.isDirectory() ? await dirBytes(p) : st.size;
  }
  return n;
}

async function promMetric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line === undefined ? NaN : Number(line.split(' ')[1]);
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(1));

const total = SERIES * SAMPLES;
console.log(`native histogram remote-write ingest: ${SERIES} series x ${SAMPLES} samples = ${total} integer histograms (${BUCKETS} buckets, schema 3), ${PER_REQUEST} per series per request, ${CONCURRENCY} concurrent`);
const prom = await startPrometheus({ extraArgs: ['--enable-feature=native-histograms'] });
const dir = await tempDir('obspath-bench-hist-');
const port = await freePort();
const proc = startProcess(process.execPath, ['--expose-gc', '--import', 'tsx', join(REPO_ROOT, 'bench/store-server.ts'), dir.path, String(port), 'batch']);
const ours = `http://127.0.0.1:${port}`;
try {
  await waitUntil(() => httpOk(`${ours}/stats`), 15_000, `store server\n${proc.output()}`);
  const stats = async () => (await (await fetch(`${ours}/stats`)).json()) as { heapUsed: number; walBytes: number; samplesAppended: number };
  const base = { ours: (await stats()).heapUsed, prom: await promMetric(prom.url, 'go_memstats_heap_inuse_bytes') };
  const shards = buildShards(Date.now() - SAMPLES * 15_000 - 60_000);
  const secs = { prom: await send(prom.url, shards), ours: await send(ours, shards) };
  const after = await stats();
  if (after.samplesAppended !== total) throw new Error(`the store took ${after.samplesAppended} samples, expected ${total}`);
  const promHeap = await promMetric(prom.url, 'go_memstats_heap_inuse_bytes');
  const promWal = await dirBytes(join(prom.dir, 'data', 'wal'));
  const rate = { prom: total / secs.prom, ours: total / secs.ours };
  console.log(`samples/s        prometheus ${fmt(rate.prom)}  obspath ${fmt(rate.ours)}  ratio obspath/prometheus ${(rate.ours / rate.prom).toFixed(2)}`);
  console.log(`WAL bytes/sample prometheus ${fmt(promWal / total)}  obspath ${fmt(after.walBytes / total)}  ratio ${(after.walBytes / promWal).toFixed(2)}`);
  console.log(`heap bytes/sample prometheus ${fmt((promHeap - base.prom) / total)} (Go heap in use, garbage included)  obspath ${fmt((after.heapUsed - base.ours) / total)} (V8 heap after GC)`);
} finally {
  await proc.stop();
  await dir.cleanup();
  await prom.stop();
}
