// Prometheus's integer histogram chunk (tsdb/chunkenc/histogram.go), byte for byte. After the 3-byte header
// (sample count, counter-reset flags) and the layout, each sample stores
//   field →    ts     count  zeroCount  sum  []posBuckets  []negBuckets
//   sample 1   raw    raw    raw        raw  []raw        []raw        (varbit, sum as 64 raw bits)
//   sample 2+  dod    dod    dod        xor  []dod        []dod        (varbit deltas of deltas)
// A histogram that does not fit the chunk (counter reset, schema/threshold/bounds change, a used bucket
// gone) starts a new chunk; one that only adds buckets recodes the chunk to the wider layout, as Prometheus.
import { CounterResetHint, isCustomBucketsSchema, type Histogram, type Span } from '../../histogram/model.js';
import { reduceSpansResolution } from '../../histogram/merge.js';
import { EXPONENTIAL_SCHEMA_MAX } from '../../histogram/model.js';
import { isStaleNaN } from '../../storage/value.js';
import { BitReader, type BitWriter } from './bits.js';
import { HistogramChunkAppender, staleOnly, type AppendOutcome, type Placement } from './histogram-appender.js';
import {
  CounterResetHeader, HISTOGRAM_HEADER_SIZE, countSpans, counterResetHeaderOf, counterResetHintFor, customBoundsMatch,
  histogramChunkCount, newXorStream, readLayout, writeFloat, writeLayout, xorStreamValue, xorWrite, type XorStream,
} from './histogram-meta.js';
import { expandSpansAndBuckets, expandSpansBothWays, type Insert } from './histogram-spans.js';
import { putVarbitInt, putVarbitUint, readVarbitInt, readVarbitUint } from './varbit.js';
import { readXorValue } from './xor.js';

export type { AppendOutcome } from './histogram-appender.js';

interface Verdict extends Placement {
  ok: boolean;
  header: CounterResetHeader;
}

function refused(header: CounterResetHeader): Verdict {
  return { pFwd: [], nFwd: [], pBack: [], nBack: [], ok: false, header };
}

export class HistogramAppender extends HistogramChunkAppender<HistogramAppender> {
  protected readonly deltaBuckets = true;
  private cnt = 0;
  private zCnt = 0;
  private cntDelta = 0;
  private zCntDelta = 0;
  private pBuckets: number[] = [];
  private nBuckets: number[] = [];
  private pBucketsDelta: number[] = [];
  private nBucketsDelta: number[] = [];
  private sum: XorStream = newXorStream(0);

  protected fresh(): HistogramAppender {
    return new HistogramAppender();
  }

  protected samples(data: Uint8Array): Iterable<[number, Histogram]> {
    return iterateHistogramChunk(data);
  }

  protected headerFollowing(h: Histogram): CounterResetHeader {
    return this.appendable(h).header;
  }

  /**
   * Appends `h` (not modified) at `t` (after maxT). Returns the appender to continue with and how: `cut` means
   * the returned appender is a new chunk following this one; `recoded` means it replaces this chunk.
   */
  append(t: number, h: Histogram, prev: HistogramAppender | null = null): { app: HistogramAppender; outcome: AppendOutcome } {
    if (this.num === 0) return this.first(t, h, prev);
    if (h.counterResetHint !== CounterResetHint.Gauge) {
      const v = this.appendable(h);
      if (!v.ok || v.header !== CounterResetHeader.NotCounterReset) return this.cut(t, h, v.header);
      return this.place(t, h, v, false);
    }
    const g = this.appendableGauge(h);
    if (g === null) return this.cut(t, h, CounterResetHeader.Gauge);
    return this.place(t, h, g, true);
  }

