// Valid native histograms for the store tests and the histogram benchmark: seeded, so a failure replays.
import type { FloatHistogram, Histogram, Span } from '../../src/histogram/model.js';
import type { WireHistogram } from '../../src/remotewrite/histogram-proto.js';

/** A valid integer histogram (delta-encoded buckets) with `buckets` positive and up to 3 negative buckets. */
export function intHistogram(r: () => number, buckets = 8, schema = 3): Histogram {
  const pos = Array.from({ length: buckets }, () => Math.floor(r() * 50));
  const neg = Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * 10));
  const zeroCount = Math.floor(r() * 5);
  const count = zeroCount + pos.reduce((a, b) => a + b, 0) + neg.reduce((a, b) => a + b, 0);
  return {
    counterResetHint: 0,
    schema,
    zeroThreshold: 1e-128,
    zeroCount,
    count,
    sum: Math.round(r() * 1e6) / 100,
    positiveSpans: splitSpans(buckets),
    negativeSpans: neg.length > 0 ? [{ offset: 1, length: neg.length }] : [],
    positiveBuckets: toDeltas(pos),
    negativeBuckets: toDeltas(neg),
    customValues: [],
  };
}

/** A valid float histogram with custom bucket bounds (schema -53) or an exponential schema. */
export function floatHistogram(r: () => number, custom: boolean): FloatHistogram {
  const n = 4;
  const pos = Array.from({ length: n }, () => Math.round(r() * 400) / 4);
  return {
    counterResetHint: 0,
    schema: custom ? -53 : 1,
    zeroThreshold: custom ? 0 : 0.001,
    zeroCount: custom ? 0 : 1.5,
    count: pos.reduce((a, b) => a + b, 0) + (custom ? 0 : 1.5),
    sum: r() * 100,
    positiveSpans: [{ offset: custom ? 0 : -1, length: n }],
    negativeSpans: [],
    positiveBuckets: pos,
    negativeBuckets: [],
    customValues: custom ? [0.1, 0.5, 1, 5] : [],
  };
}

/** One wire sample per timestamp: integer histograms, or float ones when `float`. */
export function wireSeries(r: () => number, timestamps: readonly number[], kind: 'int' | 'float' | 'custom'): WireHistogram[] {
  return timestamps.map((timestamp) =>
    kind === 'int' ? { timestamp, float: false, histogram: intHistogram(r) } : { timestamp, float: true, histogram: floatHistogram(r, kind === 'custom') },
  );
}

function toDeltas(abs: readonly number[]): number[] {
  let prev = 0;
  return abs.map((c) => {
    const d = c - prev;
    prev = c;
    return d;
  });
}

/** Two spans with a gap, so span offsets are exercised. */
function splitSpans(n: number): Span[] {
  if (n < 2) return n === 0 ? [] : [{ offset: 0, length: n }];
  const a = Math.floor(n / 2);
  return [{ offset: -2, length: a }, { offset: 3, length: n - a }];
}

/** Absolute counts of an integer histogram's deltas (what a reader gets back). */
export function absolute(deltas: readonly number[]): number[] {
  let c = 0;
  return deltas.map((d) => (c += d));
}
