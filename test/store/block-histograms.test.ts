// Blocks with native histogram chunks: a series may hold XOR chunks and histogram chunks one after the other
// (floats, then integer histograms, then floats again), others float histograms only. What we write reads
// back through the block querier (as float histograms, Prometheus's ToFloat), survives compaction with
// integer histograms kept integer, and Debian's Prometheus 2.42 (native histograms on) answers queries on our
// block with the same histograms; promtool 2.42 lists, analyzes and dumps it as it does Prometheus's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { CounterResetHint, histogramToFloat, type FloatHistogram, type Histogram } from '../../src/histogram/index.js';
import type { Labels, SeriesSamples } from '../../src/storage/interface.js';
import { Block } from '../../src/store/block/block.js';
import { chunkSamples, compactBlocks, toChunks } from '../../src/store/block/compact.js';
import type { StoredHistogram } from '../../src/store/block/histogram-chunks.js';
import { BlockWriter } from '../../src/store/block/writer.js';
import { ENC_FLOAT_HISTOGRAM, ENC_HISTOGRAM } from '../../src/store/chunks/histogram-meta.js';
import { ENC_XOR } from '../../src/store/block/xor-chunk.js';
import { startProcess } from '../../tools/testing/procs.js';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { goG, labelsText } from './blocks-util.js';

const run = promisify(execFile);
const HOUR = 3600_000;
const STEP = 15_000;
const START = Math.floor((Date.now() - 30 * HOUR) / (2 * HOUR)) * 2 * HOUR; // within Prometheus's retention

const name = (n: string): Labels => [{ name: '__name__', value: n }];

/** An integer counter histogram at sample i: fixed layout (two positive spans, one negative), growing. */
function intHistogram(i: number): Histogram {
  const p = [i, 3 * i + 1, 2 * i, i + 5];
  const n = [i % 7 === 0 ? i : i - (i % 7), i * 2];
  const deltas = (c: number[]): number[] => c.map((v, k) => v - (k === 0 ? 0 : c[k - 1]!));
  return {
    counterResetHint: CounterResetHint.Unknown, schema: 2, zeroThreshold: 2 ** -128, zeroCount: i, sum: i * 3.25,
    count: i + p.reduce((a, b) => a + b, 0) + n.reduce((a, b) => a + b, 0),
    positiveSpans: [{ offset: -2, length: 3 }, { offset: 4, length: 1 }], positiveBuckets: deltas(p),
    negativeSpans: [{ offset: 1, length: 2 }], negativeBuckets: deltas(n), customValues: [],
  };
}

/** A float counter histogram (exponential schema: 2.42 knows no custom buckets), non-integer counts. */
function floatHistogram(i: number): FloatHistogram {
  const h = histogramToFloat(intHistogram(i));
  return { ...h, count: h.count * 0.5, zeroCount: h.zeroCount * 0.5, positiveBuckets: h.positiveBuckets.map((v) => v * 0.5), negativeBuckets: h.negativeBuckets.map((v) => v * 0.5) };
}

interface Fixture {
  labels: Labels;
  floats: { ts: number[]; vals: number[] };
  hists: StoredHistogram[];
}

/** mixed: floats [0,50), integer histograms [50,300), floats [300,480); fhist: float histograms throughout. */
function fixtures(from: number, count: number): Fixture[] {
  const mixed: Fixture = { labels: name('mixed'), floats: { ts: [], vals: [] }, hists: [] };
  const fh: Fixture = { labels: name('fhist'), floats: { ts: [], vals: [] }, hists: [] };
  for (let i = 0; i < count; i++) {
    const t = from + i * STEP;
    if (i < 50 || i >= 300) {
      mixed.floats.ts.push(t);
      mixed.floats.vals.push(i * 1.5);
    } else mixed.hists.push({ t, isFloat: false, h: intHistogram(i) });
    fh.hists.push({ t, isFloat: true, h: floatHistogram(i) });
  }
  return [fh, mixed];
}

async function writeBlock(dir: string, fx: Fixture[], mint: number, maxt: number): Promise<string> {
  const w = await BlockWriter.create(dir, mint, maxt);
  for (const f of fx) {
    const s: SeriesSamples = { labels: f.labels, timestamps: Float64Array.from(f.floats.ts), values: Float64Array.from(f.floats.vals) };
    const chunks = toChunks(s, f.hists);
    await w.addSeries(f.labels, chunks, chunkSamples(chunks));
  }
  return join(dir, (await w.commit()).ulid);
}

