// Statistics of native histograms as PromQL computes them: histogram_quantile and histogram_fraction (Prometheus
// 3.5's promql/quantile.go HistogramQuantile, HistogramFraction) and histogram_stddev/stdvar (promql/functions.go
// histogramVariance).
import { AllFloatBucketIterator, type BucketIterator, type HistogramBucket } from './iterate.js';
import { CUSTOM_BUCKETS_SCHEMA, type FloatHistogram } from './model.js';

/** An info annotation Prometheus attaches to the result (annotations.NewNativeHistogramQuantileNaNResultInfo,
 *  NewNativeHistogramQuantileNaNSkewInfo, NewNativeHistogramFractionNaNsInfo). */
export type HistogramStatInfo = 'quantile-nan-result' | 'quantile-nan-skew' | 'fraction-nans';

export interface HistogramStatResult {
  value: number;
  info?: HistogramStatInfo;
}

/** histogram_quantile of a native histogram (the value only; see histogramQuantileWithInfo). */
export function histogramQuantile(q: number, h: FloatHistogram): number {
  return histogramQuantileWithInfo(q, h).value;
}

/** Walks to the bucket holding `rank`; returns it with the cumulative count up to and including it. */
function findRankBucket(it: BucketIterator, rank: number): { bucket: HistogramBucket | undefined; count: number } {
  let bucket: HistogramBucket | undefined;
  let count = 0;
  while (it.next()) {
    bucket = it.at();
    if (bucket.count === 0) continue;
    count += bucket.count;
    if (count >= rank) break;
  }
  return { bucket, count };
}

/** Natural bounds: 0 closes the zero bucket on the side without buckets; custom buckets' first bucket starts at 0
 *  (or is the answer if it ends ≤ 0) and the +Inf bucket answers its lower bound. Returns a value to answer with,
 *  or undefined to go on interpolating. */
function applyNaturalBounds(h: FloatHistogram, b: HistogramBucket): number | undefined {
  if (h.schema !== CUSTOM_BUCKETS_SCHEMA) {
    if (b.lower < 0 && b.upper > 0) {
      if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) b.lower = 0;
      else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) b.upper = 0;
    }
    return undefined;
  }
  if (b.lower === -Infinity) {
    if (b.upper <= 0) return b.upper;
    b.lower = 0;
  } else if (b.upper === Infinity) {
    return b.lower;
  }
  return undefined;
}

/** Interpolates within the bucket: linearly for custom buckets and the zero bucket, exponentially otherwise. */
function interpolateQuantile(h: FloatHistogram, b: HistogramBucket, fraction: number): number {
  if (h.schema === CUSTOM_BUCKETS_SCHEMA || (b.lower <= 0 && b.upper >= 0)) return b.lower + (b.upper - b.lower) * fraction;
  const logLower = Math.log2(Math.abs(b.lower));
  const logUpper = Math.log2(Math.abs(b.upper));
  if (b.lower > 0) return 2 ** (logLower + (logUpper - logLower) * fraction);
  // A negative bucket: mirror.
  return -(2 ** (logUpper + (logLower - logUpper) * (1 - fraction)));
}

/** HistogramQuantile: q<0 → -Inf, q>1 → +Inf, no observations or q NaN → NaN. With NaN observations (sum NaN) the
 *  walk is forwards and a quantile beyond all buckets is NaN; both come with an info annotation. */
export function histogramQuantileWithInfo(q: number, h: FloatHistogram): HistogramStatResult {
  if (q < 0) return { value: -Infinity };
  if (q > 1) return { value: Infinity };
  if (h.count === 0 || Number.isNaN(q)) return { value: NaN };
  const forward = Number.isNaN(h.sum) || q < 0.5;
  const it = forward ? AllFloatBucketIterator.ascending(h) : AllFloatBucketIterator.descending(h);
  let rank = forward ? q * h.count : (1 - q) * h.count;
  const found = findRankBucket(it, rank);
  let { count } = found;
  // A histogram without buckets: Go's zero-value Bucket (all bounds 0, count 0).
  const bucket = found.bucket ?? { lower: 0, upper: 0, lowerInclusive: false, upperInclusive: false, count: 0, index: 0 };
  const natural = applyNaturalBounds(h, bucket);
  if (natural !== undefined) return { value: natural };
  // Rounding can make count exceed h.count.
  if (count > h.count) count = h.count;
  if (count < rank) {
    // Only NaN observations (counted in h.count, in no bucket) get here (prometheus/prometheus#16578).
    if (Number.isNaN(h.sum)) return { value: NaN, info: 'quantile-nan-result' };
    return { value: bucket.upper };
  }
  rank = forward ? rank - (count - bucket.count) : count - rank;
  let info: HistogramStatInfo | undefined;
  if (Number.isNaN(h.sum)) {
    while (it.next()) count += it.at().count;
    if (count < h.count) info = 'quantile-nan-skew';
  }
  const value = interpolateQuantile(h, bucket, rank / bucket.count);
  return info ? { value, info } : { value };
}

