// Native histogram samples in blocks: a series' histogram samples cut into Prometheus's histogram chunks the
// way its seriesToChunkEncoder does (a new chunk every 120 samples, on a switch between integer and float
// histograms, and whenever the appender cuts; a recoded chunk replaces the open one), and read back.
import { histogramToFloat } from '../../histogram/convert.js';
import type { FloatHistogram, Histogram, HistogramSamples } from '../../histogram/model.js';
import { FloatHistogramAppender, iterateFloatHistogramChunk } from '../chunks/float-histogram.js';
import { ENC_FLOAT_HISTOGRAM, ENC_HISTOGRAM } from '../chunks/histogram-meta.js';
import { HistogramAppender, iterateHistogramChunk } from '../chunks/histogram.js';
import { SAMPLES_PER_CHUNK } from '../chunks/xor.js';
import type { BlockChunk } from './writer.js';

/** One stored histogram sample: integer (EncHistogram chunks) or float (EncFloatHistogram chunks). */
export type StoredHistogram = { t: number; isFloat: false; h: Histogram } | { t: number; isFloat: true; h: FloatHistogram };

export function isHistogramEncoding(enc: number): boolean {
  return enc === ENC_HISTOGRAM || enc === ENC_FLOAT_HISTOGRAM;
}

/** Histogram samples (time-sorted) as block chunks. */
export function histogramChunks(run: readonly StoredHistogram[]): BlockChunk[] {
  const out: BlockChunk[] = [];
  let intApp: HistogramAppender | null = null;
  let floatApp: FloatHistogramAppender | null = null;
  let n = 0;
  const flush = (): void => {
    const app = intApp ?? floatApp;
    if (app !== null && app.num > 0) {
      out.push({ minT: app.minT, maxT: app.maxT, encoding: intApp !== null ? ENC_HISTOGRAM : ENC_FLOAT_HISTOGRAM, data: app.bytes() });
    }
    intApp = null;
    floatApp = null;
    n = 0;
  };
  for (const s of run) {
    if (n >= SAMPLES_PER_CHUNK || (s.isFloat ? intApp !== null : floatApp !== null)) flush();
    let outcome: string;
    if (s.isFloat) {
      const r = (floatApp ?? new FloatHistogramAppender()).append(s.t, s.h);
      if (r.outcome === 'cut') flush();
      floatApp = r.app;
      outcome = r.outcome;
    } else {
      const r = (intApp ?? new HistogramAppender()).append(s.t, s.h);
      if (r.outcome === 'cut') flush();
      intApp = r.app;
      outcome = r.outcome;
    }
    if (outcome === 'cut') n = 0;
    n++;
  }
  flush();
  return out;
}

/** Appends the samples with mint <= t <= maxt of one histogram chunk (data with its header) to `out`. */
export function decodeHistogramChunk(encoding: number, data: Uint8Array, mint: number, maxt: number, out: StoredHistogram[]): void {
  if (encoding === ENC_HISTOGRAM) {
    for (const [t, h] of iterateHistogramChunk(data)) {
      if (t > maxt) return;
      if (t >= mint) out.push({ t, isFloat: false, h });
    }
  } else {
    for (const [t, h] of iterateFloatHistogramChunk(data)) {
      if (t > maxt) return;
      if (t >= mint) out.push({ t, isFloat: true, h });
    }
  }
}

/** What queriers see: float histograms (Prometheus's ToFloat for integer ones). */
export function toHistogramSamples(stored: readonly StoredHistogram[]): HistogramSamples {
  return {
    timestamps: Float64Array.from(stored, (s) => s.t),
    values: stored.map((s) => (s.isFloat ? s.h : histogramToFloat(s.h))),
  };
}

/** Float histogram samples as stored samples (float chunks). */
export function storedFromSamples(hs: HistogramSamples | undefined): StoredHistogram[] {
  if (hs === undefined) return [];
  return hs.values.map((h, i) => ({ t: hs.timestamps[i]!, isFloat: true, h }));
}

/** Concatenates runs of one series in time order; on a repeated timestamp the earlier run's sample wins. */
export function mergeTimed<T>(runs: ReadonlyArray<{ ts: ArrayLike<number>; vals: readonly T[] }>): { ts: number[]; vals: T[] } {
  const ordered = runs.filter((r) => r.ts.length > 0).sort((a, b) => a.ts[0]! - b.ts[0]!);
  const items: Array<{ t: number; v: T; k: number }> = [];
  for (const r of ordered) for (let i = 0; i < r.ts.length; i++) items.push({ t: r.ts[i]!, v: r.vals[i]!, k: items.length });
  items.sort((a, b) => a.t - b.t || a.k - b.k);
  const ts: number[] = [];
  const vals: T[] = [];
  for (const it of items) {
    if (ts.length > 0 && ts[ts.length - 1] === it.t) continue;
    ts.push(it.t);
    vals.push(it.v);
  }
  return { ts, vals };
}

export function mergeStoredHistograms(parts: ReadonlyArray<readonly StoredHistogram[]>): StoredHistogram[] {
  if (parts.length === 1) return [...parts[0]!];
  return mergeTimed(parts.map((p) => ({ ts: p.map((s) => s.t), vals: p }))).vals;
}

export function mergeHistogramSamples(parts: ReadonlyArray<HistogramSamples | undefined>): HistogramSamples | undefined {
  const present = parts.filter((p): p is HistogramSamples => p !== undefined && p.timestamps.length > 0);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  const m = mergeTimed(present.map((p) => ({ ts: p.timestamps, vals: p.values })));
  return { timestamps: Float64Array.from(m.ts), values: m.vals };
}