const noHint = (h: FloatHistogram): FloatHistogram => ({ ...h, counterResetHint: CounterResetHint.Unknown });
const asFloat = (s: StoredHistogram): FloatHistogram => (s.isFloat ? s.h : histogramToFloat(s.h));

test('a block with XOR and histogram chunks reads back the same floats and histograms, in any window', async () => {
  const dir = await tempDir('obspath-hblock-');
  try {
    const fx = fixtures(START, 480);
    const b = new Block(await writeBlock(dir.path, fx, START, START + 2 * HOUR));
    try {
      const encodings = b.index.series(b.matching([{ type: '=', name: '__name__', value: 'mixed' }])[0]!).chunks.map((c) => b.chunks.chunk(c.ref).encoding);
      assert.deepEqual(encodings, [ENC_XOR, ENC_HISTOGRAM, ENC_HISTOGRAM, ENC_HISTOGRAM, ENC_XOR, ENC_XOR]);
      assert.equal(b.meta.stats.numSamples, 960);
      for (const [mint, maxt] of [[-Infinity, Infinity], [START + 40 * STEP, START + 60 * STEP], [START + 100 * STEP + 1, START + 350 * STEP - 1]] as const) {
        const got = b.select([{ type: '=~', name: '__name__', value: '.+' }], mint, maxt);
        assert.deepEqual(got.map((s) => s.labels), fx.map((f) => f.labels));
        for (const [k, f] of fx.entries()) {
          const inWin = (t: number): boolean => t >= mint && t <= maxt;
          assert.deepEqual(Array.from(got[k]!.timestamps), f.floats.ts.filter(inWin));
          const want = f.hists.filter((s) => inWin(s.t));
          assert.deepEqual(Array.from(got[k]!.histograms?.timestamps ?? []), want.map((s) => s.t));
          assert.deepEqual((got[k]!.histograms?.values ?? []).map(noHint), want.map((s) => noHint(asFloat(s))));
        }
      }
      // Hints as Prometheus reads chunks: unknown on a chunk's first sample, "not a reset" after it.
      const hints = b.select([{ type: '=', name: '__name__', value: 'mixed' }], -Infinity, Infinity)[0]!.histograms!.values.map((h) => h.counterResetHint);
      assert.deepEqual([hints[0], hints[1], hints[119], hints[120], hints[121]], [0, 2, 2, 0, 2]);
    } finally {
      b.close();
    }
  } finally {
    await dir.cleanup();
  }
});

test('compacting blocks with histogram chunks keeps integer histograms integer and every sample', async () => {
  const dir = await tempDir('obspath-hblock-');
  try {
    const fx = fixtures(START, 480);
    const split = START + 200 * STEP;
    const part = (lo: number, hi: number): Fixture[] => fx.map((f) => {
      const keep = (t: number): boolean => t >= lo && t < hi;
      const idx = f.floats.ts.map((t, i) => i).filter((i) => keep(f.floats.ts[i]!));
      return { labels: f.labels, floats: { ts: idx.map((i) => f.floats.ts[i]!), vals: idx.map((i) => f.floats.vals[i]!) }, hists: f.hists.filter((s) => keep(s.t)) };
    });
    const a = new Block(await writeBlock(dir.path, part(START, split), START, split));
    const b = new Block(await writeBlock(dir.path, part(split, START + 2 * HOUR), split, START + 2 * HOUR));
    const meta = await compactBlocks([a, b], dir.path);
    a.close();
    b.close();
    const c = new Block(join(dir.path, meta.ulid));
    try {
      assert.equal(meta.stats.numSamples, 960);
      const encs = new Set<number>();
      for (const ref of c.index.all()) for (const m of c.index.series(ref).chunks) encs.add(c.chunks.chunk(m.ref).encoding);
      assert.deepEqual([...encs].sort(), [ENC_XOR, ENC_HISTOGRAM, ENC_FLOAT_HISTOGRAM]);
      const got = c.select([{ type: '=~', name: '__name__', value: '.+' }], -Infinity, Infinity);
      for (const [k, f] of fx.entries()) {
        assert.deepEqual(Array.from(got[k]!.timestamps), f.floats.ts);
        assert.deepEqual(got[k]!.histograms!.values.map(noHint), f.hists.map((s) => noHint(asFloat(s))));
      }
    } finally {
      c.close();
    }
  } finally {
    await dir.cleanup();
  }
});

