// npm run bench:store (blocks part): 10k series of 30 s samples backfilled into Prometheus-format blocks
// (2 h, and 7 d in 18 h blocks as Prometheus's compaction would leave them), then `obspath store` and
// Debian's Prometheus 2.42 each started on a copy of the same blocks: restart time, resident memory (after
// start and after queries), query latency over blocks; obspath's head vs blocks on the 2 h data; disk bytes
// per sample of our blocks vs promtool's for the same samples.
//   node --import tsx bench/store-blocks.ts        (env: SERIES=10000 ITER=20 HISTORY=2h,7d RESTARTS=3)
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'undici';
import { BlockWriter } from '../src/store/block/writer.js';
import { compareLabels } from '../src/store/block/index-writer.js';
import { toChunks } from '../src/store/block/compact.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../src/store/index.js';
import type { Labels } from '../src/storage/interface.js';
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { storeNodeEnv } from '../src/config/store-node-options.js';
import { startObspath, startProcess, type Proc } from '../tools/testing/procs.js';
import { benchSeriesLabels } from './lib/series.js';

const run = promisify(execFile);
const SERIES = Number(process.env.SERIES ?? 10_000);
const ITER = Number(process.env.ITER ?? 20);
const HISTORY = (process.env.HISTORY ?? '2h,7d').split(',');
const RESTARTS = Number(process.env.RESTARTS ?? 3);
const HOUR = 3600_000;
const STEP = 30_000;
const NOW = Math.floor(Date.now() / (2 * HOUR)) * 2 * HOUR; // data ends on a block boundary

const LABELS: Labels[] = Array.from({ length: SERIES }, (_, i) => benchSeriesLabels(i, `pod-${i % 50}`)).sort(compareLabels);

/** A counter per series: a fixed rate plus a little noise, deterministic in (series, t). */
function value(i: number, t: number): number {
  const k = Math.floor(t / STEP);
  return k * (1 + (i % 5)) + ((k * 2654435761 + i) % 7);
}

function samples(i: number, from: number, to: number): { timestamps: Float64Array; values: Float64Array } {
  const n = Math.ceil((to - from) / STEP);
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    timestamps[k] = from + k * STEP;
    values[k] = value(i, from + k * STEP);
  }
  return { timestamps, values };
}

async function backfill(dir: string, from: number, to: number, blockMs: number): Promise<number> {
  let total = 0;
  for (let b = Math.floor(from / blockMs) * blockMs; b < to; b += blockMs) {
    const lo = Math.max(from, b);
    const hi = Math.min(to, b + blockMs);
    const w = await BlockWriter.create(dir, lo, hi);
    for (let i = 0; i < SERIES; i++) {
      const s = samples(i, lo, hi);
      await w.addSeries(LABELS[i]!, toChunks({ labels: LABELS[i]!, ...s }), s.timestamps.length);
      total += s.timestamps.length;
    }
    await w.commit();
  }
  return total;
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? await dirBytes(p) : (await stat(p)).size;
  }
  return n;
}

const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

interface Running { name: string; url: string; proc: Proc; readyMs: number }


async function startOn(name: string, dir: string): Promise<Running> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  let proc: Proc;
  if (name === 'obspath') {
    proc = startObspath(['store', '--storage.path', dir, '--web.listen', `127.0.0.1:${port}`, '--storage.fsync', 'batch', '--storage.tsdb.retention.time', '30d', '--log.level', 'warn'], storeNodeEnv(process.env));
  } else {
    const config = join(dir, '..', 'prometheus.yml');
    await writeFile(config, 'global:\n  scrape_interval: 15s\n');
    proc = startProcess('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=30d', '--web.enable-remote-write-receiver', '--log.level=warn']);
  }
  await waitUntil(() => httpOk(`${url}/-/ready`), 600_000, `${name} ready`);
  return { name, url, proc, readyMs: performance.now() - t0 };
}

