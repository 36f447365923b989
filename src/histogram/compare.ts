// Comparisons of float histograms: FloatHistogram.DetectReset and FloatHistogram.Equals (Prometheus 3.5's
// model/histogram/float_histogram.go, histogram.go spansMatch).
import { FloatBucketIterator } from './iterate.js';
import { CounterResetHint, CUSTOM_BUCKETS_SCHEMA, type FloatHistogram, type Span } from './model.js';
import { floatBucketsMatch, sameFloatBits } from './ops.js';
import { zeroCountForLargerThreshold } from './zero.js';

/** FloatHistogram.DetectReset (cur.DetectReset(prev)): true if cur lacks a bucket populated in prev or any count
 *  (bucket, zero bucket, total, not the sum) went down. cur's hint short-cuts: CounterReset → true,
 *  NotCounterReset → false; Unknown and Gauge are examined. A higher schema, a lower zero threshold, a switch
 *  between exponential and custom buckets or other custom bounds count as resets. */
export function detectReset(prev: FloatHistogram, cur: FloatHistogram): boolean {
  if (cur.counterResetHint === CounterResetHint.CounterReset) return true;
  if (cur.counterResetHint === CounterResetHint.NotCounterReset) return false;
  if (cur.count < prev.count) return true;
  const curCustom = cur.schema === CUSTOM_BUCKETS_SCHEMA;
  if (curCustom !== (prev.schema === CUSTOM_BUCKETS_SCHEMA) || (curCustom && !floatBucketsMatch(cur.customValues, prev.customValues))) return true;
  if (cur.schema > prev.schema) return true;
  if (cur.zeroThreshold < prev.zeroThreshold) return true;
  const prevZero = zeroCountForLargerThreshold(prev, cur.zeroThreshold);
  // The zero threshold lies within a populated bucket of prev.
  if (prevZero.threshold !== cur.zeroThreshold) return true;
  if (cur.zeroCount < prevZero.count) return true;
  for (const positive of [true, false]) {
    const curIt = FloatBucketIterator.of(cur, positive, cur.zeroThreshold, cur.schema);
    const prevIt = FloatBucketIterator.of(prev, positive, cur.zeroThreshold, cur.schema);
    if (bucketsReset(curIt, prevIt)) return true;
  }
  return false;
}

/** True if any populated bucket of prevIt has no counterpart in curIt or a larger count. */
function bucketsReset(curIt: FloatBucketIterator, prevIt: FloatBucketIterator): boolean {
  if (!prevIt.next()) return false;
  // Until curIt runs out, walk both by index; afterwards any populated bucket left in prev is a reset.
  let curLeft = curIt.next();
  for (;;) {
    while (curLeft && curIt.currIdx < prevIt.currIdx) curLeft = curIt.next();
    if (!curLeft || curIt.currIdx > prevIt.currIdx) {
      if (prevIt.currCount !== 0) return true;
    } else if (curIt.currCount < prevIt.currCount) {
      return true;
    }
    if (!prevIt.next()) return false;
  }
}

/** FloatHistogram.Equals: same schema, same bits of count, sum, zero count and every bucket, the same zero
 *  threshold, the same custom bounds (custom schema only) and the same bucket layout (spans of length 0 aside).
 *  The counter reset hint is not compared. */
export function histogramEquals(a: FloatHistogram, b: FloatHistogram): boolean {
  if (a.schema !== b.schema || !sameFloatBits(a.count, b.count) || !sameFloatBits(a.sum, b.sum)) return false;
  if (a.schema === CUSTOM_BUCKETS_SCHEMA && !floatBucketsMatch(a.customValues, b.customValues)) return false;
  if (a.zeroThreshold !== b.zeroThreshold || !sameFloatBits(a.zeroCount, b.zeroCount)) return false;
  return (
    spansMatch(a.negativeSpans, b.negativeSpans) &&
    floatBucketsMatch(a.negativeBuckets, b.negativeBuckets) &&
    spansMatch(a.positiveSpans, b.positiveSpans) &&
    floatBucketsMatch(a.positiveBuckets, b.positiveBuckets)
  );
}

/** Both span lists describe the same layout once spans of length 0 are folded into the next span. */
export function spansMatch(s1: readonly Span[], s2: readonly Span[]): boolean {
  const a = foldEmptySpans(s1);
  const b = foldEmptySpans(s2);
  return a.length === b.length && a.every((s, i) => s.offset === b[i]!.offset && s.length === b[i]!.length);
}

/** Folds each run of length-0 spans into the next non-empty span (trailing empty spans vanish), as spansMatch's
 *  walk does. */
function foldEmptySpans(spans: readonly Span[]): Span[] {
  const out: Span[] = [];
  let pendingOffset = 0;
  let pending = false;
  for (const s of spans) {
    if (s.length === 0) {
      pendingOffset += s.offset;
      pending = true;
      continue;
    }
    out.push({ offset: (pending ? pendingOffset : 0) + s.offset, length: s.length });
    pendingOffset = 0;
    pending = false;
  }
  return out;
}