  /** Prometheus's appendable(): may `h` follow in this chunk, after which inserts, and what reset header. */
  appendable(h: Histogram): Verdict {
    if (this.num > 0 && this.header === CounterResetHeader.Gauge) return refused(CounterResetHeader.NotCounterReset);
    if (h.counterResetHint === CounterResetHint.CounterReset) return refused(CounterResetHeader.CounterReset);
    if (isStaleNaN(h.sum)) return { ...refused(CounterResetHeader.NotCounterReset), ok: true };
    if (isStaleNaN(xorStreamValue(this.sum))) return refused(CounterResetHeader.Unknown);
    if (h.count < this.cnt) return refused(CounterResetHeader.CounterReset);
    if (h.schema !== this.schema || h.zeroThreshold !== this.zThreshold) return refused(CounterResetHeader.Unknown);
    if (isCustomBucketsSchema(h.schema) && !customBoundsMatch(h.customValues, this.customValues)) {
      return refused(CounterResetHeader.CounterReset);
    }
    if (h.zeroCount < this.zCnt) return refused(CounterResetHeader.CounterReset);
    const p = expandSpansAndBuckets(this.pSpans, h.positiveSpans, this.pBuckets, h.positiveBuckets, true);
    if (p === null) return refused(CounterResetHeader.CounterReset);
    const n = expandSpansAndBuckets(this.nSpans, h.negativeSpans, this.nBuckets, h.negativeBuckets, true);
    if (n === null) return refused(CounterResetHeader.CounterReset);
    return { pFwd: p.forward, nFwd: n.forward, pBack: p.backward, nBack: n.backward, ok: true, header: CounterResetHeader.NotCounterReset };
  }

  private appendableGauge(h: Histogram): (Omit<Verdict, 'ok' | 'header'> & { pMerged: Span[]; nMerged: Span[] }) | null {
    if (this.num > 0 && this.header !== CounterResetHeader.Gauge) return null;
    const none = { pFwd: [], nFwd: [], pBack: [], nBack: [], pMerged: h.positiveSpans, nMerged: h.negativeSpans };
    if (isStaleNaN(h.sum)) return none;
    if (isStaleNaN(xorStreamValue(this.sum))) return null;
    if (h.schema !== this.schema || h.zeroThreshold !== this.zThreshold) return null;
    if (isCustomBucketsSchema(h.schema) && !customBoundsMatch(h.customValues, this.customValues)) return null;
    const p = expandSpansBothWays(this.pSpans, h.positiveSpans);
    const n = expandSpansBothWays(this.nSpans, h.negativeSpans);
    return { pFwd: p.forward, nFwd: n.forward, pBack: p.backward, nBack: n.backward, pMerged: p.merged, nMerged: n.merged };
  }

  /** Prometheus's appendHistogram: writes `h` with no appendability checks. */
  appendRaw(t: number, h: Histogram): void {
    if (isStaleNaN(h.sum)) h = staleOnly(h.sum);
    const w = this.w;
    let tDelta = 0;
    let cntDelta = 0;
    let zCntDelta = 0;
    if (this.num === 0) {
      writeLayout(w, h);
      this.keepLayout(h);
      this.pBuckets = new Array<number>(countSpans(h.positiveSpans)).fill(0);
      this.nBuckets = new Array<number>(countSpans(h.negativeSpans)).fill(0);
      this.pBucketsDelta = new Array<number>(this.pBuckets.length).fill(0);
      this.nBucketsDelta = new Array<number>(this.nBuckets.length).fill(0);
      putVarbitInt(w, t);
      putVarbitUint(w, h.count);
      putVarbitUint(w, h.zeroCount);
      writeFloat(w, h.sum);
      this.sum = newXorStream(h.sum);
      for (const b of h.positiveBuckets) putVarbitInt(w, b);
      for (const b of h.negativeBuckets) putVarbitInt(w, b);
      this.minT = t;
    } else {
      tDelta = t - this.maxT;
      cntDelta = h.count - this.cnt;
      zCntDelta = h.zeroCount - this.zCnt;
      const stale = isStaleNaN(h.sum);
      putVarbitInt(w, tDelta - this.tDelta);
      putVarbitInt(w, stale ? 0 : cntDelta - this.cntDelta);
      putVarbitInt(w, stale ? 0 : zCntDelta - this.zCntDelta);
      xorWrite(w, this.sum, h.sum);
      writeBucketDods(w, h.positiveBuckets, this.pBuckets, this.pBucketsDelta);
      writeBucketDods(w, h.negativeBuckets, this.nBuckets, this.nBucketsDelta);
    }
    this.maxT = t;
    this.cnt = h.count;
    this.zCnt = h.zeroCount;
    this.tDelta = tDelta;
    this.cntDelta = cntDelta;
    this.zCntDelta = zCntDelta;
    for (let i = 0; i < h.positiveBuckets.length; i++) this.pBuckets[i] = h.positiveBuckets[i]!;
    for (let i = 0; i < h.negativeBuckets.length; i++) this.nBuckets[i] = h.negativeBuckets[i]!;
    this.num++;
    if (this.num > 0xffff) throw new RangeError('histogram chunk: more than 65535 samples');
  }
}

