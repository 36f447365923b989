// Range functions over windows that hold native histograms (Prometheus 3.5 functions.go): rate/increase/delta
// (histogramRate), irate/idelta, sum/avg/last/first_over_time, resets and changes. Functions without histogram
// semantics see only the window's floats (with Prometheus's "ignored histograms" info when both kinds are there).

import { annotationText } from '../annotations.js';
import type { Evaluator } from '../evaluator.js';
import {
  addHistogram, compactHistogram, CounterResetHint, detectReset, divideHistogram, histogramEquals, HistogramOpError, reduceResolution,
  scaleHistogram, subHistogram, type FloatHistogram,
} from '../../histogram/index.js';
import type { RangeSeries } from '../value.js';
import type { RangeKernel, WindowContext } from './range.js';

export interface MixedWindow {
  series: RangeSeries;
  lo: number;
  hi: number;
  metric: string;
  ev: Evaluator;
}

export type MixedKernel = (win: MixedWindow, w: WindowContext) => number | FloatHistogram | undefined;

const GAUGE = CounterResetHint.Gauge;

function histogramsOf(win: MixedWindow): { ts: number[]; hs: FloatHistogram[]; floats: number } {
  const ts: number[] = [];
  const hs: FloatHistogram[] = [];
  let floats = 0;
  for (let i = win.lo; i < win.hi; i++) {
    const h = win.series.histograms![i];
    if (h) {
      ts.push(win.series.timestamps[i]!);
      hs.push(h);
    } else floats++;
  }
  return { ts, hs, floats };
}

/** Warns about an incompatible-layout error the way Prometheus's callers do; rethrows anything else. */
function opFailed(win: MixedWindow, err: unknown): undefined {
  if (!(err instanceof HistogramOpError)) throw err;
  win.ev.annotations.warn(
    err.kind === 'mixed-exponential-custom' ? annotationText.mixedExponentialCustom(win.metric) : annotationText.incompatibleCustomBuckets(win.metric),
  );
  return undefined;
}

const isCustom = (h: FloatHistogram) => h.schema === -53;

/** Prometheus's histogramRate: last - first with counter resets added back, at the lowest schema seen. */
function histogramRate(win: MixedWindow, hs: FloatHistogram[], isCounter: boolean): FloatHistogram | undefined {
  const ann = win.ev.annotations;
  let prev = hs[0]!;
  const last = hs[hs.length - 1]!;
  let custom = isCustom(prev);
  if (isCounter && (prev.counterResetHint === GAUGE || last.counterResetHint === GAUGE)) ann.warn(annotationText.histogramNotCounter(win.metric));
  if (isCounter && hs.length > 1 && detectReset(prev, hs[1]!)) {
    const second = hs[1]!;
    prev = { ...emptyHistogram(), schema: second.schema, customValues: second.customValues };
    custom = isCustom(second);
  }
  if (isCustom(last) !== custom) return opFailed(win, new HistogramOpError('mixed-exponential-custom'));
  let minSchema = Math.min(prev.schema, last.schema);
  for (const cur of hs.slice(1, -1)) {
    if (!isCounter) continue;
    if (cur.counterResetHint === GAUGE) ann.warn(annotationText.histogramNotCounter(win.metric));
    minSchema = Math.min(minSchema, cur.schema);
    if (isCustom(cur) !== custom) return opFailed(win, new HistogramOpError('mixed-exponential-custom'));
  }
  let h: FloatHistogram;
  try {
    h = subHistogram(last.schema === minSchema ? last : reduceResolution(last, minSchema), prev);
    if (isCounter) {
      for (const cur of hs.slice(1)) {
        if (detectReset(prev, cur)) h = addHistogram(h, prev);
        prev = cur;
      }
    } else if (hs[0]!.counterResetHint !== GAUGE || last.counterResetHint !== GAUGE) {
      ann.warn(annotationText.histogramNotGauge(win.metric));
    }
  } catch (err) {
    return opFailed(win, err);
  }
  return compactHistogram({ ...h, counterResetHint: GAUGE }, 0);
}

function emptyHistogram(): FloatHistogram {
  return {
    counterResetHint: CounterResetHint.Unknown, schema: 0, zeroThreshold: 0, zeroCount: 0, count: 0, sum: 0,
    positiveSpans: [], negativeSpans: [], positiveBuckets: [], negativeBuckets: [], customValues: [],
  };
}

/** rate / increase / delta of a window: floats via the float kernel, histograms via histogramRate; a mix warns. */
function extrapolatedRateMixed(isCounter: boolean, isRate: boolean, floatKernel: RangeKernel): MixedKernel {
  return (win, w) => {
    const { ts, hs, floats } = histogramsOf(win);
    if (floats > 0 && hs.length > 0) {
      win.ev.annotations.warn(annotationText.mixedFloatsHistograms(win.metric));
      return undefined;
    }
    if (hs.length === 0) return floatKernel(win.series.timestamps, win.series.values, win.lo, win.hi, w);
    if (hs.length < 2) return undefined;
    const h = histogramRate(win, hs, isCounter);
    if (!h) return undefined;
    const firstT = ts[0]!;
    const lastT = ts[ts.length - 1]!;
    let durationToStart = (firstT - w.rangeStart) / 1000;
    let durationToEnd = (w.rangeEnd - lastT) / 1000;
    const sampledInterval = (lastT - firstT) / 1000;
    const avgBetween = sampledInterval / (ts.length - 1);
    if (durationToStart >= avgBetween * 1.1) durationToStart = avgBetween / 2;
    if (durationToEnd >= avgBetween * 1.1) durationToEnd = avgBetween / 2;
    let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
    if (isRate) factor /= w.range / 1000;
    return scaleHistogram(h, factor);
  };
}