test('promtool 2.42 lists and analyzes our histogram block; its dump prints float samples only, up to a histogram', async () => {
  const dir = await tempDir('obspath-hblock-');
  try {
    const fx = fixtures(START, 480);
    const blockDir = await writeBlock(dir.path, fx, START, START + 2 * HOUR);
    const ulid = blockDir.slice(dir.path.length + 1);
    const list = await run('promtool', ['tsdb', 'list', dir.path]);
    assert.match(list.stdout, new RegExp(`^${ulid}\\s+${START}\\s+${START + 2 * HOUR}\\s+2h0m0s\\s+960\\s+\\d+\\s+2\\s`, 'm'));
    await mkdir(join(dir.path, 'wal'));
    // analyze --extended loads every chunk (encoding byte and CRC checked by chunkenc.FromData) and counts samples.
    const analyze = await run('promtool', ['tsdb', 'analyze', '--extended', dir.path, ulid]);
    assert.match(analyze.stdout, /Series: 2\b/);
    assert.match(analyze.stdout, /Compaction analysis:/);
    // 2.42's dump iterates while the iterator yields floats (cmd/promtool/tsdb.go dumpSamples), so it prints a
    // series' floats up to its first histogram and nothing of a histogram-only series: exactly that.
    const dump = await run('promtool', ['tsdb', 'dump', dir.path]);
    const mixed = fx[1]!;
    const want = mixed.floats.ts.slice(0, 50).map((t, i) => `${labelsText(mixed.labels)} ${goG(mixed.floats.vals[i]!)} ${t}`);
    assert.deepEqual(dump.stdout.trimEnd().split('\n'), want);
  } finally {
    await dir.cleanup();
  }
});

test('Prometheus 2.42 with native histograms answers queries on our block with our histograms', async () => {
  const dir = await tempDir('obspath-hblock-');
  try {
    const fx = fixtures(START, 480);
    const data = join(dir.path, 'data');
    await mkdir(data);
    const blockDir = await writeBlock(dir.path, fx, START, START + 2 * HOUR);
    await cp(blockDir, join(data, blockDir.slice(dir.path.length + 1)), { recursive: true });
    const prom = await startPrometheusOn(data, dir.path);
    try {
      for (const i of [50, 51, 170, 299]) {
        const t = START + i * STEP;
        for (const f of fx) {
          const want = asFloat(f.hists.find((s) => s.t === t)!);
          const res = (await query(prom.url, f.labels[0]!.value, t)) as Array<{ histogram: [number, PromHistogram] }>;
          assert.equal(res.length, 1, `${f.labels[0]!.value} at sample ${i}`);
          assert.deepEqual(summary(res[0]!.histogram[1]), ourSummary(want), `${f.labels[0]!.value} at sample ${i}`);
        }
      }
      const counts = (await query(prom.url, 'histogram_count(mixed)', START + 123 * STEP)) as Array<{ value: [number, string] }>;
      assert.equal(counts[0]!.value[1], String(intHistogram(123).count));
    } finally {
      await prom.stop();
    }
  } finally {
    await dir.cleanup();
  }
});

interface PromHistogram {
  count: string;
  sum: string;
  buckets?: Array<[number, string, string, string]>;
}

/** Prometheus's JSON lists non-empty buckets from the most negative to the most positive, the zero bucket
 *  (boundary rule 3, [-threshold, threshold]) between the negative and the positive ones. */
function summary(h: PromHistogram): string[] {
  return [h.count, h.sum, ...(h.buckets ?? []).map((b) => (b[0] === 3 ? `zero:${b[3]}` : `${Number(b[1]) < 0 ? '-' : '+'}${b[3]}`))];
}

function ourSummary(h: FloatHistogram): string[] {
  const out = [String(h.count), String(h.sum)];
  for (const v of [...h.negativeBuckets].reverse()) if (v !== 0) out.push(`-${v}`);
  if (h.zeroCount !== 0) out.push(`zero:${h.zeroCount}`);
  for (const v of h.positiveBuckets) if (v !== 0) out.push(`+${v}`);
  return out;
}

async function query(url: string, q: string, t: number): Promise<unknown> {
  const res = await request(`${url}/api/v1/query?${new URLSearchParams({ query: q, time: String(t / 1000) })}`);
  const body = (await res.body.json()) as { status: string; data: { result: unknown } };
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data.result;
}

async function startPrometheusOn(data: string, dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, 'global:\n  scrape_interval: 15s\n');
  const proc = startProcess('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${data}`, `--web.listen-address=127.0.0.1:${port}`, '--enable-feature=native-histograms']);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(() => httpOk(`${url}/-/ready`), 30_000, 'prometheus ready').catch((err: unknown) => {
    throw new Error(`${String(err)}\n${proc.output()}`);
  });
  return { url, stop: () => proc.stop() };
}
