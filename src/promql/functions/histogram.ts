// histogram_quantile and histogram_fraction over classic (`le`-labelled) bucket series and native histograms;
// histogram_count/sum/avg/stddev/stdvar of native histograms.

import { annotationText } from '../annotations.js';
import type { Call } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { getLabel, labelsKey, newSeries, type Grid, type StepSeries, type Value, type VectorValue } from '../value.js';
import {
  histogramFractionWithInfo, histogramQuantileWithInfo, histogramStdDev, histogramStdVar, type FloatHistogram, type HistogramStatInfo,
} from '../../histogram/index.js';
import { almostEqual } from './mathutil.js';

interface Bucket {
  upper: number;
  count: number;
}

const SMALL_DELTA_TOLERANCE = 1e-12;

/** Prometheus's BucketQuantile; returns [value, forcedMonotonicity]. Sorts/coalesces `buckets` in place. */
export function bucketQuantile(q: number, buckets: Bucket[]): [number, boolean] {
  if (Number.isNaN(q)) return [NaN, false];
  if (q < 0) return [-Infinity, false];
  if (q > 1) return [Infinity, false];
  buckets.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  if (buckets[buckets.length - 1]!.upper !== Infinity) return [NaN, false];
  // Coalesce buckets with the same upper bound.
  let w = 0;
  for (let r = 1; r < buckets.length; r++) {
    if (buckets[r]!.upper === buckets[w]!.upper) buckets[w]!.count += buckets[r]!.count;
    else buckets[++w] = { ...buckets[r]! };
  }
  buckets.length = w + 1;
  let forced = false;
  let prev = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i]!.count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
      buckets[i]!.count = prev;
      continue;
    }
    if (curr < prev) {
      buckets[i]!.count = prev;
      forced = true;
      continue;
    }
    prev = curr;
  }
  if (buckets.length < 2) return [NaN, forced];
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return [NaN, forced];
  let rank = q * observations;
  // sort.Search over all but the +Inf bucket.
  let b = 0;
  while (b < buckets.length - 1 && !(buckets[b]!.count >= rank)) b++;
  if (b === buckets.length - 1) return [buckets[buckets.length - 2]!.upper, forced];
  if (b === 0 && buckets[0]!.upper <= 0) return [buckets[0]!.upper, forced];
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upper;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upper;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return [bucketStart + (bucketEnd - bucketStart) * (rank / count), forced];
}

function parseLe(s: string): number | undefined {
  const t = s.trim();
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) || /^[+-]?0x[0-9a-f]+$/i.test(t)) return Number(t);
  return undefined;
}

/** Prometheus's BucketFraction: the estimated share of observations in [lower, upper] of classic buckets. */
export function bucketFraction(lower: number, upper: number, buckets: Bucket[]): number {
  buckets.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  if (buckets[buckets.length - 1]!.upper !== Infinity) return NaN;
  const bs = coalesce(buckets);
  const count = bs[bs.length - 1]!.count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  for (let i = 0; i < bs.length; i++) {
    const lo = i > 0 ? bs[i - 1]!.upper : -Infinity;
    const hi = bs[i]!.upper;
    const c = bs[i]!.count;
    const interpolate = (v: number) => rank + ((c - rank) * (v - lo)) / (hi - lo);
    if (!lowerSet && lo >= lower) [lowerRank, lowerSet] = [rank, true];
    if (!upperSet && lo >= upper) [upperRank, upperSet] = [rank, true];
    if (lowerSet && upperSet) break;
    if (!lowerSet && lo < lower && hi > lower) [lowerRank, lowerSet] = [interpolate(lower), true];
    if (!upperSet && lo < upper && hi > upper) [upperRank, upperSet] = [interpolate(upper), true];
    if (lowerSet && upperSet) break;
    rank = c;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

function coalesce(buckets: Bucket[]): Bucket[] {
  const out: Bucket[] = [{ ...buckets[0]! }];
  for (const b of buckets.slice(1)) {
    const last = out[out.length - 1]!;
    if (b.upper === last.upper) last.count += b.count;
    else out.push({ ...b });
  }
  return out;
}

/** Per-step evaluation of classic bucket groups and native histograms (Prometheus's resetHistograms): a native
 *  histogram with the same labels as a classic bucket group at a step is a conflict: both are dropped, warned. */
function bucketFunction(
  ev: Evaluator, v: VectorValue, n: number,
  classic: (buckets: Bucket[], i: number, metric: string) => number,
  native: (h: FloatHistogram, i: number, metric: string) => number,
): Value {
  const groups = new Map<string, { members: { s: StepSeries; upper: number }[]; out: StepSeries }>();
  const natives: { s: StepSeries; key: string; out: StepSeries }[] = [];
  for (const s of v.series) {
    if (s.histograms) natives.push({ s, key: labelsKey(s.labels), out: newSeries(s.labels, n, true) });
    if (s.histograms && !hasFloatSample(s)) continue;
    const le = getLabel(s.labels, 'le');
    const upper = parseLe(le);
    if (upper === undefined) {
      ev.annotations.warn(annotationText.badBucketLabel(getLabel(s.labels, '__name__'), le));
      continue;
    }
    const rest = s.labels.filter((l) => l.name !== 'le');
    const key = labelsKey(rest);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { members: [], out: newSeries(rest.filter((l) => l.name !== '__name__'), n, true) }));
    g.members.push({ s, upper });
  }
  const buckets: Bucket[] = [];
  for (let i = 0; i < n; i++) {
    const conflicts = new Set<string>();
    for (const nat of natives) {
      const h = nat.s.histograms![i];
      if (!h) continue;
      const metric = getLabel(nat.s.labels, '__name__');
      if (groups.get(nat.key)?.members.some((m) => m.s.present[i] && !m.s.histograms?.[i])) {
        ev.annotations.warn(annotationText.mixedClassicNative(metric));
        conflicts.add(nat.key);
        continue;
      }
      nat.out.values[i] = native(h, i, metric);
      nat.out.present[i] = 1;
    }
    for (const [key, g] of groups) {
      if (conflicts.has(key)) continue;
      buckets.length = 0;
      for (const m of g.members) if (m.s.present[i] && !m.s.histograms?.[i]) buckets.push({ upper: m.upper, count: m.s.values[i]! });
      if (buckets.length === 0) continue;
      g.out.values[i] = classic(buckets, i, getLabel(g.members[0]!.s.labels, '__name__'));
      g.out.present[i] = 1;
    }
  }
  const out = [...natives.map((x) => x.out), ...[...groups.values()].map((g) => g.out)];
  return { kind: 'vector', series: out.filter((s) => s.present.some((p) => p === 1)) };
}

