// Prometheus's float histogram chunk (tsdb/chunkenc/float_histogram.go), byte for byte: the same header and
// layout as the integer chunk; the first sample's timestamp is a varbit, its count, zero count, sum and
// (absolute) bucket counts raw float64s; later samples store a timestamp delta of delta and every float
// Gorilla-XORed against the same field of the previous sample. Appender rules as for integer histograms,
// except that a new chunk's header says only "counter reset" or, when a previous chunk is given, "not".
import { CounterResetHint, isCustomBucketsSchema, type FloatHistogram, type Span } from '../../histogram/model.js';
import { reduceResolution } from '../../histogram/ops.js';
import { EXPONENTIAL_SCHEMA_MAX } from '../../histogram/model.js';
import { isStaleNaN } from '../../storage/value.js';
import { BitReader, BitWriter } from './bits.js';
import {
  COUNTER_RESET_HEADER_MASK, CounterResetHeader, HISTOGRAM_FLAG_POS, HISTOGRAM_HEADER_SIZE, countSpans,
  counterResetHeaderOf, counterResetHintFor, customBoundsMatch, histogramChunkCount, newXorStream,
  readLayout, writeFloat, writeLayout, xorStreamValue, xorWrite, type XorStream,
} from './histogram-meta.js';
import { adjustForInserts, applyInserts, expandSpansAndBuckets, expandSpansBothWays, type Insert } from './histogram-spans.js';
import type { AppendOutcome } from './histogram.js';
import { putVarbitInt, readVarbitInt } from './varbit.js';
import { readXorValue } from './xor.js';

interface Verdict {
  pFwd: Insert[];
  nFwd: Insert[];
  pBack: Insert[];
  nBack: Insert[];
  ok: boolean;
  counterReset: boolean;
  /** Gauge histograms: the union of the chunk's and the sample's layouts. */
  pMerged?: Span[];
  nMerged?: Span[];
}

function refused(counterReset: boolean): Verdict {
  return { pFwd: [], nFwd: [], pBack: [], nBack: [], ok: false, counterReset };
}

const STALE_ONLY = (sum: number): FloatHistogram => ({
  counterResetHint: CounterResetHint.Unknown, schema: 0, zeroThreshold: 0, zeroCount: 0, count: 0, sum,
  positiveSpans: [], negativeSpans: [], positiveBuckets: [], negativeBuckets: [], customValues: [],
});

export function copyFloatHistogram(h: FloatHistogram): FloatHistogram {
  return {
    ...h,
    positiveSpans: h.positiveSpans.map((s) => ({ ...s })),
    negativeSpans: h.negativeSpans.map((s) => ({ ...s })),
    positiveBuckets: h.positiveBuckets.slice(),
    negativeBuckets: h.negativeBuckets.slice(),
    customValues: h.customValues.slice(),
  };
}

export class FloatHistogramAppender {
  readonly w = new BitWriter(64);
  num = 0;
  minT = 0;
  maxT = 0;
  private header: CounterResetHeader = CounterResetHeader.Unknown;
  private schema = 0;
  private zThreshold = 0;
  private pSpans: Span[] = [];
  private nSpans: Span[] = [];
  private customValues: number[] = [];
  private tDelta = 0;
  private cnt: XorStream = newXorStream(0);
  private zCnt: XorStream = newXorStream(0);
  private sum: XorStream = newXorStream(0);
  private pBuckets: XorStream[] = [];
  private nBuckets: XorStream[] = [];

  constructor() {
    this.w.writeBits(0, 8 * HISTOGRAM_HEADER_SIZE);
  }

  get counterResetHeader(): CounterResetHeader {
    return this.header;
  }

  setCounterResetHeader(h: CounterResetHeader): void {
    this.header = h;
  }

  bytes(): Uint8Array {
    const out = this.w.finish();
    out[0] = (this.num >>> 8) & 0xff;
    out[1] = this.num & 0xff;
    out[HISTOGRAM_FLAG_POS] = (out[HISTOGRAM_FLAG_POS]! & ~COUNTER_RESET_HEADER_MASK) | this.header;
    return out;
  }