/** irate / idelta: the last two samples of the window (floats and histograms may not be mixed). */
function instantValueMixed(isRate: boolean): MixedKernel {
  return (win) => {
    const { series, lo, hi } = win;
    if (hi - lo < 2) return undefined;
    const t1 = series.timestamps[hi - 1]!;
    const t0 = series.timestamps[hi - 2]!;
    const h1 = series.histograms![hi - 1];
    const h0 = series.histograms![hi - 2];
    const interval = t1 - t0;
    if (interval === 0) return undefined;
    if (!h0 && !h1) {
      const last = series.values[hi - 1]!;
      const prev = series.values[hi - 2]!;
      const r = isRate && last < prev ? last : last - prev;
      return isRate ? r / (interval / 1000) : r;
    }
    if (!h0 || !h1) {
      win.ev.annotations.warn(annotationText.mixedFloatsHistograms(win.metric));
      return undefined;
    }
    const ann = win.ev.annotations;
    if (isRate && (h1.counterResetHint === GAUGE || h0.counterResetHint === GAUGE)) ann.warn(annotationText.histogramNotCounter(win.metric));
    if (!isRate && (h1.counterResetHint !== GAUGE || h0.counterResetHint !== GAUGE)) ann.warn(annotationText.histogramNotGauge(win.metric));
    let h = h1;
    if (!isRate || !detectReset(h0, h1)) {
      try {
        h = subHistogram(h1, h0);
      } catch (err) {
        return opFailed(win, err);
      }
    }
    h = compactHistogram({ ...h, counterResetHint: GAUGE }, 0);
    return isRate ? divideHistogram(h, interval / 1000) : h;
  };
}

/** sum_over_time / avg_over_time: histograms summed or averaged; a mix of floats and histograms warns. */
function sumAvgOverTime(avg: boolean, floatKernel: RangeKernel): MixedKernel {
  return (win, w) => {
    const { hs, floats } = histogramsOf(win);
    if (floats > 0 && hs.length > 0) {
      win.ev.annotations.warn(annotationText.mixedFloatsHistograms(win.metric));
      return undefined;
    }
    if (hs.length === 0) return floatKernel(win.series.timestamps, win.series.values, win.lo, win.hi, w);
    let acc = hs[0]!;
    try {
      for (let i = 1; i < hs.length; i++) {
        const count = i + 1;
        acc = avg ? addHistogram(acc, subHistogram(divideHistogram(hs[i]!, count), divideHistogram(acc, count))) : addHistogram(acc, hs[i]!);
      }
    } catch (err) {
      return opFailed(win, err);
    }
    return avg ? compactHistogram(acc, 0) : acc;
  };
}

/** Counts transitions between consecutive samples (a float/histogram switch always counts). */
function transitions(counts: (prev: FloatHistogram, cur: FloatHistogram) => boolean, floatCounts: (prev: number, cur: number) => boolean): MixedKernel {
  return ({ series, lo, hi }) => {
    let n = 0;
    for (let i = lo + 1; i < hi; i++) {
      const p = series.histograms![i - 1];
      const c = series.histograms![i];
      if (p && c) n += counts(p, c) ? 1 : 0;
      else if (p || c) n++;
      else n += floatCounts(series.values[i - 1]!, series.values[i]!) ? 1 : 0;
    }
    return n;
  };
}

export function mixedKernels(floatKernels: Record<string, RangeKernel>): Record<string, MixedKernel> {
  return {
    rate: extrapolatedRateMixed(true, true, floatKernels.rate!),
    increase: extrapolatedRateMixed(true, false, floatKernels.increase!),
    delta: extrapolatedRateMixed(false, false, floatKernels.delta!),
    irate: instantValueMixed(true),
    idelta: instantValueMixed(false),
    sum_over_time: sumAvgOverTime(false, floatKernels.sum_over_time!),
    avg_over_time: sumAvgOverTime(true, floatKernels.avg_over_time!),
    last_over_time: ({ series, hi }) => series.histograms![hi - 1] ?? series.values[hi - 1]!,
    first_over_time: ({ series, lo }) => series.histograms![lo] ?? series.values[lo]!,
    resets: transitions((p, c) => detectReset(p, c), (p, c) => c < p),
    changes: transitions((p, c) => !histogramEquals(p, c), (p, c) => p !== c && !(p !== p && c !== c)),
  };
}

/** Functions whose float kernel already treats every sample alike (counts, presence, timestamps). */
export const KIND_AGNOSTIC = new Set(['count_over_time', 'present_over_time', 'ts_of_last_over_time', 'ts_of_first_over_time']);

/** The window's floats only, for float-only functions; null when it has none. Emits the mixed-range info. */
export function floatWindow(win: MixedWindow): { ts: number[]; vs: number[] } | null {
  const ts: number[] = [];
  const vs: number[] = [];
  let hist = false;
  for (let i = win.lo; i < win.hi; i++) {
    if (win.series.histograms![i]) hist = true;
    else {
      ts.push(win.series.timestamps[i]!);
      vs.push(win.series.values[i]!);
    }
  }
  if (ts.length === 0) return null;
  if (hist) win.ev.annotations.info(annotationText.histogramIgnoredInMixedRange(win.metric));
  return { ts, vs };
}
