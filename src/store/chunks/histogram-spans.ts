// Span arithmetic of Prometheus's histogram appenders (tsdb/chunkenc/histogram_meta.go, histogram.go,
// float_histogram.go): walking bucket indexes across spans, the inserts that widen one layout to another,
// and applying inserts to bucket arrays (delta-encoded for integer histograms, absolute for float ones).
import type { Span } from '../../histogram/model.js';

/** `num` new buckets go before the `pos`-th bucket of the original array; `bucketIdx` is the first new index. */
export interface Insert {
  pos: number;
  num: number;
  bucketIdx: number;
}

/** Yields the absolute bucket indexes a span list covers (Prometheus's bucketIterator). */
class BucketIterator {
  private span = 0;
  private bucket = -1;
  private idx = -1;
  constructor(private readonly spans: readonly Span[]) {
    if (spans.length > 0) this.idx += spans[0]!.offset;
  }

  /** The next index, or null when done. */
  next(): number | null {
    const spans = this.spans;
    if (this.span >= spans.length) return null;
    if (this.bucket < spans[this.span]!.length - 1) {
      this.bucket++;
      this.idx++;
      return this.idx;
    }
    while (this.span < spans.length - 1) {
      this.span++;
      this.idx += spans[this.span]!.offset + 1;
      this.bucket = 0;
      if (spans[this.span]!.length === 0) {
        this.idx--;
        continue;
      }
      return this.idx;
    }
    return null;
  }
}

/** Appends bucket index `b` to spans being built (the addBucket closure of Prometheus). */
class SpanBuilder {
  readonly spans: Span[] = [];
  private last = 0;
  add(b: number): void {
    let offset = b - this.last - 1;
    if (offset === 0 && this.spans.length > 0) this.spans[this.spans.length - 1]!.length++;
    else {
      if (this.spans.length === 0) offset++;
      this.spans.push({ offset, length: 1 });
    }
    this.last = b;
  }
}

class InsertCollector {
  readonly list: Insert[] = [];
  cur: Insert = { pos: 0, num: 0, bucketIdx: 0 };
  /** Prometheus's addInsert: extends the current insert or starts one at `otherIdx`. */
  add(otherIdx: number): void {
    const c = this.cur;
    if (c.num === 0) c.bucketIdx = otherIdx;
    else if (c.bucketIdx + c.num !== otherIdx) {
      this.list.push({ ...c });
      c.num = 0;
      c.bucketIdx = otherIdx;
    }
    c.num++;
  }
  /** Ends a streak of inserts (before advancing past an original bucket). */
  flush(): void {
    if (this.cur.num > 0) {
      this.list.push({ ...this.cur });
      this.cur.num = 0;
    }
  }
}

/**
 * expandIntSpansAndBuckets / expandFloatSpansAndBuckets: the forward inserts widening `a` to `b`'s buckets,
 * and the backward inserts adding to `b` the buckets of `a` that are empty; null on a counter reset (a bucket
 * decreased, or a used bucket vanished). `deltas`: the bucket arrays hold deltas (integer histograms).
 */
export function expandSpansAndBuckets(
  a: readonly Span[],
  b: readonly Span[],
  aBuckets: ArrayLike<number>,
  bBuckets: ArrayLike<number>,
  deltas: boolean,
): { forward: Insert[]; backward: Insert[] } | null {
  const ai = new BucketIterator(a);
  const bi = new BucketIterator(b);
  const fwd = new InsertCollector(); // into a's buckets, for buckets only b has
  const bwd = new InsertCollector(); // into b's buckets, for empty buckets only a has
  let aIdx = ai.next();
  let bIdx = bi.next();
  let aCount = aIdx !== null ? aBuckets[0]! : 0;
  let bCount = bIdx !== null ? bBuckets[0]! : 0;
  let aPos = 0;
  let bPos = 0;
  const advanceA = (): void => {
    fwd.flush();
    aIdx = ai.next();
    fwd.cur.pos++;
    aPos++;
    if (aIdx !== null) aCount = deltas ? aCount + aBuckets[aPos]! : aBuckets[aPos]!;
  };
  const advanceB = (): void => {
    bwd.flush();
    bIdx = bi.next();
    bwd.cur.pos++;
    bPos++;
    if (bIdx !== null) bCount = deltas ? bCount + bBuckets[bPos]! : bBuckets[bPos]!;
  };
  for (;;) {
    if (aIdx !== null && (bIdx === null || aIdx < bIdx)) {
      // b misses a bucket of a: fine only if it is empty in a.
      if (aCount !== 0) return null;
      bwd.add(aIdx);
      advanceA();
    } else if (aIdx !== null && aIdx === bIdx) {
      if (aCount > bCount) return null;
      advanceA();
      advanceB();
    } else if (bIdx !== null) {
      fwd.add(bIdx);
      advanceB();
    } else {
      fwd.flush();
      bwd.flush();
      return { forward: fwd.list, backward: bwd.list };
    }
  }
}

