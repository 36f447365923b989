// Property-based tests of the histogram library (fast-check): algebraic laws of add/sub/scale/compact/reduce,
// quantile monotonicity, validation of generated and mutated histograms, and the literal round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addHistogram,
  allBuckets,
  compactHistogram,
  compactIntegerHistogram,
  detectReset,
  formatHistogramLiteral,
  histogramEquals,
  histogramFraction,
  histogramQuantile,
  histogramToFloat,
  HistogramValidationError,
  negativeBuckets,
  parseHistogramLiteral,
  positiveBuckets,
  reduceIntegerResolution,
  reduceResolution,
  scaleHistogram,
  subHistogram,
  validateFloatHistogram,
  validateHistogram,
  type FloatHistogram,
} from '../../src/histogram/index.js';
import { customArb, exponentialArb, toIntegerHistogram } from './generators.js';

const RUNS = { numRuns: 300 };
const anyHistogram = fc.oneof(exponentialArb(), customArb());
const sameLayoutPair = fc.oneof(
  fc.tuple(exponentialArb({ zeroThreshold: fc.constant(0) }), exponentialArb({ zeroThreshold: fc.constant(0) })),
  customArb([1, 2, 5, 10]).chain((a) => fc.tuple(fc.constant(a), customArb([1, 2, 5, 10]))),
);

const compactEq = (a: FloatHistogram, b: FloatHistogram) => histogramEquals(compactHistogram(a, 0), compactHistogram(b, 0));

test('a + b - b equals a (at the lower schema of both), compacted', () => {
  fc.assert(
    fc.property(sameLayoutPair, ([a, b]) => {
      const low = a.schema === -53 ? a : reduceResolution(a, Math.min(a.schema, b.schema));
      assert.ok(compactEq(subHistogram(addHistogram(a, b), b), low), formatHistogramLiteral(subHistogram(addHistogram(a, b), b)));
    }),
    RUNS,
  );
});

test('adding histograms with different zero buckets widens the zero bucket and loses no observation', () => {
  const total = (h: FloatHistogram) => h.zeroCount + [...h.positiveBuckets, ...h.negativeBuckets].reduce((x, y) => x + y, 0);
  // As in histograms Prometheus produces, no bucket reaches into the zero bucket (Add ignores such buckets of
  // the second histogram), and zero thresholds are bucket boundaries in every schema (powers of 2^16, like the
  // default 2^-128): Prometheus's zero-bucket reconciliation assumes both.
  const outsideZeroBucket = (h: FloatHistogram) =>
    positiveBuckets(h).every((b) => b.lower >= h.zeroThreshold) && negativeBuckets(h).every((b) => b.upper <= -h.zeroThreshold);
  const arb = exponentialArb({ zeroThreshold: fc.constantFrom(0, 2 ** -128, 2 ** -16, 1, 2 ** 16) }).filter(outsideZeroBucket);
  fc.assert(
    fc.property(arb, arb, (a, b) => {
      const sum = addHistogram(a, b);
      assert.equal(total(sum), total(a) + total(b));
      assert.equal(sum.count, a.count + b.count);
      assert.ok(sum.zeroThreshold >= Math.max(a.zeroThreshold, b.zeroThreshold));
      validateFloatHistogram(sum);
      assert.ok(compactEq(sum, addHistogram(b, a)));
    }),
    RUNS,
  );
});

test('a + b equals b + a', () => {
  fc.assert(fc.property(sameLayoutPair, ([a, b]) => assert.ok(compactEq(addHistogram(a, b), addHistogram(b, a)))), RUNS);
});

test('scaling by 2 equals adding a histogram to itself; scaling by -1 equals 0 - h', () => {
  fc.assert(
    fc.property(anyHistogram, (h) => {
      assert.ok(histogramEquals(scaleHistogram(h, 2), addHistogram(h, h)));
      // 0 - h and -1 × h differ only in the sign of zeros (-0 vs 0), which the notation does not show once compacted.
      const text = (x: FloatHistogram) => formatHistogramLiteral(compactHistogram(x, 0));
      assert.equal(text(scaleHistogram(h, -1)), text(subHistogram(scaleHistogram(h, 0), h)));
    }),
    RUNS,
  );
});

test('compaction is idempotent and keeps every populated bucket', () => {
  const populated = (h: FloatHistogram) => allBuckets(h).filter((b) => b.count !== 0);
  fc.assert(
    fc.property(anyHistogram, fc.integer({ min: 0, max: 4 }), (h, max) => {
      const c = compactHistogram(h, max);
      assert.ok(histogramEquals(compactHistogram(c, max), c));
      assert.deepEqual(populated(c), populated(h));
    }),
    RUNS,
  );
});

test('integer (delta) compaction and resolution reduction agree with the float ones', () => {
  fc.assert(
    fc.property(exponentialArb(), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 6 }), (h, max, down) => {
      const int = toIntegerHistogram(h);
      assert.ok(histogramEquals(histogramToFloat(compactIntegerHistogram(int, max)), compactHistogram(h, max)));
      const target = Math.max(-4, h.schema - down);
      if (target < h.schema) assert.ok(histogramEquals(histogramToFloat(reduceIntegerResolution(int, target)), reduceResolution(h, target)));
    }),
    RUNS,
  );
});

