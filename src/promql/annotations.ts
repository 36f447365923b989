// Query annotations (Prometheus's util/annotations): warnings and infos returned alongside a result.

export class Annotations {
  readonly warnings = new Set<string>();
  readonly infos = new Set<string>();

  warn(msg: string): void {
    this.warnings.add(`PromQL warning: ${msg}`);
  }
  info(msg: string): void {
    this.infos.add(`PromQL info: ${msg}`);
  }
}

export const annotationText = {
  possibleNonCounter: (metric: string) =>
    `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${JSON.stringify(metric)}`,
  invalidQuantile: (q: number) => `quantile value should be between 0 and 1, got ${goFloat(q)}`,
  invalidRatio: (r: number, capped: number) => `ratio value should be between -1 and 1, got ${goFloat(r)}, capping to ${goFloat(capped)}`,
  badBucketLabel: (metric: string, le: string) =>
    `bucket label "le" is missing or has a malformed value of ${JSON.stringify(le)} for metric name ${JSON.stringify(metric)}`,
  mixedFloatsHistograms: (metric: string) => `encountered a mix of histograms and floats for metric name ${JSON.stringify(metric)}`,
  mixedFloatsHistogramsAgg: () => 'encountered a mix of histograms and floats for aggregation',
  mixedClassicNative: (metric: string) => `vector contains a mix of classic and native histograms for metric name ${JSON.stringify(metric)}`,
  histogramNotCounter: (metric: string) => `this native histogram metric is not a counter: ${JSON.stringify(metric)}`,
  histogramNotGauge: (metric: string) => `this native histogram metric is not a gauge: ${JSON.stringify(metric)}`,
  mixedExponentialCustom: (metric: string) =>
    `vector contains a mix of histograms with exponential and custom buckets schemas for metric name ${JSON.stringify(metric)}`,
  incompatibleCustomBuckets: (metric: string) => `vector contains histograms with incompatible custom buckets for metric name ${JSON.stringify(metric)}`,
  incompatibleBucketLayoutInBinOp: (op: string) => `incompatible bucket layout encountered for binary operator ${op}`,
  incompatibleTypesInBinOp: (lhs: string, op: string, rhs: string) =>
    `incompatible sample types encountered for binary operator ${JSON.stringify(op)}: ${lhs} ${op} ${rhs}`,
  histogramIgnoredInAggregation: (agg: string) => `ignored histogram in ${agg} aggregation`,
  histogramIgnoredInMixedRange: (metric: string) =>
    `ignored histograms in a range containing both floats and histograms for metric name ${JSON.stringify(metric)}`,
  quantileNaNResult: (metric: string) => `input to histogram_quantile has NaN observations, result is NaN for metric name ${JSON.stringify(metric)}`,
  quantileNaNSkew: (metric: string) => `input to histogram_quantile has NaN observations, result is skewed higher for metric name ${JSON.stringify(metric)}`,
  fractionNaNs: (metric: string) =>
    `input to histogram_fraction has NaN observations, which are excluded from all fractions for metric name ${JSON.stringify(metric)}`,
  forcedMonotonicity: (metric: string) =>
    `input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name ${JSON.stringify(metric)}`,
};

/** Formats a float like Go's %v / strconv 'g' shortest (used in messages): NaN, +Inf, 1e+06, 0.5. */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e21 || abs < 1e-4)) {
    const [m, e] = v.toExponential().split('e');
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

/** Formats a float like Go's strconv.FormatFloat(v, 'f', -1, 64): shortest repr, never exponent. */
export function goFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  if (!s.includes('e')) return s;
  const neg = v < 0;
  const [mant, expStr] = (neg ? s.slice(1) : s).split('e');
  const exp = Number(expStr);
  const [ip, fp = ''] = mant!.split('.');
  const digits = ip! + fp;
  const point = ip!.length + exp;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return (neg ? '-' : '') + out;
}

/** Go's %q: invalid UTF-8 bytes (kept by our lexer as lone surrogates U+DC80..U+DCFF) print as \xNN. */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\udc([89a-f][0-9a-f])/g, '\\x$1');
}
