// fast-check generators of valid native histograms: exponential ones (schema -4..8, optional zero bucket, both
// sides) and custom-bucket ones (schema -53). Counts are small integers so that sums are exact in float64, and
// every bucket lies above the zero threshold (as in histograms Prometheus produces).
import fc from 'fast-check';
import { CounterResetHint, type FloatHistogram, type Histogram, type Span } from '../../src/histogram/index.js';

export interface Side {
  spans: Span[];
  buckets: number[];
}

/** Spans starting at an index in [minIndex, minIndex+firstRange], gaps of 0..maxGap buckets, lengths 0..maxLength
 *  (0: pathological but valid), counts 0..50 (zeros included: Prometheus keeps empty buckets inside spans). */
export function sideArb(minIndex: number, { maxSpans = 4, firstRange = 40, maxGap = 5, maxLength = 6 } = {}): fc.Arbitrary<Side> {
  const span = fc.record({ gap: fc.integer({ min: 0, max: maxGap }), counts: fc.array(fc.integer({ min: 0, max: 50 }), { maxLength }) });
  return fc.record({ first: fc.integer({ min: minIndex, max: minIndex + firstRange }), spans: fc.array(span, { maxLength: maxSpans }) }).map(({ first, spans }) => ({
    spans: spans.map((s, i) => ({ offset: i === 0 ? first : s.gap, length: s.counts.length })),
    buckets: spans.flatMap((s) => s.counts),
  }));
}

const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export function exponentialArb(opts: { schema?: fc.Arbitrary<number>; zeroThreshold?: fc.Arbitrary<number> } = {}): fc.Arbitrary<FloatHistogram> {
  return fc
    .record({
      schema: opts.schema ?? fc.integer({ min: -4, max: 8 }),
      // 2^-400 lies below every bucket the sides can hold (lowest bound: 2^(-20·16) at schema -4).
      zeroThreshold: opts.zeroThreshold ?? fc.constantFrom(0, 2 ** -400),
      zeroCount: fc.integer({ min: 0, max: 20 }),
      sum: fc.integer({ min: -1000, max: 1000 }),
      pos: sideArb(-20),
      neg: sideArb(-20),
      hint: fc.constantFrom(CounterResetHint.Unknown, CounterResetHint.NotCounterReset, CounterResetHint.Gauge),
    })
    .map(({ schema, zeroThreshold, zeroCount, sum, pos, neg, hint }) => ({
      counterResetHint: hint,
      schema,
      zeroThreshold,
      zeroCount,
      count: zeroCount + total(pos.buckets) + total(neg.buckets),
      sum,
      positiveSpans: pos.spans,
      negativeSpans: neg.spans,
      positiveBuckets: pos.buckets,
      negativeBuckets: neg.buckets,
      customValues: [],
    }));
}

/** Custom-bucket histograms over the given bounds (or generated ones): buckets 0..bounds.length (the last is +Inf). */
export function customArb(bounds?: number[]): fc.Arbitrary<FloatHistogram> {
  const boundsArb = bounds
    ? fc.constant(bounds)
    : fc.uniqueArray(fc.integer({ min: -50, max: 200 }), { minLength: 1, maxLength: 12 }).map((xs) => xs.sort((a, b) => a - b).map((x) => x / 4));
  return boundsArb.chain((cv) =>
    fc.record({ pos: sideArb(0, { maxSpans: 3, firstRange: 2, maxGap: 2, maxLength: 4 }), sum: fc.integer({ min: -1000, max: 1000 }) }).filter(({ pos }) => pos.spans.reduce((n, s) => n + s.offset + s.length, 0) <= cv.length + 1).map(({ pos, sum }) => ({
      counterResetHint: CounterResetHint.Unknown,
      schema: -53,
      zeroThreshold: 0,
      zeroCount: 0,
      count: total(pos.buckets),
      sum,
      positiveSpans: pos.spans,
      negativeSpans: [],
      positiveBuckets: pos.buckets,
      negativeBuckets: [],
      customValues: cv,
    })),
  );
}

/** The integer histogram (delta-encoded buckets) holding the same counts. */
export function toIntegerHistogram(h: FloatHistogram): Histogram {
  const deltas = (xs: number[]) => xs.map((x, i) => x - (i === 0 ? 0 : xs[i - 1]!));
  return { ...h, positiveBuckets: deltas(h.positiveBuckets), negativeBuckets: deltas(h.negativeBuckets) };
}
