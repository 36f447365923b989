// Functions over range vectors (rate, increase, *_over_time, ...): a kernel computes one value from the samples
// [lo, hi) of a window; the driver slides the window over the grid with two indices, no per-step allocation.

import { annotationText } from '../annotations.js';
import type { Call } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { getLabel, newSeries, setHistogram, type Grid, type RangeSeries, type StepSeries, type Value } from '../value.js';
import type { FloatHistogram } from '../../histogram/index.js';
import { floatWindow, KIND_AGNOSTIC, mixedKernels, type MixedKernel } from './range-histogram.js';
import { kahanSumInc, linearRegression, quantileOf } from './mathutil.js';

export interface WindowContext {
  /** The step's evaluation time. */
  t: number;
  /** Window (rangeStart, rangeEnd]. */
  rangeStart: number;
  rangeEnd: number;
  range: number;
  /** Scalar arguments at this step, in argument order (the range argument excluded). */
  args: number[];
}

/** Returns the value for a window, or undefined for "no sample at this step". */
export type RangeKernel = (ts: ArrayLike<number>, vs: ArrayLike<number>, lo: number, hi: number, w: WindowContext) => number | undefined;

export interface RangeFunctionOptions {
  keepName?: boolean;
  /** Called once per call with the scalar arguments at each step, e.g. to validate them. */
  checkArgs?: (ev: Evaluator, args: Float64Array[]) => void;
}

export function rangeFunction(kernel: RangeKernel, opts: RangeFunctionOptions = {}) {
  return (ev: Evaluator, call: Call, grid: Grid): Value => {
    const rangeIdx = call.func === 'quantile_over_time' ? 1 : 0;
    const scalarArgs = call.args.filter((_, i) => i !== rangeIdx).map((a) => ev.evalScalar(a, grid));
    opts.checkArgs?.(ev, scalarArgs);
    const src = ev.rangeSource(call.args[rangeIdx]!, grid);
    const n = grid.count;
    const w: WindowContext = { t: 0, rangeStart: 0, rangeEnd: 0, range: src.range, args: scalarArgs.map(() => 0) };
    const out: StepSeries[] = [];
    const counterCheck = call.func === 'rate' || call.func === 'increase';
    const checkedNames = new Set<string>();
    for (let si = 0; si < src.series.length; si++) {
      const s = src.series[si]!;
      const ts = s.timestamps;
      const vs = s.values;
      const len = ts.length;
      const r = newSeries(s.labels, n, !opts.keepName || s.dropName);
      let lo = 0;
      let hi = 0;
      let any = false;
      let sawSamples = false;
      const metric = getLabel(s.labels, '__name__');
      for (let i = 0; i < n; i++) {
        const ref = src.refs[i]!;
        if (i > 0 && ref < src.refs[i - 1]!) {
          lo = 0;
          hi = 0;
        }
        while (hi < len && ts[hi]! <= ref) hi++;
        while (lo < hi && ts[lo]! <= ref - src.range) lo++;
        if (hi <= lo) continue;
        if (!sawSamples && (!s.histograms || s.histograms.some((h, k) => k >= lo && k < hi && h === undefined))) sawSamples = true;
        w.t = grid.start + i * grid.step;
        w.rangeEnd = ref;
        w.rangeStart = ref - src.range;
        for (let a = 0; a < scalarArgs.length; a++) w.args[a] = scalarArgs[a]![i]!;
        const v = s.histograms ? mixedWindowValue(ev, call.func, kernel, s, lo, hi, w, metric) : kernel(ts, vs, lo, hi, w);
        if (v === undefined) continue;
        if (typeof v === 'number') {
          r.values[i] = v;
          r.present[i] = 1;
        } else setHistogram(r, i, v);
        any = true;
      }
      if (counterCheck && sawSamples) {
        const name = getLabel(s.labels, '__name__');
        if (!checkedNames.has(name)) {
          checkedNames.add(name);
          if (name !== '' && !/(_total|_sum|_count|_bucket)$/.test(name)) ev.annotations.info(annotationText.possibleNonCounter(name));
        }
      }
      if (any) out.push(r);
      if ((si & 1023) === 1023) ev.checkDeadline();
    }
    return { kind: 'vector', series: out };
  };
}

