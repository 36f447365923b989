// Histogram chunk encodings, ported from Prometheus's tsdb/chunkenc tests (varbit_test.go,
// histogram_meta_test.go, histogram_test.go, float_histogram_test.go at prometheus/prometheus main): the same
// inputs, the same expected read-back (hints included), the same recode/cut decisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitReader, BitWriter } from '../../src/store/chunks/bits.js';
import { putVarbitInt, putVarbitUint, readVarbitInt, readVarbitUint } from '../../src/store/chunks/varbit.js';
import { CounterResetHeader, counterResetHeaderOf, readLayout, writeLayout } from '../../src/store/chunks/histogram-meta.js';
import { HistogramAppender, iterateHistogramChunk } from '../../src/store/chunks/histogram.js';
import { FloatHistogramAppender, iterateFloatHistogramChunk } from '../../src/store/chunks/float-histogram.js';
import { CounterResetHint, histogramToFloat, type Histogram } from '../../src/histogram/index.js';
import { STALE_NAN, isStaleNaN } from '../../src/storage/value.js';

function hist(p: Partial<Histogram>): Histogram {
  return {
    counterResetHint: CounterResetHint.Unknown, schema: 0, zeroThreshold: 0, zeroCount: 0, count: 0, sum: 0,
    positiveSpans: [], negativeSpans: [], positiveBuckets: [], negativeBuckets: [], customValues: [], ...p,
  };
}

test('varbit ints and uints round-trip at every bucket edge (varbit_test.go TestVarbitInt/TestVarbitUint)', () => {
  const ints = [0, 1, -1, 3, 4, -3, -4, 31, 32, -31, -32, 255, 256, -255, -256, 2047, 2048, -2047, -2048,
    131071, 131072, -131071, -131072, 16777215, 16777216, -16777215, -16777216, 2 ** 53 - 1, -(2 ** 53 - 1),
    1_700_000_000_000, -1_700_000_000_000, 36028797018963968 / 2 ** 3];
  const uints = [0, 1, 7, 8, 63, 64, 511, 512, 4095, 4096, 262143, 262144, 33554431, 33554432, 2 ** 53 - 1];
  const w = new BitWriter();
  for (const v of ints) putVarbitInt(w, v);
  for (const v of uints) putVarbitUint(w, v);
  const r = new BitReader(w.bytes, w.pos);
  assert.deepEqual(ints.map(() => readVarbitInt(r)), ints);
  assert.deepEqual(uints.map(() => readVarbitUint(r)), uints);
  assert.equal(r.remaining, 0);
});

test('varbit sizes match the documented buckets (-3..4 in 5 bits, a millisecond timestamp in 8 bytes)', () => {
  const size = (v: number): number => {
    const w = new BitWriter();
    putVarbitInt(w, v);
    return w.pos;
  };
  assert.deepEqual([0, 4, -3, 5, 32, 256, 2048, 131072, 16777216, 1_700_000_000_000].map(size), [1, 5, 5, 9, 9, 13, 17, 24, 32, 64]);
  assert.equal(size(2 ** 56), 72);
});

test('chunk layouts round-trip (histogram_meta_test.go TestWriteReadHistogramChunkLayout)', () => {
  const layouts = [
    { schema: 3, zeroThreshold: 0.001, positiveSpans: [{ offset: -4, length: 3 }, { offset: 2, length: 42 }], negativeSpans: [], customValues: [] },
    { schema: -2, zeroThreshold: 0, positiveSpans: [], negativeSpans: [], customValues: [] },
    { schema: 8, zeroThreshold: 2 ** -128, positiveSpans: [{ offset: 3, length: 5 }], negativeSpans: [{ offset: -1, length: 2 }, { offset: 0, length: 4 }], customValues: [] },
    { schema: 0, zeroThreshold: 1e-100, positiveSpans: [{ offset: 0, length: 1 }], negativeSpans: [], customValues: [] },
    { schema: 0, zeroThreshold: 1024, positiveSpans: [], negativeSpans: [], customValues: [] },
    { schema: -53, zeroThreshold: 0, positiveSpans: [{ offset: 0, length: 4 }], negativeSpans: [], customValues: [-1, 0.005, 2.5, 33554.43, 33554.431, 1e9] },
  ];
  const w = new BitWriter();
  for (const l of layouts) writeLayout(w, l);
  const r = new BitReader(w.bytes, w.pos);
  for (const l of layouts) assert.deepEqual(readLayout(r), l);
  // The default threshold 2^-128 is one byte, 116 (histogram_meta.go's comment).
  const one = new BitWriter();
  writeLayout(one, { schema: 0, zeroThreshold: 2 ** -128, positiveSpans: [], negativeSpans: [], customValues: [] });
  assert.equal(one.finish()[0], 116);
});

