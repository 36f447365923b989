// histogramEquals (Prometheus 3.5's TestFloatHistogramEquals and, through ToFloat, TestHistogramEquals in
// model/histogram/*_test.go) and the validation rules beyond Prometheus 3.5's own table (later 3.x checks, messages).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFloatHistogram,
  histogramEquals,
  histogramToFloat,
  HistogramValidationError,
  validateFloatHistogram,
  validateHistogram,
  type FloatHistogram,
} from '../../src/histogram/index.js';
import { fh, ih, sp } from './helpers.js';

const equals = (a: FloatHistogram, b: FloatHistogram) => assert.ok(histogramEquals(a, b) && histogramEquals(b, a));
const notEquals = (a: FloatHistogram, b: FloatHistogram) => assert.ok(!histogramEquals(a, b) && !histogramEquals(b, a));
const with_ = (h: FloatHistogram, change: (c: FloatHistogram) => void) => {
  const c = copyFloatHistogram(h);
  change(c);
  return c;
};

describe('histogramEquals (TestFloatHistogramEquals)', () => {
  const h1 = fh({ schema: 3, count: 2.2, sum: 9.7, zeroThreshold: 0.1, zeroCount: 1.1, positiveBuckets: [3], negativeBuckets: [4] });
  test('copies are equal', () => equals(h1, copyFloatHistogram(h1)));
  test('NaN counts and buckets equal only themselves', () => {
    for (const change of [(c: FloatHistogram) => (c.count = NaN), (c: FloatHistogram) => (c.zeroCount = NaN), (c: FloatHistogram) => (c.positiveBuckets[0] = NaN), (c: FloatHistogram) => (c.negativeBuckets[0] = NaN)]) {
      const n = with_(h1, change);
      notEquals(h1, n);
      equals(n, n);
    }
  });
  test('custom values of an exponential histogram are ignored', () => equals(h1, { ...h1, customValues: [1, 2, 3] }));
  const cbh1 = fh({ schema: -53, count: 2.2, sum: 9.7, positiveSpans: [sp(0, 1)], positiveBuckets: [3], customValues: [1, 2, 3] });
  test('custom buckets: other bounds, negative buckets or a zero bucket differ', () => {
    validateFloatHistogram(cbh1);
    equals(cbh1, copyFloatHistogram(cbh1));
    notEquals(cbh1, { ...cbh1, customValues: [1, 2, 3, 4] });
    notEquals(cbh1, { ...cbh1, negativeSpans: [sp(0, 1)], negativeBuckets: [1] });
    notEquals(cbh1, { ...cbh1, zeroThreshold: 0.1, zeroCount: 10 });
  });
});

