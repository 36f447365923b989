// Remote write -> head -> cut -> block -> query, for native histograms: counter histograms that grow (new
// buckets appear, one counter reset), float histograms with custom buckets (schema -53), and floats, written
// through the store's remote-write ingest; after the head is cut, the blocks on disk hold integer and float
// histogram chunks (read here with the block reader alone), and the store answers with the very histograms
// written, before and after a restart. Also measures the blocks' bytes per histogram sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Store, ingestRemoteWrite, encodeWriteRequest } from '../../src/store/index.js';
import { histogramToFloat } from '../../src/histogram/convert.js';
import { CounterResetHint, type FloatHistogram, type Histogram } from '../../src/histogram/model.js';
import type { WireHistogram } from '../../src/remotewrite/histogram-proto.js';
import { Block } from '../../src/store/block/block.js';
import { ENC_FLOAT_HISTOGRAM, ENC_HISTOGRAM } from '../../src/store/chunks/histogram-meta.js';
import { tempDir } from '../../tools/testing/net.js';
import { rng } from './util.js';

const STEP = 15_000;

/** A growing counter histogram (schema 2): each scrape adds observations, now and then in a new bucket. */
function counterSeries(n: number, seed: number, resetAt: number): Histogram[] {
  const r = rng(seed);
  const counts = new Map<number, number>();
  let zero = 0;
  let sum = 0;
  const out: Histogram[] = [];
  for (let i = 0; i < n; i++) {
    if (i === resetAt) {
      counts.clear();
      zero = 0;
      sum = 0;
    }
    for (let k = 0; k < 20; k++) {
      const idx = Math.round((r() + r() + r()) * 6) - 9; // roughly normal around 0, wider as it goes
      counts.set(idx, (counts.get(idx) ?? 0) + 1);
      sum += 2 ** (idx / 4);
    }
    if (r() < 0.1) zero++;
    const idx = [...counts.keys()].sort((a, b) => a - b);
    const lo = idx[0]!;
    const hi = idx[idx.length - 1]!;
    const abs = Array.from({ length: hi - lo + 1 }, (_, k) => counts.get(lo + k) ?? 0);
    out.push({
      counterResetHint: CounterResetHint.Unknown, schema: 2, zeroThreshold: 2 ** -128, zeroCount: zero, sum,
      count: zero + abs.reduce((a, b) => a + b, 0), positiveSpans: [{ offset: lo, length: abs.length }],
      positiveBuckets: abs.map((v, k) => v - (k === 0 ? 0 : abs[k - 1]!)), negativeSpans: [], negativeBuckets: [], customValues: [],
    });
  }
  return out;
}

function customSeries(n: number): FloatHistogram[] {
  return Array.from({ length: n }, (_, i) => ({
    counterResetHint: CounterResetHint.Unknown, schema: -53, zeroThreshold: 0, zeroCount: 0, count: 10 * i + 2.5, sum: i * 0.75,
    positiveSpans: [{ offset: 0, length: 2 }, { offset: 1, length: 2 }], positiveBuckets: [i, 2.5, 4 * i, 5 * i],
    negativeSpans: [], negativeBuckets: [], customValues: [0.005, 0.01, 0.1, 1, 10],
  }));
}

/** What a histogram says, whatever its layout: a chunk recoded for new buckets hands earlier samples back
 *  with those buckets present and empty, as Prometheus's does (its API leaves empty buckets out, too). */
function meaning(h: FloatHistogram): string {
  const buckets: string[] = [];
  let idx = 0;
  let k = 0;
  for (const sp of h.positiveSpans) {
    idx += sp.offset;
    for (let j = 0; j < sp.length; j++, k++, idx++) if (h.positiveBuckets[k] !== 0) buckets.push(`${idx}:${h.positiveBuckets[k]}`);
  }
  // (The fixtures have no negative buckets.)
  return [h.schema, h.zeroThreshold, h.zeroCount, h.count, h.sum, h.customValues.join(','), buckets.join(' '), h.negativeSpans.length].join(' | ');
}

