// Zero-bucket reconciliation of two exponential histograms (Prometheus 3.5's float_histogram.go:
// zeroCountForLargerThreshold, trimBucketsInZeroBucket, reconcileZeroBuckets).
import { compactBuckets } from './compact.js';
import { FloatBucketIterator } from './iterate.js';
import type { FloatHistogram } from './model.js';

/** What h's zero count would be with the given larger (or equal) threshold. A threshold that falls inside a
 *  populated bucket is moved up to that bucket's upper bound (|value|), which is returned as well. */
export function zeroCountForLargerThreshold(h: FloatHistogram, largerThreshold: number): { count: number; threshold: number } {
  if (largerThreshold === h.zeroThreshold) return { count: h.zeroCount, threshold: largerThreshold };
  if (largerThreshold < h.zeroThreshold) throw new Error(`new threshold ${largerThreshold} is less than old threshold ${h.zeroThreshold}`);
  outer: for (;;) {
    let count = h.zeroCount;
    const pos = FloatBucketIterator.of(h, true);
    while (pos.next()) {
      const b = pos.at();
      if (b.lower >= largerThreshold) break;
      count += b.count; // This bucket is merged into the zero bucket.
      if (b.upper > largerThreshold) {
        // The new threshold is inside this bucket: if it is populated, widen the threshold to its upper bound.
        if (b.count !== 0) largerThreshold = b.upper;
        break;
      }
    }
    const neg = FloatBucketIterator.of(h, false);
    while (neg.next()) {
      const b = neg.at();
      if (b.upper <= -largerThreshold) break;
      count += b.count;
      if (b.lower < -largerThreshold) {
        if (b.count !== 0) {
          // Widened on the negative side: the positive side has to be redone.
          largerThreshold = -b.lower;
          continue outer;
        }
        break;
      }
    }
    return { count, threshold: largerThreshold };
  }
}

/** Sets the buckets inside the (already widened) zero bucket to 0 and compacts them away; their counts must
 *  already be part of the zero count. Mutates h. */
export function trimBucketsInZeroBucket(h: FloatHistogram): void {
  const pos = FloatBucketIterator.of(h, true);
  for (let i = 0; pos.next() && pos.at().lower < h.zeroThreshold; i++) h.positiveBuckets[i] = 0;
  const neg = FloatBucketIterator.of(h, false);
  for (let i = 0; neg.next() && neg.at().upper > -h.zeroThreshold; i++) h.negativeBuckets[i] = 0;
  const p = compactBuckets(h.positiveBuckets, h.positiveSpans, 0, false);
  const n = compactBuckets(h.negativeBuckets, h.negativeSpans, 0, false);
  h.positiveBuckets = p.buckets;
  h.positiveSpans = p.spans;
  h.negativeBuckets = n.buckets;
  h.negativeSpans = n.spans;
}

/** Widens the zero bucket of h (mutated) and of other (not mutated) until both have the same threshold, which
 *  lies in no populated bucket of either. Returns the zero count other would have with that threshold. */
export function reconcileZeroBuckets(h: FloatHistogram, other: FloatHistogram): number {
  let otherZeroCount = other.zeroCount;
  let otherZeroThreshold = other.zeroThreshold;
  // Go loops forever on a NaN threshold (never equal, never larger); a server must not, so NaN ends the loop.
  while (otherZeroThreshold !== h.zeroThreshold && !Number.isNaN(otherZeroThreshold) && !Number.isNaN(h.zeroThreshold)) {
    if (h.zeroThreshold > otherZeroThreshold) {
      ({ count: otherZeroCount, threshold: otherZeroThreshold } = zeroCountForLargerThreshold(other, h.zeroThreshold));
    }
    if (otherZeroThreshold > h.zeroThreshold) {
      ({ count: h.zeroCount, threshold: h.zeroThreshold } = zeroCountForLargerThreshold(h, otherZeroThreshold));
      trimBucketsInZeroBucket(h);
    }
  }
  return otherZeroCount;
}
