// Prometheus's float histogram chunk (tsdb/chunkenc/float_histogram.go), byte for byte: the same header and
// layout as the integer chunk; the first sample's timestamp is a varbit, its count, zero count, sum and
// (absolute) bucket counts raw float64s; later samples store a timestamp delta of delta and every float
// Gorilla-XORed against the same field of the previous sample. Appender rules as for integer histograms,
// except that a new chunk's header says only "counter reset" or, when a previous chunk is given, "not".
import { CounterResetHint, isCustomBucketsSchema, type FloatHistogram, type Span } from '../../histogram/model.js';
import { reduceResolution } from '../../histogram/ops.js';
import { EXPONENTIAL_SCHEMA_MAX } from '../../histogram/model.js';
import { isStaleNaN } from '../../storage/value.js';
import { BitReader } from './bits.js';
import { HistogramChunkAppender, staleOnly, type AppendOutcome, type Placement } from './histogram-appender.js';
import {
  CounterResetHeader, HISTOGRAM_HEADER_SIZE, countSpans, counterResetHeaderOf, counterResetHintFor, customBoundsMatch,
  histogramChunkCount, newXorStream, readLayout, writeFloat, writeLayout, xorStreamValue, xorWrite, type XorStream,
} from './histogram-meta.js';
import { expandSpansAndBuckets, expandSpansBothWays, type Insert } from './histogram-spans.js';
import { putVarbitInt, readVarbitInt } from './varbit.js';
import { readXorValue } from './xor.js';

interface Verdict extends Placement {
  ok: boolean;
  counterReset: boolean;
}

function refused(counterReset: boolean): Verdict {
  return { pFwd: [], nFwd: [], pBack: [], nBack: [], ok: false, counterReset };
}

export class FloatHistogramAppender extends HistogramChunkAppender<FloatHistogramAppender> {
  protected readonly deltaBuckets = false;
  private cnt: XorStream = newXorStream(0);
  private zCnt: XorStream = newXorStream(0);
  private sum: XorStream = newXorStream(0);
  private pBuckets: XorStream[] = [];
  private nBuckets: XorStream[] = [];

  protected fresh(): FloatHistogramAppender {
    return new FloatHistogramAppender();
  }

  protected samples(data: Uint8Array): Iterable<[number, FloatHistogram]> {
    return iterateFloatHistogramChunk(data);
  }

  protected headerFollowing(h: FloatHistogram): CounterResetHeader {
    return this.appendable(h).counterReset ? CounterResetHeader.CounterReset : CounterResetHeader.NotCounterReset;
  }

  /** As HistogramAppender.append, for float histograms (`h` is not modified). */
  append(t: number, h: FloatHistogram, prev: FloatHistogramAppender | null = null): { app: FloatHistogramAppender; outcome: AppendOutcome } {
    if (this.num === 0) return this.first(t, h, prev);
    const gauge = h.counterResetHint === CounterResetHint.Gauge;
    const v = gauge ? this.appendableGauge(h) : this.appendable(h);
    if (!v.ok || v.counterReset) {
      const header = gauge ? CounterResetHeader.Gauge : v.counterReset ? CounterResetHeader.CounterReset : CounterResetHeader.Unknown;
      return this.cut(t, h, header);
    }
    return this.place(t, h, v, gauge);
  }

  /** Prometheus's FloatHistogramAppender.appendable(). */
  appendable(h: FloatHistogram): Verdict {
    if (this.num > 0 && this.header === CounterResetHeader.Gauge) return refused(false);
    if (h.counterResetHint === CounterResetHint.CounterReset) return refused(true);
    if (isStaleNaN(h.sum)) return { ...refused(false), ok: true };
    if (isStaleNaN(xorStreamValue(this.sum))) return refused(false);
    if (h.count < xorStreamValue(this.cnt)) return refused(true);
    if (h.schema !== this.schema || h.zeroThreshold !== this.zThreshold) return refused(false);
    if (isCustomBucketsSchema(h.schema) && !customBoundsMatch(h.customValues, this.customValues)) return refused(true);
    if (h.zeroCount < xorStreamValue(this.zCnt)) return refused(true);
    const p = expandSpansAndBuckets(this.pSpans, h.positiveSpans, this.pBuckets.map(xorStreamValue), h.positiveBuckets, false);
    if (p === null) return refused(true);
    const n = expandSpansAndBuckets(this.nSpans, h.negativeSpans, this.nBuckets.map(xorStreamValue), h.negativeBuckets, false);
    if (n === null) return refused(true);
    return { pFwd: p.forward, nFwd: n.forward, pBack: p.backward, nBack: n.backward, ok: true, counterReset: false };
  }

