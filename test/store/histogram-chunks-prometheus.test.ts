// Known bytes from Prometheus itself: Debian's Prometheus 2.42 (native histograms on) receives integer and
// float histogram series over remote write, cuts and memory-maps their head chunks to chunks_head/ (the very
// chunk encodings blocks hold), and shuts down. Our appenders, fed the same samples and cut where Prometheus
// cut, must produce byte-identical chunks: header, layout, recodes and counter-reset chunks included.
// Also measures bytes per histogram sample for a realistic latency histogram.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { request } from 'undici';
import { CounterResetHint, histogramToFloat, type FloatHistogram, type Histogram, type Span } from '../../src/histogram/index.js';
import { HistogramAppender } from '../../src/store/chunks/histogram.js';
import { FloatHistogramAppender } from '../../src/store/chunks/float-histogram.js';
import { ENC_FLOAT_HISTOGRAM, ENC_HISTOGRAM } from '../../src/store/chunks/histogram-meta.js';
import { REMOTE_WRITE_HEADERS, snappyCompress } from '../../src/remotewrite/encode.js';
import { startPrometheus } from '../../tools/testing/procs.js';
import { rng } from './util.js';

// prompb (Prometheus 2.42's prompb/types.proto), the parts remote write of histograms needs.
const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Histogram histograms = 4; }
message Label { string name = 1; string value = 2; }
message BucketSpan { sint32 offset = 1; uint32 length = 2; }
message Histogram {
  oneof count { uint64 count_int = 1; double count_float = 2; }
  double sum = 3; sint32 schema = 4; double zero_threshold = 5;
  oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
  repeated BucketSpan negative_spans = 8; repeated sint64 negative_deltas = 9; repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11; repeated sint64 positive_deltas = 12; repeated double positive_counts = 13;
  int32 reset_hint = 14; int64 timestamp = 15;
}`;
const WriteRequest = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('prometheus.WriteRequest');

const SCRAPE_MS = 15_000;
const RESET_AT = 170;

/** A latency histogram as a service would expose it: schema 3, log-normal observations (~5 ms to ~2 s), about
 *  `perScrape` per scrape, so buckets fill in (new buckets appear: recodes) as the tail is explored. */
function latencySeries(n: number, perScrape: number, seed: number, resetAt = -1): Histogram[] {
  const rand = rng(seed);
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
    for (let k = 0; k < perScrape; k++) {
      const u = Math.max(rand(), 1e-12);
      const v = Math.exp(-3 + 0.6 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand())); // seconds
      if (v <= 2 ** -128) zero++;
      else {
        const idx = Math.ceil(Math.log2(v) * 8);
        counts.set(idx, (counts.get(idx) ?? 0) + 1);
      }
      sum += v;
    }
    out.push(toHistogram(counts, zero, sum));
  }
  return out;
}

function toHistogram(counts: Map<number, number>, zero: number, sum: number): Histogram {
  const idx = [...counts.keys()].sort((a, b) => a - b);
  const spans: Span[] = [];
  const deltas: number[] = [];
  let last = 0;
  let prev = 0;
  let count = zero;
  for (const [i, k] of idx.entries()) {
    // Gaps of up to 2 empty buckets are filled in, as client libraries do.
    if (i > 0 && k - last <= 3) {
      for (let g = last + 1; g < k; g++) {
        deltas.push(-prev);
        prev = 0;
      }
      spans[spans.length - 1]!.length += k - last;
    } else spans.push({ offset: i === 0 ? k : k - last - 1, length: 1 });
    deltas.push(counts.get(k)! - prev);
    prev = counts.get(k)!;
    count += prev;
    last = k;
  }
  return {
    counterResetHint: CounterResetHint.Unknown, schema: 3, zeroThreshold: 2 ** -128, zeroCount: zero, count, sum,
    positiveSpans: spans, negativeSpans: [], positiveBuckets: deltas, negativeBuckets: [], customValues: [],
  };
}

function pbHistogram(t: number, h: Histogram | FloatHistogram, float: boolean): Record<string, unknown> {
  const common = { sum: h.sum, schema: h.schema, zero_threshold: h.zeroThreshold, positive_spans: h.positiveSpans, negative_spans: h.negativeSpans, timestamp: t };
  if (float) return { ...common, count_float: h.count, zero_count_float: h.zeroCount, positive_counts: h.positiveBuckets, negative_counts: h.negativeBuckets };
  return { ...common, count_int: h.count, zero_count_int: h.zeroCount, positive_deltas: h.positiveBuckets, negative_deltas: h.negativeBuckets };
}

interface HeadChunk {
  encoding: number;
  minT: number;
  maxT: number;
  data: Buffer;
}

/** Chunk records of Prometheus's chunks_head files: series ref, mint, maxt (8 bytes each), encoding, uvarint
 *  length, data, CRC32 (tsdb/chunks/head_chunks.go). */
async function readHeadChunks(dir: string): Promise<HeadChunk[]> {
  const out: HeadChunk[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const b = await readFile(join(dir, name));
    assert.equal(b.readUInt32BE(0), 0x0130bc91, 'head chunk file magic');
    let p = 8;
    while (p + 25 < b.length) {
      const minT = Number(b.readBigInt64BE(p + 8));
      const maxT = Number(b.readBigInt64BE(p + 16));
      const encoding = b[p + 24]!;
      if (encoding === 0) break;
      p += 25;
      let len = 0;
      for (let shift = 0; ; shift += 7) {
        const x = b[p++]!;
        len += (x & 0x7f) * 2 ** shift;
        if (x < 0x80) break;
      }
      out.push({ encoding, minT, maxT, data: b.subarray(p, p + len) });
      p += len + 4;
    }
  }
  return out;
}

/** Our chunks for the samples, cut where Prometheus cut (its head cuts by time too), each new chunk told its
 *  predecessor as Prometheus's head does (that sets the counter-reset header). */
function ourChunks(ts: number[], hs: Array<Histogram | FloatHistogram>, float: boolean, cutAt: Set<number>): { chunks: HeadChunk[]; recodes: number } {
  const done: HeadChunk[] = [];
  let recodes = 0;
  let app: HistogramAppender | FloatHistogramAppender = float ? new FloatHistogramAppender() : new HistogramAppender();
  const close = (a: HistogramAppender | FloatHistogramAppender): void => {
    done.push({ encoding: float ? ENC_FLOAT_HISTOGRAM : ENC_HISTOGRAM, minT: a.minT, maxT: a.maxT, data: Buffer.from(a.bytes()) });
  };
  for (let i = 0; i < ts.length; i++) {
    if (app.num > 0 && cutAt.has(ts[i]!)) {
      const prev = app;
      app = float ? new FloatHistogramAppender() : new HistogramAppender();
      const r = float
        ? (app as FloatHistogramAppender).append(ts[i]!, hs[i]!, prev as FloatHistogramAppender)
        : (app as HistogramAppender).append(ts[i]!, hs[i]!, prev as HistogramAppender);
      close(prev);
      app = r.app;
      continue;
    }
    const r = float ? (app as FloatHistogramAppender).append(ts[i]!, hs[i]!) : (app as HistogramAppender).append(ts[i]!, hs[i]!);
    if (r.outcome === 'cut') close(app);
    if (r.outcome === 'recoded') recodes++;
    app = r.app;
  }
  close(app);
  return { chunks: done, recodes };
}

test('our histogram chunks are byte-identical to the ones Prometheus 2.42 cuts from the same samples', async (t) => {
  const prom = await startPrometheus({ extraArgs: ['--enable-feature=native-histograms'] });
  try {
    const n = 400;
    const start = Math.floor((Date.now() - 3 * 3600_000) / 7_200_000) * 7_200_000; // a 2h boundary: cuts by sample count only
    const ts = Array.from({ length: n }, (_, i) => start + i * SCRAPE_MS);
    const ints = latencySeries(n, 40, 7, RESET_AT);
    const floats = latencySeries(n, 25, 8).map((h) => {
      const f = histogramToFloat(h);
      return { ...f, count: f.count * 0.5, zeroCount: f.zeroCount * 0.5, positiveBuckets: f.positiveBuckets.map((v) => v * 0.5) };
    });
    const body = WriteRequest.encode(WriteRequest.fromObject({
      timeseries: [
        { labels: [{ name: '__name__', value: 'lat_int' }], histograms: ts.map((x, i) => pbHistogram(x, ints[i]!, false)) },
        { labels: [{ name: '__name__', value: 'lat_float' }], histograms: ts.map((x, i) => pbHistogram(x, floats[i]!, true)) },
      ],
    })).finish();
    const res = await request(`${prom.url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: snappyCompress(body) });
    assert.equal(res.statusCode, 204, await res.body.text());
    await prom.proc.stop(); // a clean shutdown flushes the memory-mapped chunks
    const theirs = await readHeadChunks(join(prom.dir, 'data', 'chunks_head'));
    for (const [enc, hs, float] of [[ENC_HISTOGRAM, ints, false], [ENC_FLOAT_HISTOGRAM, floats, true]] as const) {
      const got = theirs.filter((c) => c.encoding === enc);
      assert.ok(got.length >= 2, `Prometheus memory-mapped ${got.length} chunks of encoding ${enc}`);
      // Cut where Prometheus started a chunk and after the last sample of each of its chunks (the open head
      // chunk that follows the last memory-mapped one is not on disk).
      const cuts = new Set([...got.map((c) => c.minT), ...got.map((c) => c.maxT + SCRAPE_MS)]);
      const { chunks: mine, recodes } = ourChunks(ts, hs, float, cuts);
      assert.ok(recodes > 0, 'new buckets appeared mid-chunk: the chunks were recoded');
      for (const [i, c] of got.entries()) {
        assert.deepEqual([mine[i]!.minT, mine[i]!.maxT], [c.minT, c.maxT], `chunk ${i} range`);
        assert.equal(mine[i]!.data.toString('hex'), c.data.toString('hex'), `chunk ${i} of encoding ${enc}: bytes`);
      }
      const samples = got.reduce((a, c) => a + c.data.readUInt16BE(0), 0);
      const bytes = got.reduce((a, c) => a + c.data.length, 0);
      const buckets = countBuckets(hs[hs.length - 1]!.positiveSpans);
      t.diagnostic(`${float ? 'float' : 'integer'} histograms (schema 3, ${buckets} buckets at the end): ${got.length} chunks, ` +
        `${samples} samples, ${bytes} bytes, ${(bytes / samples).toFixed(2)} bytes/sample, identical in Prometheus 2.42 and ours (${recodes} recodes); ` +
        `headers ${got.map((c) => c.data[2]!.toString(2).padStart(8, '0').slice(0, 2)).join(' ')}`);
    }
    // The counter reset starts a chunk whose header says so, in Prometheus's and in ours.
    const resetChunk = theirs.find((c) => c.encoding === ENC_HISTOGRAM && c.minT === ts[RESET_AT]);
    assert.ok(resetChunk !== undefined, 'Prometheus memory-mapped the chunk starting at the reset');
    assert.equal(resetChunk.data[2]! >> 6, 0b10);
  } finally {
    await prom.stop();
  }
});

function countBuckets(spans: readonly Span[]): number {
  return spans.reduce((a, s) => a + s.length, 0);
}