function readAll(data: Uint8Array): Array<[number, Histogram]> {
  return [...iterateHistogramChunk(data)];
}

test('same buckets: three histograms, one chunk, hints as Prometheus reads them (TestHistogramChunkSameBuckets)', () => {
  let ts = 1234567890;
  const h1 = hist({
    count: 15, zeroCount: 2, sum: 18.4, zeroThreshold: 1e-100, schema: 1,
    positiveSpans: [{ offset: 0, length: 2 }, { offset: 1, length: 2 }], positiveBuckets: [1, 1, -1, 0],
    negativeSpans: [{ offset: 1, length: 1 }, { offset: 2, length: 3 }], negativeBuckets: [2, 1, -1, -1],
  });
  const app = new HistogramAppender();
  assert.equal(app.append(ts, h1).outcome, 'appended');
  const h2 = { ...h1, count: 32, zeroCount: 3, sum: 24.4, positiveBuckets: [5, -2, 1, -2], negativeBuckets: [4, -1, 1, -1] };
  assert.equal(app.append(ts + 16, h2).outcome, 'appended');
  const h3 = { ...h2, count: 54, zeroCount: 5, sum: 24.4, positiveBuckets: [6, 1, -3, 6], negativeBuckets: [5, 1, -2, 3] };
  assert.equal(app.append(ts + 30, h3).outcome, 'appended');
  const got = readAll(app.bytes());
  const nr = CounterResetHint.NotCounterReset;
  assert.deepEqual(got, [[ts, h1], [ts + 16, { ...h2, counterResetHint: nr }], [ts + 30, { ...h3, counterResetHint: nr }]]);
  assert.deepEqual([...iterateFloatHistogramChunkOf(got)], got.map(([t, h]) => [t, histogramToFloat(h)]));
  ts = 0;
});

function* iterateFloatHistogramChunkOf(got: Array<[number, Histogram]>): Generator<[number, ReturnType<typeof histogramToFloat>]> {
  const app = new FloatHistogramAppender();
  let cur = app;
  for (const [t, h] of got) cur = cur.append(t, histogramToFloat(h)).app;
  yield* iterateFloatHistogramChunk(cur.bytes());
}

test('bucket changes: new buckets recode the chunk to the wider layout (TestHistogramChunkBucketChanges)', () => {
  const ts1 = 1234567890;
  const h1 = hist({
    count: 27, zeroCount: 2, sum: 18.4, zeroThreshold: 1e-125, schema: 1,
    positiveSpans: [{ offset: 0, length: 2 }, { offset: 2, length: 1 }, { offset: 3, length: 2 }, { offset: 3, length: 1 }, { offset: 1, length: 1 }],
    positiveBuckets: [6, -3, 0, -1, 2, 1, -4], negativeSpans: [{ offset: 1, length: 1 }], negativeBuckets: [1],
  });
  const h2 = {
    ...h1, count: 35, zeroCount: 3, sum: 30,
    positiveSpans: [{ offset: 0, length: 3 }, { offset: 1, length: 1 }, { offset: 1, length: 4 }, { offset: 3, length: 3 }],
    negativeSpans: [{ offset: 0, length: 2 }],
    positiveBuckets: [7, -2, -4, 2, -2, -1, 2, 3, 0, -5, 1], negativeBuckets: [2, -1],
  };
  const app = new HistogramAppender();
  app.append(ts1, h1);
  const { app: recoded, outcome } = app.append(ts1 + 16, h2);
  assert.equal(outcome, 'recoded');
  assert.equal(recoded.num, 2);
  const want1 = { ...h1, positiveSpans: h2.positiveSpans, positiveBuckets: [6, -3, -3, 3, -3, 0, 2, 2, 1, -5, 1], negativeSpans: h2.negativeSpans, negativeBuckets: [0, 1] };
  assert.deepEqual(readAll(recoded.bytes()), [[ts1, want1], [ts1 + 16, { ...h2, counterResetHint: CounterResetHint.NotCounterReset }]]);
  assert.equal(readAll(app.bytes()).length, 1, 'the old chunk is untouched');
});

