// Native histogram samples of one head series, kept beside its float chunks. Plain arrays, not Prometheus's
// histogram chunk encodings (branch hist-chunks writes those): one object per sample, but samples whose bucket
// layout (spans, custom bounds) equals the previous sample's share those arrays, so a steady series costs its
// bucket counts and a few numbers per sample.
import { histogramToFloat } from '../histogram/convert.js';
import { histogramEquals } from '../histogram/compare.js';
import type { FloatHistogram, Histogram, HistogramSamples, Span } from '../histogram/model.js';

/** One stored histogram sample. `float` tells an integer histogram (delta bucket counts) from a float one. */
export type HeadHistogramSample =
  | { readonly t: number; readonly float: false; readonly h: Histogram }
  | { readonly t: number; readonly float: true; readonly h: FloatHistogram };

export class SeriesHistograms {
  /** Timestamps, ascending. */
  readonly ts: number[] = [];
  readonly samples: HeadHistogramSample[] = [];

  get count(): number {
    return this.ts.length;
  }

  get minT(): number {
    return this.ts.length > 0 ? this.ts[0]! : Infinity;
  }

  get maxT(): number {
    return this.ts.length > 0 ? this.ts[this.ts.length - 1]! : -Infinity;
  }

  get last(): HeadHistogramSample | undefined {
    return this.samples[this.samples.length - 1];
  }

  /** Appends a sample later than every stored one (the caller checked the order). */
  push(t: number, h: Histogram | FloatHistogram, float: boolean): void {
    const prev = this.last?.h;
    const stored = {
      ...h,
      positiveSpans: shareSpans(prev?.positiveSpans, h.positiveSpans),
      negativeSpans: shareSpans(prev?.negativeSpans, h.negativeSpans),
      customValues: prev !== undefined && numbersEqual(prev.customValues, h.customValues) ? prev.customValues : h.customValues.slice(),
      positiveBuckets: h.positiveBuckets.slice(),
      negativeBuckets: h.negativeBuckets.slice(),
    };
    this.ts.push(t);
    this.samples.push(float ? { t, float: true, h: stored } : { t, float: false, h: stored });
  }

  /** Drops samples before `cutoff`; returns how many. */
  dropBefore(cutoff: number): number {
    const n = this.lowerBound(cutoff);
    if (n > 0) {
      this.ts.splice(0, n);
      this.samples.splice(0, n);
    }
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

  /** The stored samples in [mint, maxt], as stored (integer histograms stay integer). */
  rawIn(mint: number, maxt: number): HeadHistogramSample[] {
    const from = this.lowerBound(mint);
    let to = from;
    while (to < this.ts.length && this.ts[to]! <= maxt) to++;
    return this.samples.slice(from, to);
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
      values[i] = s.float ? copyFloat(s.h) : histogramToFloat(s.h);
    }
    return { timestamps, values };
  }
}

/** A fresh copy, so a reader changing its result never changes the head. */
function copyFloat(h: FloatHistogram): FloatHistogram {
  return {
    ...h,
    positiveSpans: h.positiveSpans.map((s) => ({ ...s })),
    negativeSpans: h.negativeSpans.map((s) => ({ ...s })),
    positiveBuckets: h.positiveBuckets.slice(),
    negativeBuckets: h.negativeBuckets.slice(),
    customValues: h.customValues.slice(),
  };
}

function shareSpans(prev: readonly Span[] | undefined, next: readonly Span[]): Span[] {
  if (prev !== undefined && spansEqual(prev, next)) return prev as Span[];
  return next.map((s) => ({ offset: s.offset, length: s.length }));
}

function spansEqual(a: readonly Span[], b: readonly Span[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.offset !== b[i]!.offset || a[i]!.length !== b[i]!.length) return false;
  return true;
}

function numbersEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
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