function writeBucketDods(w: BitWriter, buckets: readonly number[], last: number[], lastDelta: number[]): void {
  for (let i = 0; i < buckets.length; i++) {
    const delta = buckets[i]! - last[i]!;
    putVarbitInt(w, delta - lastDelta[i]!);
    lastDelta[i] = delta;
  }
}

/** Decodes an integer histogram chunk (header included) into (timestamp, histogram) pairs, as Prometheus's
 *  iterator returns them (hints from the header; a stale sample carries only its sum). */
export function* iterateHistogramChunk(data: Uint8Array): Generator<[number, Histogram]> {
  const total = histogramChunkCount(data);
  const header = counterResetHeaderOf(data);
  const r = new BitReader(data.subarray(HISTOGRAM_HEADER_SIZE), (data.length - HISTOGRAM_HEADER_SIZE) * 8);
  if (total === 0) return;
  const layout = readLayout(r);
  const pBuckets = new Array<number>(countSpans(layout.positiveSpans)).fill(0);
  const nBuckets = new Array<number>(countSpans(layout.negativeSpans)).fill(0);
  const pDelta = new Array<number>(pBuckets.length).fill(0);
  const nDelta = new Array<number>(nBuckets.length).fill(0);
  let t = readVarbitInt(r);
  let cnt = readVarbitUint(r);
  let zCnt = readVarbitUint(r);
  const sumHi = r.readBits(32);
  const sum: XorStream = { hi: sumHi, lo: r.readBits(32), leading: 0, trailing: 0 };
  for (let i = 0; i < pBuckets.length; i++) pBuckets[i] = readVarbitInt(r);
  for (let i = 0; i < nBuckets.length; i++) nBuckets[i] = readVarbitInt(r);
  let tDelta = 0;
  let cntDelta = 0;
  let zCntDelta = 0;
  for (let numRead = 1; ; numRead++) {
    const s = xorStreamValue(sum);
    if (isStaleNaN(s)) yield [t, staleOnly(s)];
    else {
      yield [t, atMostSchema8({
        counterResetHint: counterResetHintFor(header, numRead), schema: layout.schema, zeroThreshold: layout.zeroThreshold,
        zeroCount: zCnt, count: cnt, sum: s, positiveSpans: layout.positiveSpans.map((x) => ({ ...x })),
        negativeSpans: layout.negativeSpans.map((x) => ({ ...x })), positiveBuckets: pBuckets.slice(),
        negativeBuckets: nBuckets.slice(), customValues: layout.customValues.slice(),
      })];
    }
    if (numRead >= total) return;
    tDelta += readVarbitInt(r);
    t += tDelta;
    cntDelta += readVarbitInt(r);
    cnt += cntDelta;
    zCntDelta += readVarbitInt(r);
    zCnt += zCntDelta;
    readXorValue(r, sum);
    if (isStaleNaN(xorStreamValue(sum))) continue;
    readBucketDods(r, pBuckets, pDelta);
    readBucketDods(r, nBuckets, nDelta);
  }
}

/** Schemas 9..52 (chunks from a newer Prometheus) are read at schema 8, as Prometheus's iterator does. */
function atMostSchema8(h: Histogram): Histogram {
  if (h.schema <= EXPONENTIAL_SCHEMA_MAX) return h;
  const pos = reduceSpansResolution(h.positiveSpans, h.positiveBuckets, h.schema, EXPONENTIAL_SCHEMA_MAX, true);
  const neg = reduceSpansResolution(h.negativeSpans, h.negativeBuckets, h.schema, EXPONENTIAL_SCHEMA_MAX, true);
  return { ...h, schema: EXPONENTIAL_SCHEMA_MAX, positiveSpans: pos.spans, positiveBuckets: pos.buckets, negativeSpans: neg.spans, negativeBuckets: neg.buckets };
}

function readBucketDods(r: BitReader, buckets: number[], deltas: number[]): void {
  for (let i = 0; i < buckets.length; i++) {
    deltas[i]! += readVarbitInt(r);
    buckets[i]! += deltas[i]!;
  }
}