function hasFloatSample(s: StepSeries): boolean {
  for (let i = 0; i < s.present.length; i++) if (s.present[i] && !s.histograms?.[i]) return true;
  return false;
}

function statInfo(ev: Evaluator, info: HistogramStatInfo | undefined, metric: string): void {
  if (info === 'quantile-nan-result') ev.annotations.info(annotationText.quantileNaNResult(metric));
  else if (info === 'quantile-nan-skew') ev.annotations.info(annotationText.quantileNaNSkew(metric));
  else if (info === 'fraction-nans') ev.annotations.info(annotationText.fractionNaNs(metric));
}

export function histogramQuantile(ev: Evaluator, call: Call, grid: Grid): Value {
  const n = grid.count;
  const q = ev.evalScalar(call.args[0]!, grid);
  const v = ev.evalVector(call.args[1]!, grid);
  for (let i = 0; i < n; i++) {
    const qi = q[i]!;
    if (!(qi >= 0 && qi <= 1)) ev.annotations.warn(annotationText.invalidQuantile(qi));
  }
  return bucketFunction(
    ev, v, n,
    (buckets, i, metric) => {
      const [val, forced] = bucketQuantile(q[i]!, buckets);
      if (forced) ev.annotations.info(annotationText.forcedMonotonicity(metric));
      return val;
    },
    (h, i, metric) => {
      const r = histogramQuantileWithInfo(q[i]!, h);
      statInfo(ev, r.info, metric);
      return r.value;
    },
  );
}

export function histogramFraction(ev: Evaluator, call: Call, grid: Grid): Value {
  const lower = ev.evalScalar(call.args[0]!, grid);
  const upper = ev.evalScalar(call.args[1]!, grid);
  const v = ev.evalVector(call.args[2]!, grid);
  return bucketFunction(
    ev, v, grid.count,
    (buckets, i) => bucketFraction(lower[i]!, upper[i]!, buckets),
    (h, i, metric) => {
      const r = histogramFractionWithInfo(lower[i]!, upper[i]!, h);
      statInfo(ev, r.info, metric);
      return r.value;
    },
  );
}

/** histogram_count / _sum / _avg / _stddev / _stdvar: a float per histogram sample; float samples are dropped. */
export function histogramStat(stat: (h: FloatHistogram) => number) {
  return (ev: Evaluator, call: Call, grid: Grid): Value => {
    const v = ev.evalVector(call.args[0]!, grid);
    const out: StepSeries[] = [];
    for (const s of v.series) {
      if (!s.histograms) continue;
      const r = newSeries(s.labels, grid.count, true);
      let any = false;
      for (let i = 0; i < grid.count; i++) {
        const h = s.histograms[i];
        if (!h) continue;
        r.values[i] = stat(h);
        r.present[i] = 1;
        any = true;
      }
      if (any) out.push(r);
    }
    return { kind: 'vector', series: out };
  };
}

export const HISTOGRAM_STATS: Record<string, (h: FloatHistogram) => number> = {
  histogram_count: (h) => h.count,
  histogram_sum: (h) => h.sum,
  histogram_avg: (h) => h.sum / h.count,
  histogram_stddev: histogramStdDev,
  histogram_stdvar: histogramStdVar,
};