  /** As HistogramAppender.append, for float histograms (`h` is not modified). */
  append(t: number, h: FloatHistogram, prev: FloatHistogramAppender | null = null): { app: FloatHistogramAppender; outcome: AppendOutcome } {
    if (this.num === 0) {
      this.appendRaw(t, h);
      if (h.counterResetHint === CounterResetHint.Gauge) this.header = CounterResetHeader.Gauge;
      else if (h.counterResetHint === CounterResetHint.CounterReset) this.header = CounterResetHeader.CounterReset;
      else if (prev !== null) {
        this.header = prev.appendable(h).counterReset ? CounterResetHeader.CounterReset : CounterResetHeader.NotCounterReset;
      }
      return { app: this, outcome: 'appended' };
    }
    const gauge = h.counterResetHint === CounterResetHint.Gauge;
    const v = gauge ? this.appendableGauge(h) : this.appendable(h);
    if (!v.ok || v.counterReset) {
      const next = new FloatHistogramAppender();
      if (gauge) next.header = CounterResetHeader.Gauge;
      else if (v.counterReset) next.header = CounterResetHeader.CounterReset;
      next.appendRaw(t, h);
      return { app: next, outcome: 'cut' };
    }
    let hh = h;
    if (v.pBack.length > 0 || v.nBack.length > 0) {
      hh = copyFloatHistogram(h);
      if (gauge) {
        hh.positiveSpans = v.pMerged!;
        hh.negativeSpans = v.nMerged!;
      } else if (v.pFwd.length === 0 && v.nFwd.length === 0) {
        hh.positiveSpans = this.pSpans.map((s) => ({ ...s }));
        hh.negativeSpans = this.nSpans.map((s) => ({ ...s }));
      } else {
        hh.positiveSpans = adjustForInserts(hh.positiveSpans, v.pBack);
        hh.negativeSpans = adjustForInserts(hh.negativeSpans, v.nBack);
      }
      if (v.pBack.length > 0) hh.positiveBuckets = applyInserts(hh.positiveBuckets, countSpans(hh.positiveSpans), v.pBack, false);
      if (v.nBack.length > 0) hh.negativeBuckets = applyInserts(hh.negativeBuckets, countSpans(hh.negativeSpans), v.nBack, false);
    }
    if (v.pFwd.length > 0 || v.nFwd.length > 0) {
      const app = this.recode(v.pFwd, v.nFwd, hh.positiveSpans, hh.negativeSpans);
      app.appendRaw(t, hh);
      return { app, outcome: 'recoded' };
    }
    this.appendRaw(t, hh);
    return { app: this, outcome: 'appended' };
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

  private recode(pFwd: Insert[], nFwd: Insert[], pSpans: Span[], nSpans: Span[]): FloatHistogramAppender {
    const app = new FloatHistogramAppender();
    const np = countSpans(pSpans);
    const nn = countSpans(nSpans);
    for (const [t, old] of iterateFloatHistogramChunk(this.bytes())) {
      old.positiveSpans = pSpans;
      old.negativeSpans = nSpans;
      if (pFwd.length > 0) old.positiveBuckets = applyInserts(old.positiveBuckets, np, pFwd, false);
      if (nFwd.length > 0) old.negativeBuckets = applyInserts(old.negativeBuckets, nn, nFwd, false);
      app.appendRaw(t, old);
    }
    app.header = this.header;
    return app;
  }

  /** Prometheus's appendFloatHistogram: writes `h` with no appendability checks. */
  appendRaw(t: number, h: FloatHistogram): void {
    if (isStaleNaN(h.sum)) h = STALE_ONLY(h.sum);
    const w = this.w;
    let tDelta = 0;
    if (this.num === 0) {
      writeLayout(w, h);
      this.schema = h.schema;
      this.zThreshold = h.zeroThreshold;
      this.pSpans = h.positiveSpans.map((s) => ({ ...s }));
      this.nSpans = h.negativeSpans.map((s) => ({ ...s }));
      this.customValues = h.customValues.slice();
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
    if (isStaleNaN(s)) yield [t, STALE_ONLY(s)];
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