test('a counter reset, a vanished used bucket, a schema change each start a new chunk with Prometheus headers', () => {
  const base = hist({ schema: 0, count: 10, zeroCount: 1, sum: 5, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [4, 1] });
  const cases: Array<[string, Histogram, number]> = [
    ['count drops', { ...base, count: 9 }, CounterResetHeader.CounterReset],
    ['a bucket drops', { ...base, count: 11, positiveBuckets: [3, 3] }, CounterResetHeader.CounterReset],
    ['a used bucket vanishes', { ...base, count: 11, positiveSpans: [{ offset: 1, length: 1 }], positiveBuckets: [9] }, CounterResetHeader.CounterReset],
    ['zero count drops', { ...base, count: 11, zeroCount: 0 }, CounterResetHeader.CounterReset],
    ['explicit reset hint', { ...base, count: 20, counterResetHint: CounterResetHint.CounterReset }, CounterResetHeader.CounterReset],
    ['schema change', { ...base, count: 11, schema: 1 }, CounterResetHeader.Unknown],
    ['zero threshold change', { ...base, count: 11, zeroThreshold: 0.5 }, CounterResetHeader.Unknown],
  ];
  for (const [name, next, header] of cases) {
    const app = new HistogramAppender();
    app.append(1000, base);
    const r = app.append(2000, next);
    assert.equal(r.outcome, 'cut', name);
    assert.equal(counterResetHeaderOf(r.app.bytes()), header, name);
    assert.deepEqual(readAll(r.app.bytes()), [[2000, { ...next, counterResetHint: CounterResetHint.Unknown }]], name);
  }
});

test('a bucket that empties out may vanish: the sample is widened with the empty bucket (backward insert)', () => {
  const a = hist({ count: 4, positiveSpans: [{ offset: 0, length: 3 }], positiveBuckets: [2, -2, 2] }); // 2 0 2
  const b = hist({ count: 6, positiveSpans: [{ offset: 0, length: 1 }, { offset: 1, length: 1 }], positiveBuckets: [3, 0] }); // 3 _ 3
  const app = new HistogramAppender();
  app.append(1, a);
  const r = app.append(2, b);
  assert.equal(r.outcome, 'appended');
  const got = readAll(r.app.bytes());
  assert.deepEqual(got[1]![1].positiveSpans, [{ offset: 0, length: 3 }]);
  assert.deepEqual(got[1]![1].positiveBuckets, [3, -3, 3]);
});

test('stale markers: only stale samples may follow one in a chunk; they read back as a bare stale sum', () => {
  const h = hist({ count: 3, sum: 1, positiveSpans: [{ offset: 0, length: 1 }], positiveBuckets: [3] });
  const app = new HistogramAppender();
  app.append(1, h);
  assert.equal(app.append(2, hist({ sum: STALE_NAN })).outcome, 'appended');
  assert.equal(app.append(3, hist({ sum: STALE_NAN })).outcome, 'appended');
  assert.equal(app.append(4, h).outcome, 'cut');
  const got = readAll(app.bytes());
  assert.equal(got.length, 3);
  assert.ok(isStaleNaN(got[1]![1].sum) && isStaleNaN(got[2]![1].sum));
  assert.deepEqual(got[2]![1].positiveBuckets, []);
  const f = new FloatHistogramAppender();
  f.append(1, histogramToFloat(h));
  assert.equal(f.append(2, histogramToFloat(hist({ sum: STALE_NAN }))).outcome, 'appended');
  const fg = [...iterateFloatHistogramChunk(f.bytes())];
  assert.ok(isStaleNaN(fg[1]![1].sum));
});