test('remote-written histograms land in block histogram chunks and read back identical', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir('obspath-hblock-e2e-');
  try {
    const opts = { dir: dir.path, fsync: 'off' as const, maintenanceIntervalMs: 0, retentionMs: 365 * 24 * 3600_000, minBlockDurationMs: 10 * 60_000, outOfBoundsWindowMs: 3600_000 };
    const n = 200;
    const t0 = Math.floor((Date.now() - 55 * 60_000) / 600_000) * 600_000;
    const ts = Array.from({ length: n }, (_, i) => t0 + i * STEP);
    const ints = counterSeries(n, 3, 130);
    const customs = customSeries(n);
    let s = await Store.open(opts);
    for (let i = 0; i < n; i += 20) {
      const win = ts.slice(i, i + 20);
      const res = await ingestRemoteWrite(s, encodeWriteRequest([
        { labels: [{ name: '__name__', value: 'lat' }], timestamps: [], values: [], histograms: win.map((t, k): WireHistogram => ({ timestamp: t, float: false, histogram: ints[i + k]! })) },
        { labels: [{ name: '__name__', value: 'nhcb' }], timestamps: [], values: [], histograms: win.map((t, k): WireHistogram => ({ timestamp: t, float: true, histogram: customs[i + k]! })) },
        { labels: [{ name: '__name__', value: 'up' }], timestamps: win, values: Float64Array.from(win, () => 1) },
      ]), {});
      assert.equal(res.status, 204, res.body);
    }
    await s.compact();
    assert.ok(s.stats().headCompactions >= 2, `the head was cut into blocks: ${JSON.stringify(s.blockRanges())}`);
    const check = (st: Store): void => {
      const got = st.select([{ type: '=~', name: '__name__', value: '.+' }], -Infinity, Infinity);
      const by = (name: string) => got.find((x) => x.labels[0]!.value === name)!;
      assert.deepEqual(Array.from(by('lat').histograms!.timestamps), ts);
      assert.deepEqual(by('lat').histograms!.values.map(meaning), ints.map((h) => meaning(histogramToFloat(h))));
      assert.deepEqual(by('nhcb').histograms!.values.map(meaning), customs.map(meaning));
      assert.equal(by('up').timestamps.length, n);
    };
    check(s);
    await s.close();

    // What the blocks on disk hold, read with the block reader alone.
    const seen = new Map<number, { chunks: number; samples: number; bytes: number }>();
    let resetHeaders = 0;
    for (const name of (await readdir(dir.path)).filter((x) => /^[0-9A-Z]{26}$/.test(x))) {
      const b = new Block(join(dir.path, name));
      try {
        for (const ref of b.index.all()) {
          for (const m of b.index.series(ref).chunks) {
            const { encoding, data } = b.chunks.chunk(m.ref);
            const e = seen.get(encoding) ?? { chunks: 0, samples: 0, bytes: 0 };
            e.chunks++;
            e.samples += data.readUInt16BE(0);
            e.bytes += data.length;
            seen.set(encoding, e);
            if (encoding === ENC_HISTOGRAM && data[2]! >> 6 === 0b10) resetHeaders++;
          }
        }
      } finally {
        b.close();
      }
    }
    const intChunks = seen.get(ENC_HISTOGRAM);
    const floatChunks = seen.get(ENC_FLOAT_HISTOGRAM);
    assert.ok(intChunks !== undefined && floatChunks !== undefined, `blocks hold both histogram encodings: ${JSON.stringify([...seen])}`);
    assert.ok(intChunks.samples > n / 2, `most integer histogram samples are in blocks (${intChunks.samples})`);
    assert.equal(resetHeaders, 1, 'the counter reset starts a chunk whose header says so');
    const buckets = ints[ints.length - 1]!.positiveSpans[0]!.length;
    const fmt = (e: { chunks: number; samples: number; bytes: number }): string => `${e.chunks} chunks, ${e.samples} samples, ${(e.bytes / e.samples).toFixed(2)} bytes/sample`;
    t.diagnostic(`blocks: integer histograms (schema 2, up to ${buckets} buckets): ${fmt(intChunks)}; float custom-bucket histograms (4 buckets): ${fmt(floatChunks)}`);

    s = await Store.open(opts);
    check(s);
    await s.close();
  } finally {
    await dir.cleanup();
  }
});