let MIXED_KERNELS: Record<string, MixedKernel> | null = null;

/** A window of a series holding histograms: histogram-aware kernels see both kinds, float kernels the floats. */
function mixedWindowValue(
  ev: Evaluator, func: string, kernel: RangeKernel, s: RangeSeries, lo: number, hi: number, w: WindowContext, metric: string,
): number | FloatHistogram | undefined {
  const mixed = (MIXED_KERNELS ??= mixedKernels(RANGE_KERNELS))[func];
  const win = { series: s, lo, hi, metric, ev };
  if (mixed) return mixed(win, w);
  if (KIND_AGNOSTIC.has(func)) return kernel(s.timestamps, s.values, lo, hi, w);
  const fw = floatWindow(win);
  return fw ? kernel(fw.ts, fw.vs, 0, fw.ts.length, w) : undefined;
}

function extrapolatedRate(isCounter: boolean, isRate: boolean): RangeKernel {
  return (ts, vs, lo, hi, w) => {
    const count = hi - lo;
    if (count < 2) return undefined;
    const firstT = ts[lo]!;
    const lastT = ts[hi - 1]!;
    let result = vs[hi - 1]! - vs[lo]!;
    if (isCounter) {
      let prev = vs[lo]!;
      for (let i = lo + 1; i < hi; i++) {
        const cur = vs[i]!;
        if (cur < prev) result += prev;
        prev = cur;
      }
    }
    let durationToStart = (firstT - w.rangeStart) / 1000;
    let durationToEnd = (w.rangeEnd - lastT) / 1000;
    const sampledInterval = (lastT - firstT) / 1000;
    const avgBetween = sampledInterval / (count - 1);
    const threshold = avgBetween * 1.1;
    if (durationToStart >= threshold) durationToStart = avgBetween / 2;
    if (isCounter && result > 0 && vs[lo]! >= 0) {
      const durationToZero = sampledInterval * (vs[lo]! / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    if (durationToEnd >= threshold) durationToEnd = avgBetween / 2;
    let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
    if (isRate) factor /= w.range / 1000;
    return result * factor;
  };
}

function instantValue(isRate: boolean): RangeKernel {
  return (ts, vs, lo, hi) => {
    if (hi - lo < 2) return undefined;
    const last = vs[hi - 1]!;
    const prev = vs[hi - 2]!;
    let result = last - prev;
    if (isRate && last < prev) result = last;
    const interval = ts[hi - 1]! - ts[hi - 2]!;
    if (interval === 0) return undefined;
    if (isRate) result /= interval / 1000;
    return result;
  };
}

const sumOverTime: RangeKernel = (_ts, vs, lo, hi) => {
  let sum = 0;
  let c = 0;
  for (let i = lo; i < hi; i++) [sum, c] = kahanSumInc(vs[i]!, sum, c);
  return sum === Infinity || sum === -Infinity ? sum : sum + c;
};

const avgOverTime: RangeKernel = (_ts, vs, lo, hi) => {
  let sum = vs[lo]!;
  let count = 1;
  let mean = 0;
  let c = 0;
  let incremental = false;
  for (let i = lo + 1; i < hi; i++) {
    const f = vs[i]!;
    count = i - lo + 1;
    if (!incremental) {
      const [ns, nc] = kahanSumInc(f, sum, c);
      if (ns !== Infinity && ns !== -Infinity) {
        sum = ns;
        c = nc;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= count - 1;
    }
    const q = (count - 1) / count;
    [mean, c] = kahanSumInc(f / count, q * mean, q * c);
  }
  return incremental ? mean + c : sum / count + c / count;
};

function varianceOverTime(ts: ArrayLike<number>, vs: ArrayLike<number>, lo: number, hi: number): number {
  void ts;
  let count = 0;
  let mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (let i = lo; i < hi; i++) {
    const f = vs[i]!;
    count++;
    const delta = f - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (f - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function collect(vs: ArrayLike<number>, lo: number, hi: number): number[] {
  const out: number[] = new Array(hi - lo);
  for (let i = lo; i < hi; i++) out[i - lo] = vs[i]!;
  return out;
}

function tsOf(pick: (vs: ArrayLike<number>, lo: number, hi: number) => number): RangeKernel {
  return (ts, vs, lo, hi) => ts[pick(vs, lo, hi)]! / 1000;
}

function doubleExponentialSmoothing(ts: ArrayLike<number>, vs: ArrayLike<number>, lo: number, hi: number, w: WindowContext): number | undefined {
  void ts;
  const sf = w.args[0]!;
  const tf = w.args[1]!;
  if (hi - lo < 2) return undefined;
  let s0 = 0;
  let s1 = vs[lo]!;
  let b = vs[lo + 1]! - vs[lo]!;
  for (let i = lo + 1; i < hi; i++) {
    const x = sf * vs[i]!;
    if (i - lo - 1 !== 0) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

export const RANGE_KERNELS: Record<string, RangeKernel> = {
  rate: extrapolatedRate(true, true),
  increase: extrapolatedRate(true, false),
  delta: extrapolatedRate(false, false),
  irate: instantValue(true),
  idelta: instantValue(false),
  deriv: (ts, vs, lo, hi) => (hi - lo < 2 ? undefined : linearRegression(ts, vs, lo, hi, ts[lo]!)[0]),
  predict_linear: (ts, vs, lo, hi, w) => {
    if (hi - lo < 2) return undefined;
    const [slope, intercept] = linearRegression(ts, vs, lo, hi, w.t);
    return intercept + slope * w.args[0]!;
  },
  resets: (_ts, vs, lo, hi) => {
    let n = 0;
    for (let i = lo + 1; i < hi; i++) if (vs[i]! < vs[i - 1]!) n++;
    return n;
  },
  changes: (_ts, vs, lo, hi) => {
    let n = 0;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vs[i]!;
      const prev = vs[i - 1]!;
      if (cur !== prev && !(cur !== cur && prev !== prev)) n++;
    }
    return n;
  },
  sum_over_time: sumOverTime,
  avg_over_time: avgOverTime,
  count_over_time: (_ts, _vs, lo, hi) => hi - lo,
  min_over_time: (_ts, vs, lo, hi) => {
    let m = vs[lo]!;
    for (let i = lo + 1; i < hi; i++) if (vs[i]! < m || m !== m) m = vs[i]!;
    return m;
  },
  max_over_time: (_ts, vs, lo, hi) => {
    let m = vs[lo]!;
    for (let i = lo + 1; i < hi; i++) if (vs[i]! > m || m !== m) m = vs[i]!;
    return m;
  },
  last_over_time: (_ts, vs, _lo, hi) => vs[hi - 1]!,
  first_over_time: (_ts, vs, lo) => vs[lo]!,
  present_over_time: () => 1,
  stdvar_over_time: varianceOverTime,
  stddev_over_time: (ts, vs, lo, hi) => Math.sqrt(varianceOverTime(ts, vs, lo, hi)),
  quantile_over_time: (_ts, vs, lo, hi, w) => quantileOf(w.args[0]!, collect(vs, lo, hi)),
  mad_over_time: (_ts, vs, lo, hi) => {
    const values = collect(vs, lo, hi);
    const median = quantileOf(0.5, values);
    for (let i = 0; i < values.length; i++) values[i] = Math.abs(values[i]! - median);
    return quantileOf(0.5, values);
  },
  ts_of_last_over_time: (ts, _vs, _lo, hi) => ts[hi - 1]! / 1000,
  ts_of_first_over_time: (ts, _vs, lo) => ts[lo]! / 1000,
  ts_of_max_over_time: tsOf((vs, lo, hi) => {
    let best = lo;
    for (let i = lo + 1; i < hi; i++) if (vs[i]! >= vs[best]! || vs[best] !== vs[best]) best = i;
    return best;
  }),
  ts_of_min_over_time: tsOf((vs, lo, hi) => {
    let best = lo;
    for (let i = lo + 1; i < hi; i++) if (vs[i]! <= vs[best]! || vs[best] !== vs[best]) best = i;
    return best;
  }),
  double_exponential_smoothing: doubleExponentialSmoothing,
};
