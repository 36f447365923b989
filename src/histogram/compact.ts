// Compaction of spans and buckets (Prometheus 3.5's generic.go compactBuckets), for absolute counts (float
// histograms) and for deltas (integer histograms). Works on copies; the inputs are never changed.
import type { Span } from './model.js';

export interface CompactedBuckets {
  buckets: number[];
  spans: Span[];
}

function nothingToDo(buckets: readonly number[], spans: readonly Span[], maxEmptyBuckets: number, deltaBuckets: boolean): boolean {
  let abs = 0;
  for (const b of buckets) {
    abs = deltaBuckets ? abs + b : b;
    if (abs === 0) return false;
  }
  return spans.every((s) => !(s.offset <= maxEmptyBuckets || s.length === 0));
}

/** Merges spans with offset 0 into their predecessor, then drops spans of length 0 (moving their offset on). */
function normalizeSpans(input: readonly Span[]): Span[] {
  const merged: Span[] = [];
  for (const [i, s] of input.entries()) {
    if (i > 0 && s.offset === 0) merged[merged.length - 1]!.length += s.length;
    else merged.push({ offset: s.offset, length: s.length });
  }
  const out: Span[] = [];
  for (const [i, s] of merged.entries()) {
    if (s.length === 0) {
      if (i + 1 < merged.length) merged[i + 1]!.offset += s.offset;
      continue;
    }
    out.push(s);
  }
  return out;
}

/** Cuts empty buckets from the start and end of spans, and runs of more than maxEmptyBuckets from their middle. */
function cutEmptyBuckets(buckets: number[], spans: Span[], maxEmptyBuckets: number, deltaBuckets: boolean): void {
  let iBucket = 0;
  let iSpan = 0;
  let posInSpan = 0;
  let abs = 0;
  const emptyBucketsHere = (): number => {
    let i = 0;
    let a = abs;
    while (i + posInSpan < spans[iSpan]!.length && a === 0) {
      i++;
      if (i + iBucket >= buckets.length) break;
      a = buckets[i + iBucket]!;
    }
    return i;
  };
  while (iBucket < buckets.length) {
    abs = deltaBuckets ? abs + buckets[iBucket]! : buckets[iBucket]!;
    const nEmpty = emptyBucketsHere();
    if (nEmpty === 0) {
      iBucket++;
      posInSpan++;
      if (posInSpan >= spans[iSpan]!.length) {
        posInSpan = 0;
        iSpan++;
      }
      continue;
    }
    const span = spans[iSpan]!;
    if (posInSpan > 0 && nEmpty < span.length - posInSpan && nEmpty <= maxEmptyBuckets) {
      // Few enough empty buckets in the middle of a span: keep them.
      iBucket += nEmpty;
      if (deltaBuckets) abs = 0;
      posInSpan += nEmpty;
      continue;
    }
    if (deltaBuckets && iBucket + nEmpty < buckets.length) {
      abs = -buckets[iBucket]!;
      buckets[iBucket + nEmpty]! += buckets[iBucket]!;
    }
    buckets.splice(iBucket, nEmpty);
    if (posInSpan === 0) {
      if (nEmpty === span.length) {
        // The whole span is empty.
        spans.splice(iSpan, 1);
        if (spans.length > iSpan) spans[iSpan]!.offset += span.offset + nEmpty;
        continue;
      }
      span.length -= nEmpty;
      span.offset += nEmpty;
      continue;
    }
    // In the middle or at the end of the span: split it.
    const newSpan: Span = { offset: nEmpty, length: span.length - posInSpan - nEmpty };
    span.length = posInSpan;
    iSpan++;
    posInSpan = 0;
    if (newSpan.length === 0) {
      // We were at the end of a span: only the next span's offset grows.
      if (iSpan < spans.length) spans[iSpan]!.offset += nEmpty;
      continue;
    }
    spans.splice(iSpan, 0, newSpan);
  }
}

/** Merges spans that are at most maxEmptyBuckets apart, filling the gap with empty buckets.
 *  Deliberate difference from Prometheus 3.5: after a merge, Go's compactBuckets leaves its bucket cursor at the
 *  first bucket of the merged span instead of after it, so a second merge in the same pass inserts its empty
 *  buckets at the wrong place (spans {0,1},{1,2},{1,1} with buckets 1 2 3 4 become 1 0 0 2 3 4 instead of
 *  1 0 2 3 0 4). Every case of Prometheus's own tests merges at most once per side, where both agree. */
function mergeCloseSpans(buckets: number[], spans: Span[], maxEmptyBuckets: number, deltaBuckets: boolean): number[] {
  let iBucket = spans[0]!.length;
  let abs = 0;
  if (deltaBuckets) for (const b of buckets.slice(0, iBucket)) abs += b;
  let iSpan = 1;
  while (iSpan < spans.length) {
    const span = spans[iSpan]!;
    if (span.offset > maxEmptyBuckets) {
      if (deltaBuckets) for (const b of buckets.slice(iBucket, iBucket + span.length)) abs += b;
      iBucket += span.length;
      iSpan++;
      continue;
    }
    const offset = span.offset;
    spans[iSpan - 1]!.length += offset + span.length;
    spans.splice(iSpan, 1);
    const newBuckets = [...buckets.slice(0, iBucket), ...new Array<number>(offset).fill(0), ...buckets.slice(iBucket)];
    if (deltaBuckets) {
      newBuckets[iBucket] = -abs;
      newBuckets[iBucket + offset]! += abs;
    }
    iBucket += offset;
    buckets = newBuckets;
    if (deltaBuckets) abs = buckets.slice(iBucket, iBucket + span.length).reduce((a, b) => a + b, 0);
    iBucket += span.length;
  }
  return buckets;
}

/** compactBuckets: returns new arrays; set deltaBuckets for integer histograms' delta-encoded buckets. */
export function compactBuckets(buckets: readonly number[], spans: readonly Span[], maxEmptyBuckets: number, deltaBuckets: boolean): CompactedBuckets {
  if (nothingToDo(buckets, spans, maxEmptyBuckets, deltaBuckets)) {
    return { buckets: buckets.slice(), spans: spans.map((s) => ({ offset: s.offset, length: s.length })) };
  }
  const outBuckets = buckets.slice();
  const outSpans = normalizeSpans(spans);
  cutEmptyBuckets(outBuckets, outSpans, maxEmptyBuckets, deltaBuckets);
  if (maxEmptyBuckets === 0 || outBuckets.length === 0) return { buckets: outBuckets, spans: outSpans };
  return { buckets: mergeCloseSpans(outBuckets, outSpans, maxEmptyBuckets, deltaBuckets), spans: outSpans };
}