test('reducing the resolution keeps the total count; reducing in two steps equals reducing at once', () => {
  fc.assert(
    fc.property(exponentialArb(), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }), (h, d1, d2) => {
      const s1 = Math.max(-4, h.schema - d1);
      const s2 = Math.max(-4, s1 - d2);
      const sumOf = (x: FloatHistogram) => [...x.positiveBuckets, ...x.negativeBuckets].reduce((a, b) => a + b, 0);
      assert.equal(sumOf(reduceResolution(h, s1)), sumOf(h));
      assert.ok(compactEq(reduceResolution(reduceResolution(h, s1), s2), reduceResolution(h, s2)));
    }),
    RUNS,
  );
});

test('histogram_quantile is monotonic in q', () => {
  fc.assert(
    fc.property(anyHistogram.filter((h) => h.count > 0), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (h, x, y) => {
      const [q1, q2] = x <= y ? [x, y] : [y, x];
      const v1 = histogramQuantile(q1, h);
      const v2 = histogramQuantile(q2, h);
      assert.ok(v1 <= v2 + 1e-9 * Math.abs(v2), `q ${q1} → ${v1} > q ${q2} → ${v2} for ${formatHistogramLiteral(h)}`);
    }),
    RUNS,
  );
});

test('histogram_fraction of (-Inf, +Inf) is 1 and of a split adds up', () => {
  fc.assert(
    fc.property(anyHistogram.filter((h) => h.count > 0), fc.double({ min: -100, max: 100, noNaN: true }), (h, split) => {
      assert.ok(Math.abs(histogramFraction(-Infinity, Infinity, h) - 1) < 1e-9);
      const parts = histogramFraction(-Infinity, split, h) + histogramFraction(split, Infinity, h);
      assert.ok(Math.abs(parts - 1) < 1e-9, `${parts} for split ${split} of ${formatHistogramLiteral(h)}`);
    }),
    RUNS,
  );
});

test('no counter reset against itself or after growth; a reset when the count goes down', () => {
  fc.assert(
    fc.property(sameLayoutPair, ([a, b]) => {
      const unknown = (h: FloatHistogram) => ({ ...h, counterResetHint: 0 as const });
      const grown = reduceResolution(unknown(addHistogram(a, b)), a.schema === -53 ? -53 : Math.min(a.schema, b.schema));
      assert.equal(detectReset(a, unknown(a)), false);
      if (a.schema !== -53 && b.schema < a.schema) return; // A lower schema cannot be compared bucket by bucket.
      assert.equal(detectReset(a, grown), false);
      if (b.count > 0) assert.equal(detectReset(grown, unknown(a)), true);
    }),
    RUNS,
  );
});

test('validation accepts every generated histogram, integer and float', () => {
  fc.assert(
    fc.property(anyHistogram, (h) => {
      validateFloatHistogram(h);
      validateHistogram(toIntegerHistogram(h));
    }),
    RUNS,
  );
});

/** Mutations that make a histogram invalid, with the reason validation must give. */
const MUTATIONS: [string, (h: FloatHistogram) => FloatHistogram | undefined][] = [
  ['count-mismatch', (h) => ({ ...h, count: h.count + 1 })],
  ['spans-buckets-mismatch', (h) => (h.positiveBuckets.length > 0 ? { ...h, positiveBuckets: h.positiveBuckets.slice(1) } : undefined)],
  ['negative-bucket-count', (h) => (h.positiveBuckets.length > 0 ? { ...h, positiveBuckets: [-1, ...h.positiveBuckets.slice(1)] } : undefined)],
  ['span-negative-offset', (h) => (h.positiveSpans.length > 1 ? { ...h, positiveSpans: h.positiveSpans.map((s, i) => (i === 1 ? { ...s, offset: -1 } : s)) } : undefined)],
  ['invalid-schema', (h) => (h.schema === -53 ? undefined : { ...h, schema: 9 })],
  ['custom-bounds-invalid', (h) => (h.schema === -53 && h.customValues.length > 1 ? { ...h, customValues: h.customValues.slice().reverse() } : undefined)],
];

test('validation rejects mutated histograms with the reason of the mutation', () => {
  fc.assert(
    fc.property(anyHistogram, fc.constantFrom(...MUTATIONS), (h, [reason, mutate]) => {
      const bad = mutate(h);
      if (!bad) return;
      assert.throws(() => validateHistogram(toIntegerHistogram(bad)), (err: unknown) => err instanceof HistogramValidationError && err.reason === reason);
    }),
    RUNS,
  );
});

test('formatting and parsing the {{...}} notation gives back the same histogram (compacted into one span per side)', () => {
  fc.assert(
    fc.property(anyHistogram, (h) => {
      const parsed = parseHistogramLiteral(formatHistogramLiteral(h));
      assert.ok(histogramEquals(parsed, compactHistogram(h, Number.MAX_SAFE_INTEGER)), formatHistogramLiteral(h));
      assert.equal(parsed.counterResetHint, h.counterResetHint);
    }),
    RUNS,
  );
});
