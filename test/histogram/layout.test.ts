// Bucket iterators, bucket bounds, integer-histogram layout operations and validation against Prometheus 3.5's own
// test tables (model/histogram/float_histogram_test.go, histogram_test.go, generic_test.go; transcribed in cases/).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allBuckets,
  allBucketsDescending,
  compactIntegerHistogram,
  getBoundExponential,
  histogramToFloat,
  HistogramValidationError,
  negativeBuckets,
  positiveBuckets,
  reduceIntegerResolution,
  reduceSpansResolution,
  validateFloatHistogram,
  validateHistogram,
  type FloatHistogram,
  type HistogramBucket,
} from '../../src/histogram/index.js';
import { ALL_ITERATOR_CASES, ALL_REVERSE_ITERATOR_CASES, BOUND_CASES, CUSTOM_ITERATOR_CASES } from './cases/iterators.js';
import { INT_COMPACT_CASES, INT_REDUCE_RESOLUTION_CASES, REDUCE_ABSOLUTE_CASES, REDUCE_DELTAS_CASES } from './cases/int-layout.js';
import { VALIDATION_CASES } from './cases/validation.js';
import { clone, fh, sp } from './helpers.js';

describe('getBoundExponential (generic_test.go TestGetBoundExponential)', () => {
  for (const { idx, schema, want } of BOUND_CASES) {
    test(`idx ${idx} schema ${schema}`, () => assert.equal(getBoundExponential(idx, schema), want));
  }
});

/** The all-bucket order as the Go tests build it from the one-sided iterators (zero-threshold clamping included). */
function expectedAll(h: FloatHistogram, c: { includeNeg: boolean; includeZero: boolean; includePos: boolean }): HistogramBucket[] {
  const out: HistogramBucket[] = [];
  if (c.includeNeg) {
    for (const b of negativeBuckets(h).reverse()) out.push(c.includeZero && b.upper > -h.zeroThreshold ? { ...b, upper: -h.zeroThreshold } : b);
  }
  if (c.includeZero) out.push({ lower: -h.zeroThreshold, upper: h.zeroThreshold, lowerInclusive: true, upperInclusive: true, count: h.zeroCount, index: 0 });
  if (c.includePos) {
    for (const b of positiveBuckets(h)) out.push(c.includeZero && b.lower < h.zeroThreshold ? { ...b, lower: h.zeroThreshold } : b);
  }
  return out;
}

describe('allBuckets (TestAllFloatBucketIterator)', () => {
  ALL_ITERATOR_CASES.forEach((c, i) => test(`case ${i}`, () => assert.deepEqual(allBuckets(c.h), expectedAll(c.h, c))));
});

describe('allBucketsDescending (TestAllReverseFloatBucketIterator)', () => {
  ALL_REVERSE_ITERATOR_CASES.forEach((c, i) => test(`case ${i}`, () => assert.deepEqual(allBucketsDescending(c.h), expectedAll(c.h, c).reverse())));
});

describe('custom bucket iterators (TestFloatCustomBucketsIterators)', () => {
  CUSTOM_ITERATOR_CASES.forEach((c, i) =>
    test(`case ${i}`, () => {
      assert.deepEqual(allBuckets(c.h), c.expPositiveBuckets);
      assert.deepEqual(allBucketsDescending(c.h), c.expPositiveBuckets.slice().reverse());
      assert.deepEqual(positiveBuckets(c.h), c.expPositiveBuckets);
      assert.deepEqual(negativeBuckets(c.h), []);
    }),
  );
});

test('positive and negative buckets of a lower target schema (TestFloatBucketIteratorTargetSchema, through reduceResolution)', () => {
  // The Go test iterates schema 1 at target schema -1; the same merge is reduceSpansResolution + the bounds.
  const h = fh({
    count: 405, sum: 1008.4, schema: 1,
    positiveSpans: [sp(0, 4), sp(1, 3), sp(2, 3)], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33],
    negativeSpans: [sp(0, 3), sp(7, 4), sp(1, 3)], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33],
  });
  const pos = reduceSpansResolution(h.positiveSpans, h.positiveBuckets, 1, -1, false);
  const neg = reduceSpansResolution(h.negativeSpans, h.negativeBuckets, 1, -1, false);
  const low = { ...h, schema: -1, positiveSpans: pos.spans, positiveBuckets: pos.buckets, negativeSpans: neg.spans, negativeBuckets: neg.buckets };
  assert.deepEqual(positiveBuckets(low).map((b) => [b.lower, b.upper, b.count, b.index]), [[0.25, 1, 100, 0], [1, 4, 522, 1], [4, 16, 68, 2], [16, 64, 322, 3]]);
  assert.deepEqual(negativeBuckets(low).map((b) => [b.lower, b.upper, b.count, b.index]), [[-1, -0.25, 10, 0], [-4, -1, 1264, 1], [-64, -16, 184, 3], [-256, -64, 791, 4], [-1024, -256, 33, 5]]);
});