/** expandSpansBothWays (gauge histograms): inserts both ways and the union of the two layouts. */
export function expandSpansBothWays(a: readonly Span[], b: readonly Span[]): { forward: Insert[]; backward: Insert[]; merged: Span[] } {
  const ai = new BucketIterator(a);
  const bi = new BucketIterator(b);
  const merged = new SpanBuilder();
  const forward: Insert[] = [];
  const backward: Insert[] = [];
  const fInter = { pos: 0, num: 0, bucketIdx: 0 };
  const bInter = { pos: 0, num: 0, bucketIdx: 0 };
  const finish = (list: Insert[], inter: Insert): void => {
    if (inter.num > 0) {
      list.push({ ...inter });
      inter.num = 0;
    }
  };
  let av = ai.next();
  let bv = bi.next();
  for (;;) {
    if (av !== null && bv !== null && av === bv) {
      finish(forward, fInter);
      finish(backward, bInter);
      merged.add(av);
      av = ai.next();
      bv = bi.next();
      fInter.pos++;
      bInter.pos++;
    } else if (av !== null && (bv === null || av < bv)) {
      bInter.num++;
      if (bv !== null) {
        // Only while both run does a forward streak end here (Go's aOK && bOK case).
        finish(forward, fInter);
        fInter.pos++;
      }
      merged.add(av);
      av = ai.next();
    } else if (bv !== null) {
      fInter.num++;
      if (av !== null) {
        finish(backward, bInter);
        bInter.pos++;
      }
      merged.add(bv);
      bv = bi.next();
    } else {
      finish(forward, fInter);
      finish(backward, bInter);
      return { forward, backward, merged: merged.spans };
    }
  }
}

/** Prometheus's insert(): `input` widened by `inserts` into a new array of `outLen` (new buckets hold 0). */
export function applyInserts(input: readonly number[], outLen: number, inserts: readonly Insert[], deltas: boolean): number[] {
  const out = new Array<number>(outLen).fill(0);
  let oi = 0;
  let v = 0;
  let ii = 0;
  for (let i = 0; i < input.length; i++) {
    const d = input[i]!;
    if (ii >= inserts.length || i !== inserts[ii]!.pos) {
      out[oi++] = d;
      v += d;
      continue;
    }
    let first = true;
    while (ii < inserts.length && i === inserts[ii]!.pos) {
      out[oi++] = deltas && first ? -v : 0;
      first = false;
      for (let x = 1; x < inserts[ii]!.num; x++) out[oi++] = 0;
      ii++;
    }
    out[oi++] = deltas ? d + v : d;
    v += d;
  }
  while (ii < inserts.length) {
    out[oi++] = deltas ? -v : 0;
    for (let x = 1; x < inserts[ii]!.num; x++) out[oi++] = 0;
    ii++;
    v = 0;
  }
  return out;
}

/** adjustForInserts: the spans of `spans` plus the buckets the inserts add. */
export function adjustForInserts(spans: readonly Span[], inserts: readonly Insert[]): Span[] {
  if (inserts.length === 0) return spans.map((s) => ({ ...s }));
  const it = new BucketIterator(spans);
  const out = new SpanBuilder();
  let i = 0;
  let insertIdx = inserts[0]!.bucketIdx;
  let insertNum = inserts[0]!.num;
  const consume = (): void => {
    insertNum--;
    if (insertNum === 0) {
      i++;
      if (i < inserts.length) {
        insertIdx = inserts[i]!.bucketIdx;
        insertNum = inserts[i]!.num;
      }
    } else insertIdx++;
  };
  let bucket = it.next();
  while (bucket !== null) {
    if (i < inserts.length && insertIdx < bucket) {
      out.add(insertIdx);
      consume();
    } else {
      out.add(bucket);
      bucket = it.next();
    }
  }
  while (i < inserts.length) {
    out.add(insertIdx);
    consume();
  }
  return out.spans;
}
