// Native histogram samples of one head series, kept beside its float chunks. Not Prometheus's histogram chunk
// encodings (branch hist-chunks writes those): each sample is kept in Prometheus's WAL encoding of a histogram
// (tsdb/record EncodeHistogram, about 50 bytes for a dozen buckets) in one growing buffer per series, so the
// head holds a few arrays per series rather than objects per sample (the garbage collector never walks them).
import { histogramToFloat } from '../histogram/convert.js';
import { histogramEquals } from '../histogram/compare.js';
import type { FloatHistogram, Histogram, HistogramSamples } from '../histogram/model.js';
import { RecordBuilder, RecordReader } from './wal/records.js';
import { decodeHistogram, encodeHistogram, type HeadHistogramSample } from './wal/histogram-records.js';

/** One stored histogram sample. `float` tells an integer histogram (delta bucket counts) from a float one. */
export type { HeadHistogramSample };

export class SeriesHistograms {
  /** Timestamps, ascending. */
  readonly ts: number[] = [];
  /** Where sample i's encoding starts in data.buf: a kind byte (1: float), then EncodeHistogram's bytes. */
  private starts: number[] = [];
  private data = new RecordBuilder(0, 64);

  get count(): number {
    return this.ts.length;
  }

  get minT(): number {
    return this.ts.length > 0 ? this.ts[0]! : Infinity;
  }

  get maxT(): number {
    return this.ts.length > 0 ? this.ts[this.ts.length - 1]! : -Infinity;
  }

  /** The newest sample, decoded (the duplicate check and stale markers need it; both are rare). */
  get last(): HeadHistogramSample | undefined {
    return this.ts.length > 0 ? this.at(this.ts.length - 1) : undefined;
  }

  /** Appends a sample later than every stored one (the caller checked the order). */
  push(t: number, h: Histogram | FloatHistogram, float: boolean): void {
    this.ts.push(t);
    this.starts.push(this.data.pos);
    this.data.byte(float ? 1 : 0);
    encodeHistogram(this.data, float, h);
  }

  /** The newest sample's EncodeHistogram bytes (what its WAL record carries). A view: copy before the next push. */
  lastEncoded(): Uint8Array {
    return this.data.buf.subarray(this.starts[this.starts.length - 1]! + 1, this.data.pos);
  }

  /** Drops samples before `cutoff`; returns how many. */
  dropBefore(cutoff: number): number {
    const n = this.lowerBound(cutoff);
    if (n === 0) return 0;
    const from = n < this.ts.length ? this.starts[n]! : this.data.pos;
    const kept = new RecordBuilder(0, 64 + this.data.pos - from);
    const shift = kept.pos - from;
    kept.bytes(this.data.buf.subarray(from, this.data.pos));
    this.data = kept;
    this.ts.splice(0, n);
    this.starts = this.starts.slice(n).map((p) => p + shift);
    return n;
  }

  /** Index of the first sample at or after t. */
  lowerBound(t: number): number {
    let lo = 0;
    let hi = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  hasIn(mint: number, maxt: number): boolean {
    const i = this.lowerBound(mint);
    return i < this.ts.length && this.ts[i]! <= maxt;
  }

  /** The stored samples in [mint, maxt], as stored (integer histograms stay integer), freshly decoded. */
  rawIn(mint: number, maxt: number): HeadHistogramSample[] {
    const out: HeadHistogramSample[] = [];
    for (let i = this.lowerBound(mint); i < this.ts.length && this.ts[i]! <= maxt; i++) out.push(this.at(i));
    return out;
  }

  /** The samples in [mint, maxt] as float histograms (what PromQL reads), or null when there are none. */
  floatIn(mint: number, maxt: number): HistogramSamples | null {
    const raw = this.rawIn(mint, maxt);
    if (raw.length === 0) return null;
    const timestamps = new Float64Array(raw.length);
    const values = new Array<FloatHistogram>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const s = raw[i]!;
      timestamps[i] = s.t;
      values[i] = s.float ? s.h : histogramToFloat(s.h);
    }
    return { timestamps, values };
  }

  private at(i: number): HeadHistogramSample {
    const end = i + 1 < this.starts.length ? this.starts[i + 1]! : this.data.pos;
    const r = new RecordReader(this.data.buf, this.starts[i]!, end);
    const float = r.byte() === 1;
    const h = decodeHistogram(r, float);
    const t = this.ts[i]!;
    return float ? { t, float: true, h } : { t, float: false, h };
  }
}

/**
 * Prometheus's Histogram.Equals / FloatHistogram.Equals: what makes a resent sample at the newest timestamp a
 * harmless duplicate. An integer histogram compares like a float one (its deltas bit for bit).
 */
export function histogramsEqual(a: Histogram | FloatHistogram, b: Histogram | FloatHistogram): boolean {
  return histogramEquals(a, b);
}

/** The histogram Prometheus appends for a float stale marker on a series whose newest sample is a histogram. */
export function staleHistogram(sum: number): Histogram {
  return { counterResetHint: 0, schema: 0, zeroThreshold: 0, zeroCount: 0, count: 0, sum, positiveSpans: [], negativeSpans: [], positiveBuckets: [], negativeBuckets: [], customValues: [] };
}