describe('integer histograms: compactIntegerHistogram (histogram_test.go TestHistogramCompact)', () => {
  for (const [name, input, maxEmptyBuckets, expected] of INT_COMPACT_CASES) {
    test(name, () => {
      const before = clone(input);
      const got = compactIntegerHistogram(input, maxEmptyBuckets);
      assert.deepEqual(input, before);
      assert.deepEqual(got, expected);
    });
  }
});

describe('resolution reduction (TestHistogramReduceResolution, TestReduceResolutionHistogram/FloatHistogram)', () => {
  for (const [name, { origin, target }] of INT_REDUCE_RESOLUTION_CASES) {
    test(name, () => assert.deepEqual(reduceIntegerResolution(origin, target.schema), target));
  }
  for (const [i, c] of [...REDUCE_DELTAS_CASES.map((c) => ({ ...c, deltas: true })), ...REDUCE_ABSOLUTE_CASES.map((c) => ({ ...c, deltas: false }))].entries()) {
    test(`spans and buckets, case ${i} (${c.deltas ? 'deltas' : 'absolute'})`, () => {
      const before = clone([c.spans, c.buckets]);
      const got = reduceSpansResolution(c.spans, c.buckets, c.schema, c.targetSchema, c.deltas);
      assert.deepEqual(got, { spans: c.expectedSpans, buckets: c.expectedBuckets });
      assert.deepEqual([c.spans, c.buckets], before);
    });
  }
});

describe('validateHistogram and validateFloatHistogram (histogram_test.go TestHistogramValidation)', () => {
  const check = (validate: () => void, errMsg: string | undefined) => {
    if (errMsg === undefined) return validate();
    assert.throws(validate, (err: unknown) => {
      assert.ok(err instanceof HistogramValidationError);
      assert.equal(err.message, errMsg);
      return true;
    });
  };
  for (const [name, c] of VALIDATION_CASES) {
    test(name, () => {
      check(() => validateHistogram(c.h), c.errMsg);
      if (!c.skipFloat) check(() => validateFloatHistogram(histogramToFloat(c.h)), c.errMsg);
    });
  }
});

test('apiHistogramBuckets: the JSON buckets of util/jsonutil MarshalHistogram (its doc comment example)', async () => {
  const { apiHistogramBuckets } = await import('../../src/histogram/index.js');
  // {count:42 sum:34593.34} with a zero bucket of width 0.25 and positive buckets (0.25,0.5], (0.5,1], (2,4].
  const h = fh({ count: 42, sum: 34593.34, zeroThreshold: 0.25, zeroCount: 3, positiveSpans: [sp(-1, 2), sp(1, 1), sp(0, 1)], positiveBuckets: [12, 21, 6, 0] });
  assert.deepEqual(apiHistogramBuckets(h), [[3, -0.25, 0.25, 3], [0, 0.25, 0.5, 12], [0, 0.5, 1, 21], [0, 2, 4, 6]]);
  const negative = fh({ count: 1, negativeSpans: [sp(0, 1)], negativeBuckets: [1] });
  assert.deepEqual(apiHistogramBuckets(negative), [[1, -1, -0.5, 1]]);
});

test('exponential bounds: every schema 0..8 entry is 2^(i/2^schema - 1) within a few ulps (V8\'s 2**x is off by up to ~2 ulps, hence Prometheus\'s table), and bounds double every 2^schema buckets', () => {
  for (let schema = 0; schema <= 8; schema++) {
    const n = 2 ** schema;
    for (let i = 0; i < n; i++) {
      const exact = 2 ** (i / n - 1);
      assert.ok(Math.abs(getBoundExponential(i - n, schema) - exact) <= 4 * Number.EPSILON * exact, `schema ${schema} index ${i}`);
      assert.equal(getBoundExponential(i + 5 * n, schema), getBoundExponential(i, schema) * 32);
    }
  }
  // The last finite bucket ends at MaxFloat64 in every schema; the next one (±Inf observations) at +Inf.
  for (let schema = -4; schema <= 8; schema++) {
    const idx = schema < 0 ? 1024 / 2 ** -schema : 1024 * 2 ** schema;
    assert.equal(getBoundExponential(idx, schema), Number.MAX_VALUE, `schema ${schema}`);
    assert.equal(getBoundExponential(idx + 1, schema), Infinity);
  }
});