async function timeQuery(pool: Pool, path: string, params: Record<string, string>): Promise<number> {
  const out: number[] = [];
  const body = new URLSearchParams(params).toString();
  for (let i = 0; i < ITER + 2; i++) {
    const t0 = performance.now();
    const res = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${params.query}: ${res.statusCode} ${text.slice(0, 200)}`);
    if (i >= 2) out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b)[Math.floor(out.length / 2)]!;
}

const QUERIES = (end: number): Array<{ name: string; path: string; params: Record<string, string> }> => [
  { name: 'sum by (namespace) (rate(bench_metric_3_total[5m])), 1h range at 60s', path: '/api/v1/query_range', params: { query: 'sum by (namespace) (rate(bench_metric_3_total[5m]))', start: String((end - HOUR) / 1000), end: String(end / 1000), step: '60' } },
  { name: 'bench_metric_7_total{namespace="tenant-2"}, instant', path: '/api/v1/query', params: { query: 'bench_metric_7_total{namespace="tenant-2"}', time: String(end / 1000) } },
  { name: 'count(count_over_time({job="node"}[30m])), instant', path: '/api/v1/query', params: { query: 'count(count_over_time({job="node"}[30m]))', time: String(end / 1000) } },
];

async function measure(r: Running, end: number, rows: string[], label: string): Promise<void> {
  const pool = new Pool(r.url, { connections: 2 });
  const rssStart = rss(r.proc.child.pid!);
  for (const q of QUERIES(end)) rows.push(`| ${label} | ${r.name} | ${q.name} | ${(await timeQuery(pool, q.path, q.params)).toFixed(1)} ms |`);
  rows.push(`| ${label} | ${r.name} | start until ready (fastest of ${RESTARTS}) | ${(r.readyMs / 1000).toFixed(2)} s |`);
  rows.push(`| ${label} | ${r.name} | RSS after start / after queries | ${(rssStart / 2 ** 20).toFixed(0)} / ${(rss(r.proc.child.pid!) / 2 ** 20).toFixed(0)} MiB |`);
  await pool.close();
}

const rows: string[] = [];
for (const h of HISTORY) {
  const span = h === '7d' ? 7 * 24 * HOUR : 2 * HOUR;
  const base = await tempDir('obspath-bench-blocks-');
  try {
    const ours = join(base.path, 'obspath');
    const theirs = join(base.path, 'prom', 'data');
    await mkdir(ours, { recursive: true });
    const t0 = performance.now();
    const n = await backfill(ours, NOW - span, NOW, span > 2 * HOUR ? 18 * HOUR : 2 * HOUR);
    const bytes = await dirBytes(ours);
    console.log(`${h}: backfilled ${n} samples of ${SERIES} series in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${bytes} bytes of blocks`);
    rows.push(`| ${h} | obspath | block bytes per sample (${(await readdir(ours)).length} blocks) | ${(bytes / n).toFixed(3)} |`);
    await cp(ours, theirs, { recursive: true });
    for (const name of ['obspath', 'prometheus']) {
      // The fastest of RESTARTS starts: the machine is shared, and a start's wall time mostly measures load.
      let fastest = Infinity;
      for (let k = 1; k < RESTARTS; k++) {
        const r = await startOn(name, name === 'obspath' ? ours : theirs);
        fastest = Math.min(fastest, r.readyMs);
        await r.proc.stop(30_000);
      }
      const r = await startOn(name, name === 'obspath' ? ours : theirs);
      r.readyMs = Math.min(fastest, r.readyMs);
      try {
        await measure(r, NOW - 1, rows, h);
      } finally {
        await r.proc.stop(30_000);
      }
    }
  } finally {
    await base.cleanup();
  }
}

// The same 2 h: promtool's own blocks (bytes per sample), and obspath answering from its head.
{
  const base = await tempDir('obspath-bench-blocks-');
  try {
    const om: string[] = ['# TYPE bench counter'];
    const from = NOW - 2 * HOUR;
    for (let t = from; t < NOW; t += STEP) {
      for (let i = 0; i < SERIES; i++) {
        const l = LABELS[i]!;
        om.push(`${l[0]!.value}{${l.slice(1).map((x) => `${x.name}="${x.value}"`).join(',')}} ${value(i, t)} ${t / 1000}`);
      }
    }
    om.push('# EOF');
    const src = join(base.path, 'in.om');
    await writeFile(src, om.join('\n') + '\n');
    const out = join(base.path, 'promtool');
    await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', src, out], { maxBuffer: 64 << 20 });
    const n = SERIES * (2 * HOUR / STEP);
    rows.push(`| 2h | promtool create-blocks-from | block bytes per sample | ${((await dirBytes(out)) / n).toFixed(3)} |`);

    const headDir = join(base.path, 'head');
    const r = await startOn('obspath', headDir);
    try {
      const pool = new Pool(r.url, { connections: 2 });
      for (let t = from; t < NOW; t += 10 * 60_000) {
        for (let i0 = 0; i0 < SERIES; i0 += 2000) {
          const batch = [];
          for (let i = i0; i < Math.min(SERIES, i0 + 2000); i++) batch.push({ labels: LABELS[i]!, ...samples(i, t, Math.min(NOW, t + 10 * 60_000)) });
          const res = await pool.request({ path: '/api/v1/write', method: 'POST', headers: REMOTE_WRITE_HEADERS, body: encodeWriteRequest(batch) });
          await res.body.text();
          if (res.statusCode !== 204) throw new Error(`write ${res.statusCode}`);
        }
      }
      await pool.close();
      await measure({ ...r, name: 'obspath (head, via remote write)' }, NOW - 1, rows, '2h');
    } finally {
      await r.proc.stop(30_000);
    }
  } finally {
    await base.cleanup();
  }
}

console.log(`\nstore blocks benchmark (${SERIES} series, 30 s samples; query latency p50 of ${ITER})`);
console.log('| history | who | what | figure |');
console.log('|---|---|---|---:|');
for (const r of rows) console.log(r);
