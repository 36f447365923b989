// JSON encoding byte-compatible with Prometheus's API: timestamps as float seconds, sample values as
// strings in Go's strconv.FormatFloat(v, 'f', -1, 64) form, NaN / +Inf / -Inf spelled as Prometheus does.
import { apiHistogramBuckets, type FloatHistogram } from '../histogram/index.js';
import type { Labels } from '../storage/interface.js';

/** Go's FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatSampleValue(v: number): string {
  // int32 values (counters, most gauges) print as integers; -0 is left to the general path below.
  if ((v | 0) === v && (v !== 0 || 1 / v > 0)) return String(v | 0);
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  if (!s.includes('e')) return s;
  // Expand JS's exponent form (1e+21, 1.5e-7) into plain digits.
  const neg = v < 0;
  const [mant, expStr] = (neg ? s.slice(1) : s).split('e') as [string, string];
  const exp = Number(expStr);
  const [intPart, frac = ''] = mant.split('.') as [string, string?];
  const digits = intPart + frac;
  const point = intPart.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${out}` : out;
}

/** Timestamps are JSON numbers of seconds with millisecond precision (1435781451.781). */
export function formatTimestamp(ms: number): string {
  return String(ms / 1000);
}

/**
 * Formatted timestamps by position in a series: the series of a range result share the query's step grid, so the
 * text of position i is usually the previous series' (profile: number-to-text was a quarter of a 7-selector range
 * query).
 */
export class TimestampTexts {
  private readonly ms: number[] = [];
  private readonly texts: string[] = [];

  at(i: number, ms: number): string {
    if (this.ms[i] === ms) return this.texts[i]!;
    const text = formatTimestamp(ms);
    this.ms[i] = ms;
    this.texts[i] = text;
    return text;
  }
}

export function metricJson(labels: Labels): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    if (i > 0) out += ',';
    out += `${JSON.stringify(labels[i]!.name)}:${JSON.stringify(labels[i]!.value)}`;
  }
  return `${out}}`;
}

export function pointJson(ms: number, v: number): string {
  return `[${formatTimestamp(ms)},"${formatSampleValue(v)}"]`;
}

/** Prometheus's jsonutil.MarshalHistogram: count and sum as strings, then the non-empty buckets (negative, zero,
 *  positive; ascending) as [boundaryRule, "lower", "upper", "count"]; rule 0 = (lo,hi], 1 = [lo,hi), 2 = (lo,hi),
 *  3 = [lo,hi]. */
export function histogramJson(h: FloatHistogram): string {
  let out = `{"count":"${formatSampleValue(h.count)}","sum":"${formatSampleValue(h.sum)}"`;
  const buckets = apiHistogramBuckets(h).map(
    ([rule, lower, upper, count]) => `[${rule},"${formatSampleValue(lower)}","${formatSampleValue(upper)}","${formatSampleValue(count)}"]`,
  );
  if (buckets.length > 0) out += `,"buckets":[${buckets.join(',')}]`;
  return `${out}}`;
}

/** A histogram point: [ts, {count, sum, buckets}]. */
export function histogramPointJson(ms: number, h: FloatHistogram): string {
  return `[${formatTimestamp(ms)},${histogramJson(h)}]`;
}

/** A matrix series: "values" for its float points and "histograms" for its histogram points, each left out when
 *  empty (as Prometheus's marshalSeriesJSON). `histograms[i]`, when set, replaces the float point i. */
export function seriesJson(metric: Labels, timestamps: readonly number[], values: readonly number[], histograms?: readonly (FloatHistogram | undefined)[]): string {
  const floats: string[] = [];
  const hists: string[] = [];
  for (let i = 0; i < timestamps.length; i++) {
    const h = histograms?.[i];
    if (h) hists.push(histogramPointJson(timestamps[i]!, h));
    else floats.push(pointJson(timestamps[i]!, values[i]!));
  }
  let out = `{"metric":${metricJson(metric)}`;
  if (floats.length > 0) out += `,"values":[${floats.join(',')}]`;
  if (hists.length > 0) out += `,"histograms":[${hists.join(',')}]`;
  return `${out}}`;
}

export function successJson(dataJson: string, warnings: readonly string[] = [], infos: readonly string[] = []): string {
  let out = `{"status":"success","data":${dataJson}`;
  if (warnings.length > 0) out += `,"warnings":${JSON.stringify(warnings)}`;
  if (infos.length > 0) out += `,"infos":${JSON.stringify(infos)}`;
  return `${out}}`;
}