/** histogram_fraction of a native histogram (the value only; see histogramFractionWithInfo). */
export function histogramFraction(lower: number, upper: number, h: FloatHistogram): number {
  return histogramFractionWithInfo(lower, upper, h).value;
}

/** Where v falls within bucket b, as a count to add to `rank` (the count below b). */
function rankWithin(h: FloatHistogram, b: HistogramBucket, zeroBucket: boolean, rank: number, v: number): number {
  if (h.schema === CUSTOM_BUCKETS_SCHEMA || zeroBucket) return rank + (b.count * (v - b.lower)) / (b.upper - b.lower);
  const logLower = Math.log2(Math.abs(b.lower));
  const logUpper = Math.log2(Math.abs(b.upper));
  const logV = Math.log2(Math.abs(v));
  const fraction = v > 0 ? (logV - logLower) / (logUpper - logLower) : 1 - (logV - logUpper) / (logLower - logUpper);
  return rank + b.count * fraction;
}

interface FractionWalk {
  lowerRank: number;
  upperRank: number;
  lowerSet: boolean;
  upperSet: boolean;
  count: number;
}

/** Walks the buckets in ascending order until both bounds are placed. */
function walkFraction(lower: number, upper: number, h: FloatHistogram, it: BucketIterator): FractionWalk {
  const w: FractionWalk = { lowerRank: 0, upperRank: 0, lowerSet: false, upperSet: false, count: 0 };
  let rank = 0;
  while (it.next()) {
    const b = it.at();
    w.count += b.count;
    let zeroBucket = false;
    if (b.lower <= 0 && b.upper >= 0) {
      zeroBucket = true;
      if (h.negativeBuckets.length === 0 && h.positiveBuckets.length > 0) b.lower = 0;
      else if (h.positiveBuckets.length === 0 && h.negativeBuckets.length > 0) b.upper = 0;
    }
    // A bound at a bucket's lower boundary.
    if (!w.lowerSet && b.lower >= lower) [w.lowerRank, w.lowerSet] = [rank, true];
    if (!w.upperSet && b.lower >= upper) [w.upperRank, w.upperSet] = [rank, true];
    if (w.lowerSet && w.upperSet) break;
    // A bound inside this bucket.
    if (!w.lowerSet && b.lower < lower && b.upper > lower) [w.lowerRank, w.lowerSet] = [rankWithin(h, b, zeroBucket, rank, lower), true];
    if (!w.upperSet && b.lower < upper && b.upper > upper) [w.upperRank, w.upperSet] = [rankWithin(h, b, zeroBucket, rank, upper), true];
    if (w.lowerSet && w.upperSet) break;
    rank += b.count;
  }
  return w;
}

/** HistogramFraction: the estimated share of observations in [lower, upper]. No observations or a NaN bound → NaN;
 *  lower ≥ upper → 0. NaN observations are in no bucket, so the share of (-Inf, +Inf) can be below 1; that comes
 *  with an info annotation. */
export function histogramFractionWithInfo(lower: number, upper: number, h: FloatHistogram): HistogramStatResult {
  if (h.count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return { value: NaN };
  if (lower >= upper) return { value: 0 };
  const it = AllFloatBucketIterator.ascending(h);
  const w = walkFraction(lower, upper, h, it);
  let count = w.count;
  let info: HistogramStatInfo | undefined;
  if (Number.isNaN(h.sum)) {
    // There might be NaN observations: count only what the buckets hold.
    while (it.next()) count += it.at().count;
    if (count < h.count) info = 'fraction-nans';
  } else {
    count = h.count;
  }
  const lowerRank = !w.lowerSet || w.lowerRank > count ? count : w.lowerRank;
  const upperRank = !w.upperSet || w.upperRank > count ? count : w.upperRank;
  const value = (upperRank - lowerRank) / h.count;
  return info ? { value, info } : { value };
}

/** Neumaier-compensated summation step (promql/functions.go kahanSumInc). */
export function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (!Number.isFinite(t) && !Number.isNaN(t)) c = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

/** histogram_stdvar: the variance of the observations, each bucket represented by its arithmetic mean (custom
 *  buckets), 0 (zero bucket) or its geometric mean (exponential buckets). */
export function histogramStdVar(h: FloatHistogram): number {
  const mean = h.sum / h.count;
  let variance = 0;
  let c = 0;
  const it = AllFloatBucketIterator.ascending(h);
  while (it.next()) {
    const b = it.at();
    if (b.count === 0) continue;
    let val: number;
    if (h.schema === CUSTOM_BUCKETS_SCHEMA) val = (b.upper + b.lower) / 2;
    else if (b.lower <= 0 && b.upper >= 0) val = 0;
    else val = b.upper < 0 ? -Math.sqrt(b.upper * b.lower) : Math.sqrt(b.upper * b.lower);
    const delta = val - mean;
    [variance, c] = kahanSumInc(b.count * delta * delta, variance, c);
  }
  return (variance + c) / h.count;
}

/** histogram_stddev: the square root of histogram_stdvar. */
export function histogramStdDev(h: FloatHistogram): number {
  return Math.sqrt(histogramStdVar(h));
}