describe('histogramEquals (TestHistogramEquals, after ToFloat)', () => {
  const int1 = ih({ schema: 3, count: 62, sum: 2.7, zeroThreshold: 0.1, zeroCount: 42, positiveSpans: [sp(0, 4), sp(10, 3)], positiveBuckets: [1, 2, -2, 1, -1, 0, 0], negativeSpans: [sp(0, 4), sp(10, 3)], negativeBuckets: [1, 2, -2, 1, -1, 0, 0] });
  const h1 = histogramToFloat(int1);
  test('the same layout written with empty spans is equal', () => {
    validateHistogram(int1);
    equals(h1, { ...h1, positiveSpans: [...h1.positiveSpans, { offset: 5, length: 0 }], negativeSpans: [...h1.negativeSpans, { offset: 2, length: 0 }] });
    equals(h1, { ...h1, positiveSpans: [sp(0, 4), sp(1, 0), sp(3, 0), sp(6, 3)], negativeSpans: [sp(0, 4), sp(2, 0), sp(3, 0), sp(5, 3)] });
  });
  test('every field and layout change differs', () => {
    notEquals(h1, fh());
    for (const change of [
      (c: FloatHistogram) => (c.schema = 1),
      (c: FloatHistogram) => c.count++,
      (c: FloatHistogram) => c.sum++,
      (c: FloatHistogram) => c.zeroThreshold++,
      (c: FloatHistogram) => c.zeroCount++,
      (c: FloatHistogram) => c.positiveBuckets[c.positiveBuckets.length - 1]!++,
      (c: FloatHistogram) => c.negativeBuckets[c.negativeBuckets.length - 1]!++,
      (c: FloatHistogram) => c.positiveSpans[1]!.offset++,
      (c: FloatHistogram) => c.negativeSpans[1]!.offset++,
      // An added empty bucket, an added bucket.
      (c: FloatHistogram) => ([c.positiveSpans[0]!.offset, c.positiveSpans[0]!.length, c.positiveBuckets] = [-1, 5, [0, ...c.positiveBuckets]]),
      (c: FloatHistogram) => ([c.negativeSpans, c.negativeBuckets] = [[...c.negativeSpans, sp(1, 1)], [...c.negativeBuckets, 1]]),
    ]) {
      notEquals(h1, with_(h1, change));
    }
  });
  test('NaN sums: a stale marker differs from another NaN and equals itself', () => {
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, 0x7ff0000000000002n); // Prometheus's StaleNaN
    const stale = { ...h1, sum: view.getFloat64(0) };
    const nan = { ...h1, sum: NaN };
    notEquals(h1, stale);
    equals(stale, stale);
    notEquals(h1, nan);
    equals(nan, nan);
    notEquals(stale, nan);
  });
});

function rejects(validate: () => void, reason: string, message: string): void {
  assert.throws(validate, (err: unknown) => err instanceof HistogramValidationError && err.reason === reason && err.message === message);
}

describe('validation beyond Prometheus 3.5 (checks of later 3.x releases)', () => {
  test('schema outside -4..8 and not -53', () => {
    for (const schema of [9, -5, -52, 100]) {
      const msg = `histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or -53 for custom buckets, got schema ${schema}`;
      rejects(() => validateHistogram(ih({ schema })), 'invalid-schema', msg);
      rejects(() => validateFloatHistogram(fh({ schema })), 'invalid-schema', msg);
    }
  });
  test('NaN custom bounds', () => {
    rejects(() => validateHistogram(ih({ schema: -53, customValues: [1, NaN] })), 'custom-bounds-nan', 'custom buckets: histogram custom bounds must not be NaN');
  });
  test('negative count or zero count of a float histogram', () => {
    rejects(() => validateFloatHistogram(fh({ count: -1 })), 'negative-count', "observation count is  -1: histogram's observation count is negative");
    rejects(() => validateFloatHistogram(fh({ zeroCount: -0.5 })), 'negative-bucket-count', 'zero bucket has observation count of -0.5: histogram has a bucket whose observation count is negative');
  });
});

describe('validation messages (Go formatting)', () => {
  test('custom bounds out of order print with %f, +Inf as last bound', () => {
    rejects(() => validateHistogram(ih({ schema: -53, customValues: [2, 1] })), 'custom-bounds-invalid', 'custom buckets: previous bound is 2.000000 and current is 1.000000: histogram custom bounds must be in strictly increasing order');
    rejects(() => validateHistogram(ih({ schema: -53, customValues: [1, Infinity] })), 'custom-bounds-infinite', 'custom buckets: last +Inf bound must not be explicitly defined: histogram custom bounds must be finite');
  });
  test('float bucket counts print with %v', () => {
    rejects(() => validateFloatHistogram(fh({ positiveSpans: [sp(0, 2)], positiveBuckets: [1, -2.5e-7] })), 'negative-bucket-count', 'positive side: bucket number 2 has observation count of -2.5e-07: histogram has a bucket whose observation count is negative');
  });
  test('float histograms: the count is not compared with the buckets (NaN counts pass, as in Prometheus)', () => {
    validateFloatHistogram(fh({ count: 1, positiveSpans: [sp(0, 1)], positiveBuckets: [5] }));
    validateFloatHistogram(fh({ count: NaN, sum: NaN, positiveSpans: [sp(0, 1)], positiveBuckets: [NaN] }));
  });
});
