// Span/bucket arithmetic shared by add, sub and resolution reduction (Prometheus 3.5's float_histogram.go addBuckets
// and generic.go reduceResolution). Both work on the arrays they are given: callers pass copies.
import { getBoundExponential, isExponentialSchema, targetIdx } from './bounds.js';
import type { Span } from './model.js';

export interface SpansAndBuckets {
  spans: Span[];
  buckets: number[];
}

/** Inserts a new single-bucket span, or extends a neighbour, for bucket B that lies in a gap of A (addBuckets' gap
 *  case). Returns the new position in A. */
function insertInGap(a: SpansAndBuckets, iSpan: number, iBucket: number, deltaIndex: number, value: number): { iSpan: number; iInSpan: number } {
  const { spans } = a;
  a.buckets.splice(iBucket, 0, value);
  if (deltaIndex === 0) {
    // Directly after the previous span: extend it.
    if (iSpan < spans.length) spans[iSpan]!.offset--;
    const prev = spans[iSpan - 1]!;
    const iInSpan = prev.length;
    prev.length++;
    return { iSpan: iSpan - 1, iInSpan };
  }
  if (iSpan < spans.length && deltaIndex === spans[iSpan]!.offset - 1) {
    // Directly before the next span: extend it.
    spans[iSpan]!.offset--;
    spans[iSpan]!.length++;
    return { iSpan, iInSpan: 0 };
  }
  if (iSpan < spans.length) spans[iSpan]!.offset -= deltaIndex + 1;
  spans.splice(iSpan, 0, { offset: deltaIndex, length: 1 });
  return { iSpan, iInSpan: 0 };
}

/** Adds (or, with negative, subtracts) the buckets of B into A, creating missing buckets in A. Buckets of B whose
 *  upper bound is ≤ threshold (exponential schemas) are ignored: they are already in the zero bucket. */
export function addBuckets(schema: number, threshold: number, negative: boolean, a: SpansAndBuckets, spansB: readonly Span[], bucketsB: readonly number[]): SpansAndBuckets {
  const spansA = a.spans;
  const bucketsA = a.buckets;
  let iSpan = -1;
  let iBucket = -1;
  let iInSpan = 0;
  let indexA = 0;
  let indexB = 0;
  let bIdxB = 0;
  let lowerThanThreshold = true;
  for (const spanB of spansB) {
    indexB += spanB.offset;
    for (let j = 0; j < spanB.length; j++, indexA = indexB, indexB++, bIdxB++) {
      if (lowerThanThreshold && isExponentialSchema(schema) && getBoundExponential(indexB, schema) <= threshold) continue;
      lowerThanThreshold = false;
      const bucketB = negative ? -bucketsB[bIdxB]! : bucketsB[bIdxB]!;
      if (iSpan === -1) {
        if (spansA.length === 0 || spansA[0]!.offset > indexB) {
          // Add the bucket before all others.
          bucketsA.unshift(bucketB);
          if (spansA.length > 0 && spansA[0]!.offset === indexB + 1) {
            spansA[0]!.length++;
            spansA[0]!.offset--;
            continue;
          }
          spansA.unshift({ offset: indexB, length: 1 });
          // The formerly first span's absolute offset becomes relative.
          if (spansA.length > 1) spansA[1]!.offset -= indexB + 1;
          continue;
        } else if (spansA[0]!.offset === indexB) {
          bucketsA[0]! += bucketB;
          continue;
        }
        iSpan = 0;
        iBucket = 0;
        iInSpan = 0;
        indexA = spansA[0]!.offset;
      }
      let deltaIndex = indexB - indexA;
      for (;;) {
        const remainingInSpan = spansA[iSpan]!.length - iInSpan;
        if (deltaIndex < remainingInSpan) {
          // The bucket is in the current span.
          iBucket += deltaIndex;
          iInSpan += deltaIndex;
          bucketsA[iBucket]! += bucketB;
          break;
        }
        deltaIndex -= remainingInSpan;
        iBucket += remainingInSpan;
        iSpan++;
        if (iSpan === spansA.length || deltaIndex < spansA[iSpan]!.offset) {
          // The bucket is in the gap behind the previous span (or there are no further spans).
          ({ iSpan, iInSpan } = insertInGap(a, iSpan, iBucket, deltaIndex, bucketB));
          break;
        }
        // Try the start of the next span.
        deltaIndex -= spansA[iSpan]!.offset;
        iInSpan = 0;
      }
    }
  }
  return { spans: spansA, buckets: bucketsA };
}

/** Merges spans/buckets (absolute counts, or deltas with deltaBuckets) of originSchema into targetSchema
 *  (≤ originSchema). Returns new arrays. */
export function reduceSpansResolution(originSpans: readonly Span[], originBuckets: readonly number[], originSchema: number, targetSchema: number, deltaBuckets: boolean): SpansAndBuckets {
  const spans: Span[] = [];
  const buckets: number[] = [];
  let bucketIdx = 0;
  let bucketCountIdx = 0;
  let lastBucketCount = 0;
  let lastTargetBucketIdx = 0;
  let lastTargetBucketCount = 0;
  for (const span of originSpans) {
    bucketIdx += span.offset;
    for (let j = 0; j < span.length; j++, bucketIdx++, bucketCountIdx++) {
      const origin = originBuckets[bucketCountIdx]!;
      const target = targetIdx(bucketIdx, originSchema, targetSchema);
      if (spans.length === 0) {
        spans.push({ offset: target, length: 1 });
        buckets.push(origin);
        lastTargetBucketIdx = target;
        lastBucketCount = origin;
        lastTargetBucketCount = origin;
      } else if (lastTargetBucketIdx === target) {
        // Merged into the same target bucket as the previous bucket.
        if (deltaBuckets) {
          lastBucketCount += origin;
          buckets[buckets.length - 1]! += lastBucketCount;
          lastTargetBucketCount += lastBucketCount;
        } else {
          buckets[buckets.length - 1]! += origin;
        }
      } else {
        if (lastTargetBucketIdx + 1 === target) spans[spans.length - 1]!.length++;
        else spans.push({ offset: target - lastTargetBucketIdx - 1, length: 1 });
        lastTargetBucketIdx = target;
        if (deltaBuckets) {
          lastBucketCount += origin;
          buckets.push(lastBucketCount - lastTargetBucketCount);
          lastTargetBucketCount = lastBucketCount;
        } else {
          buckets.push(origin);
        }
      }
    }
  }
  return { spans, buckets };
}