  private appendableGauge(h: FloatHistogram): Verdict {
    if (this.num > 0 && this.header !== CounterResetHeader.Gauge) return refused(false);
    if (isStaleNaN(h.sum)) return { ...refused(false), ok: true };
    if (isStaleNaN(xorStreamValue(this.sum))) return refused(false);
    if (h.schema !== this.schema || h.zeroThreshold !== this.zThreshold) return refused(false);
    if (isCustomBucketsSchema(h.schema) && !customBoundsMatch(h.customValues, this.customValues)) return refused(false);
    const p = expandSpansBothWays(this.pSpans, h.positiveSpans);
    const n = expandSpansBothWays(this.nSpans, h.negativeSpans);
    return {
      pFwd: p.forward, nFwd: n.forward, pBack: p.backward, nBack: n.backward, ok: true, counterReset: false,
      pMerged: p.merged, nMerged: n.merged,
    };
  }

  /** Prometheus's appendFloatHistogram: writes `h` with no appendability checks. */
  appendRaw(t: number, h: FloatHistogram): void {
    if (isStaleNaN(h.sum)) h = staleOnly(h.sum);
    const w = this.w;
    let tDelta = 0;
    if (this.num === 0) {
      writeLayout(w, h);
      this.keepLayout(h);
      putVarbitInt(w, t);
      // One by one: a literal array of doubles would canonicalize the stale marker's NaN payload.
      writeFloat(w, h.count);
      writeFloat(w, h.zeroCount);
      writeFloat(w, h.sum);
      for (const v of h.positiveBuckets) writeFloat(w, v);
      for (const v of h.negativeBuckets) writeFloat(w, v);
      this.cnt = newXorStream(h.count);
      this.zCnt = newXorStream(h.zeroCount);
      this.sum = newXorStream(h.sum);
      this.pBuckets = h.positiveBuckets.map((v) => newXorStream(v));
      this.nBuckets = h.negativeBuckets.map((v) => newXorStream(v));
      this.minT = t;
    } else {
      tDelta = t - this.maxT;
      putVarbitInt(w, tDelta - this.tDelta);
      xorWrite(w, this.cnt, h.count);
      xorWrite(w, this.zCnt, h.zeroCount);
      xorWrite(w, this.sum, h.sum);
      for (let i = 0; i < h.positiveBuckets.length; i++) xorWrite(w, this.pBuckets[i]!, h.positiveBuckets[i]!);
      for (let i = 0; i < h.negativeBuckets.length; i++) xorWrite(w, this.nBuckets[i]!, h.negativeBuckets[i]!);
    }
    this.maxT = t;
    this.tDelta = tDelta;
    this.num++;
    if (this.num > 0xffff) throw new RangeError('float histogram chunk: more than 65535 samples');
  }
}

function readRaw(r: BitReader): XorStream {
  const hi = r.readBits(32);
  return { hi, lo: r.readBits(32), leading: 0, trailing: 0 };
}

/** Decodes a float histogram chunk (header included) into (timestamp, histogram) pairs, as Prometheus's
 *  iterator returns them. */
export function* iterateFloatHistogramChunk(data: Uint8Array): Generator<[number, FloatHistogram]> {
  const total = histogramChunkCount(data);
  const header = counterResetHeaderOf(data);
  const r = new BitReader(data.subarray(HISTOGRAM_HEADER_SIZE), (data.length - HISTOGRAM_HEADER_SIZE) * 8);
  if (total === 0) return;
  const layout = readLayout(r);
  let t = readVarbitInt(r);
  const cnt = readRaw(r);
  const zCnt = readRaw(r);
  const sum = readRaw(r);
  const pBuckets = Array.from({ length: countSpans(layout.positiveSpans) }, () => readRaw(r));
  const nBuckets = Array.from({ length: countSpans(layout.negativeSpans) }, () => readRaw(r));
  let tDelta = 0;
  for (let numRead = 1; ; numRead++) {
    const s = xorStreamValue(sum);
    if (isStaleNaN(s)) yield [t, staleOnly(s)];
    else {
      const h: FloatHistogram = {
        counterResetHint: counterResetHintFor(header, numRead), schema: layout.schema, zeroThreshold: layout.zeroThreshold,
        zeroCount: xorStreamValue(zCnt), count: xorStreamValue(cnt), sum: s,
        positiveSpans: layout.positiveSpans.map((x) => ({ ...x })), negativeSpans: layout.negativeSpans.map((x) => ({ ...x })),
        positiveBuckets: pBuckets.map(xorStreamValue), negativeBuckets: nBuckets.map(xorStreamValue),
        customValues: layout.customValues.slice(),
      };
      // Schemas 9..52 (chunks from a newer Prometheus) are read at schema 8, as Prometheus's iterator does.
      yield [t, h.schema > EXPONENTIAL_SCHEMA_MAX ? reduceResolution(h, EXPONENTIAL_SCHEMA_MAX) : h];
    }
    if (numRead >= total) return;
    tDelta += readVarbitInt(r);
    t += tDelta;
    readXorValue(r, cnt);
    readXorValue(r, zCnt);
    readXorValue(r, sum);
    if (isStaleNaN(xorStreamValue(sum))) continue;
    for (const b of pBuckets) readXorValue(r, b);
    for (const b of nBuckets) readXorValue(r, b);
  }
}