test('gauge histograms share one gauge chunk and take the union of layouts (TestHistogramChunkAppendableGauge)', () => {
  const g = (p: Partial<Histogram>): Histogram => hist({ counterResetHint: CounterResetHint.Gauge, ...p });
  const app = new HistogramAppender();
  app.append(1, g({ count: 5, positiveSpans: [{ offset: 0, length: 2 }], positiveBuckets: [3, -1] }));
  // Fewer buckets, lower counts: still the same gauge chunk, widened.
  const r = app.append(2, g({ count: 1, positiveSpans: [{ offset: 1, length: 2 }], positiveBuckets: [1, 0] }));
  assert.equal(r.outcome, 'recoded');
  const got = readAll(r.app.bytes());
  assert.equal(counterResetHeaderOf(r.app.bytes()), CounterResetHeader.Gauge);
  assert.deepEqual(got.map(([, h]) => [h.counterResetHint, h.positiveSpans, h.positiveBuckets]), [
    [CounterResetHint.Gauge, [{ offset: 0, length: 3 }], [3, -1, -2]],
    [CounterResetHint.Gauge, [{ offset: 0, length: 3 }], [0, 1, 0]],
  ]);
  assert.equal(r.app.append(3, hist({ count: 9 })).outcome, 'cut', 'a counter histogram does not join a gauge chunk');
});

test('float histograms: same cases, absolute buckets (float_histogram_test.go TestFloatHistogramChunkBucketChanges)', () => {
  const h1 = histogramToFloat(hist({
    count: 27, zeroCount: 2, sum: 18.4, zeroThreshold: 1e-125, schema: 1,
    positiveSpans: [{ offset: 0, length: 2 }, { offset: 2, length: 1 }, { offset: 3, length: 2 }, { offset: 3, length: 1 }, { offset: 1, length: 1 }],
    positiveBuckets: [6, -3, 0, -1, 2, 1, -4], negativeSpans: [{ offset: 1, length: 1 }], negativeBuckets: [1],
  }));
  const h2 = {
    ...h1, count: 35.5, zeroCount: 3, sum: 30,
    positiveSpans: [{ offset: 0, length: 3 }, { offset: 1, length: 1 }, { offset: 1, length: 4 }, { offset: 3, length: 3 }],
    negativeSpans: [{ offset: 0, length: 2 }],
    positiveBuckets: [7, 5, 1, 3, 1, 0, 2, 5, 5, 0, 1.5], negativeBuckets: [2, 1],
  };
  const app = new FloatHistogramAppender();
  app.append(1234567890, h1);
  const r = app.append(1234567906, h2);
  assert.equal(r.outcome, 'recoded');
  const got = [...iterateFloatHistogramChunk(r.app.bytes())];
  const want1 = { ...h1, positiveSpans: h2.positiveSpans, positiveBuckets: [6, 3, 0, 3, 0, 0, 2, 4, 5, 0, 1], negativeSpans: h2.negativeSpans, negativeBuckets: [0, 1] };
  assert.deepEqual(got, [[1234567890, want1], [1234567906, { ...h2, counterResetHint: CounterResetHint.NotCounterReset }]]);
  const reset = r.app.append(1234567920, { ...h2, count: 1 });
  assert.equal(reset.outcome, 'cut');
  assert.equal(counterResetHeaderOf(reset.app.bytes()), CounterResetHeader.CounterReset);
});

test('schemas 9..52 read back at schema 8, unknown schemas are refused (TestHistogramIteratorReduceSchema, ...FailIfSchemaInValid)', () => {
  const base = { count: 10, sum: 15, zeroThreshold: 1e-100, positiveSpans: [{ offset: 0, length: 2 }, { offset: 1, length: 2 }], positiveBuckets: [1, 1, 1, 1] };
  for (const schema of [9, 52]) {
    const app = new HistogramAppender();
    app.append(1, hist({ ...base, schema }));
    const [[, h]] = readAll(app.bytes()) as [[number, Histogram]];
    assert.equal(h.schema, 8);
    assert.equal(histogramToFloat(h).positiveBuckets.reduce((a, b) => a + b, 0), 1 + 2 + 3 + 4, 'no observation lost');
    const f = new FloatHistogramAppender();
    f.append(1, histogramToFloat(hist({ ...base, schema })));
    const [[, fh]] = [...iterateFloatHistogramChunk(f.bytes())];
    assert.deepEqual(fh, histogramToFloat(h));
  }
  for (const schema of [-101, 101]) {
    const app = new HistogramAppender();
    app.append(1, hist({ ...base, schema }));
    assert.throws(() => readAll(app.bytes()), /unknown schema/);
  }
});
