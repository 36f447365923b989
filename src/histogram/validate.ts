// Validation of native histograms as remote write and the store receive them: Prometheus 3.5's
// Histogram.Validate and FloatHistogram.Validate (model/histogram/histogram.go, float_histogram.go, generic.go
// checkHistogramSpans/checkHistogramBuckets/checkHistogramCustomBounds), with Prometheus's error texts.
// Three checks come from later 3.x releases because 3.5 lets such histograms through only to fail later: the
// schema range (-4..8 or -53, "histogram has an invalid schema ..."), NaN custom bounds, and a negative count or
// zero count of float histograms.
import { isExponentialSchema } from './bounds.js';
import { goFormatF, goFormatG } from './gofmt.js';
import { CUSTOM_BUCKETS_SCHEMA, EXPONENTIAL_SCHEMA_MAX, EXPONENTIAL_SCHEMA_MIN, type FloatHistogram, type Histogram, type Span } from './model.js';

/** Why a histogram is invalid: a stable code (reason) and Prometheus's message (message). */
export type HistogramValidationReason =
  | 'invalid-schema'
  | 'span-negative-offset'
  | 'spans-buckets-mismatch'
  | 'negative-bucket-count'
  | 'negative-count'
  | 'count-mismatch'
  | 'count-not-big-enough'
  | 'custom-bounds-invalid'
  | 'custom-bounds-infinite'
  | 'custom-bounds-nan'
  | 'custom-bounds-too-few'
  | 'custom-zero-count'
  | 'custom-zero-threshold'
  | 'custom-negative-spans'
  | 'custom-negative-buckets'
  | 'exponential-custom-bounds';

const BASE_MESSAGE: Record<HistogramValidationReason, string> = {
  'invalid-schema': `histogram has an invalid schema, which must be between ${EXPONENTIAL_SCHEMA_MIN} and ${EXPONENTIAL_SCHEMA_MAX} for exponential buckets, or ${CUSTOM_BUCKETS_SCHEMA} for custom buckets`,
  'span-negative-offset': 'histogram has a span whose offset is negative',
  'spans-buckets-mismatch': 'histogram spans specify different number of buckets than provided',
  'negative-bucket-count': 'histogram has a bucket whose observation count is negative',
  'negative-count': "histogram's observation count is negative",
  'count-mismatch': "histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)",
  'count-not-big-enough': "histogram's observation count should be at least the number of observations found in the buckets",
  'custom-bounds-invalid': 'histogram custom bounds must be in strictly increasing order',
  'custom-bounds-infinite': 'histogram custom bounds must be finite',
  'custom-bounds-nan': 'histogram custom bounds must not be NaN',
  'custom-bounds-too-few': 'histogram custom bounds are too few',
  'custom-zero-count': 'custom buckets: must have zero count of 0',
  'custom-zero-threshold': 'custom buckets: must have zero threshold of 0',
  'custom-negative-spans': 'custom buckets: must not have negative spans',
  'custom-negative-buckets': 'custom buckets: must not have negative buckets',
  'exponential-custom-bounds': 'histogram with exponential schema must not have custom bounds',
};

export class HistogramValidationError extends Error {
  readonly reason: HistogramValidationReason;
  constructor(reason: HistogramValidationReason, message: string) {
    super(message);
    this.name = 'HistogramValidationError';
    this.reason = reason;
  }
}

/** Prometheus's wrapping: "<prefix: ><detail: ><base message>". */
function fail(reason: HistogramValidationReason, detail?: string, prefix?: string): never {
  const parts = [prefix, detail, BASE_MESSAGE[reason]].filter((p) => p !== undefined);
  throw new HistogramValidationError(reason, parts.join(': '));
}

function checkSpans(spans: readonly Span[], numBuckets: number, side: string): void {
  let spanBuckets = 0;
  spans.forEach((span, n) => {
    if (n > 0 && span.offset < 0) fail('span-negative-offset', `span number ${n + 1} with offset ${span.offset}`, side);
    spanBuckets += span.length;
  });
  if (spanBuckets !== numBuckets) fail('spans-buckets-mismatch', `spans need ${spanBuckets} buckets, have ${numBuckets} buckets`, side);
}

/** Checks that no absolute bucket count is negative; returns the sum of the counts. */
function checkBuckets(buckets: readonly number[], deltas: boolean, side: string): number {
  let last = 0;
  let total = 0;
  for (let i = 0; i < buckets.length; i++) {
    const c = deltas ? last + buckets[i]! : buckets[i]!;
    if (c < 0) fail('negative-bucket-count', `bucket number ${i + 1} has observation count of ${goFormatG(c)}`, side);
    last = c;
    total += c;
  }
  return total;
}

function checkCustomBounds(bounds: readonly number[], spans: readonly Span[], numBuckets: number): void {
  const side = 'custom buckets';
  let prev = -Infinity;
  for (const curr of bounds) {
    if (Number.isNaN(curr)) fail('custom-bounds-nan', undefined, side);
    if (curr <= prev) fail('custom-bounds-invalid', `previous bound is ${goFormatF(prev)} and current is ${goFormatF(curr)}`, side);
    prev = curr;
  }
  if (prev === Infinity) fail('custom-bounds-infinite', 'last +Inf bound must not be explicitly defined', side);
  let spanBuckets = 0;
  let totalSpanLength = 0;
  spans.forEach((span, n) => {
    if (span.offset < 0) fail('span-negative-offset', `span number ${n + 1} with offset ${span.offset}`, side);
    spanBuckets += span.length;
    totalSpanLength += span.length + span.offset;
  });
  if (spanBuckets !== numBuckets) fail('spans-buckets-mismatch', `spans need ${spanBuckets} buckets, have ${numBuckets} buckets`, side);
  if (bounds.length + 1 < totalSpanLength) {
    fail('custom-bounds-too-few', `only ${bounds.length} custom bounds defined which is insufficient to cover total span length of ${totalSpanLength}`, side);
  }
}

type AnyHistogram = Histogram | FloatHistogram;

/** The schema-specific checks shared by both kinds; returns the count of the negative buckets. */
function checkLayout(h: AnyHistogram, deltas: boolean): number {
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) {
    checkCustomBounds(h.customValues, h.positiveSpans, h.positiveBuckets.length);
    if (h.zeroCount !== 0) fail('custom-zero-count');
    if (h.zeroThreshold !== 0) fail('custom-zero-threshold');
    if (h.negativeSpans.length > 0) fail('custom-negative-spans');
    if (h.negativeBuckets.length > 0) fail('custom-negative-buckets');
    return 0;
  }
  if (!isExponentialSchema(h.schema)) {
    throw new HistogramValidationError('invalid-schema', `${BASE_MESSAGE['invalid-schema']}, got schema ${h.schema}`);
  }
  checkSpans(h.positiveSpans, h.positiveBuckets.length, 'positive side');
  checkSpans(h.negativeSpans, h.negativeBuckets.length, 'negative side');
  const negativeCount = checkBuckets(h.negativeBuckets, deltas, 'negative side');
  if (!deltas && h.zeroCount < 0) fail('negative-bucket-count', `zero bucket has observation count of ${goFormatG(h.zeroCount)}`);
  // Go checks CustomValues != nil; an empty array is our nil.
  if (h.customValues.length > 0) fail('exponential-custom-bounds');
  return negativeCount;
}

/** Histogram.Validate (integer histogram, delta-encoded buckets): also requires count = the buckets' sum plus the
 *  zero count, or ≥ when the sum is NaN (NaN observations are in no bucket). */
export function validateHistogram(h: Histogram): void {
  const negativeCount = checkLayout(h, true);
  const positiveCount = checkBuckets(h.positiveBuckets, true, 'positive side');
  const sumOfBuckets = negativeCount + positiveCount + h.zeroCount;
  const detail = `${sumOfBuckets} observations found in buckets, but the Count field is ${h.count}`;
  if (Number.isNaN(h.sum)) {
    if (sumOfBuckets > h.count) fail('count-not-big-enough', detail);
  } else if (sumOfBuckets !== h.count) {
    fail('count-mismatch', detail);
  }
}

/** FloatHistogram.Validate: layout and non-negative counts only; the count is not compared with the buckets'
 *  sum because float rounding would give false alarms. */
export function validateFloatHistogram(h: FloatHistogram): void {
  checkLayout(h, false);
  if (h.count < 0) fail('negative-count', `observation count is  ${goFormatG(h.count)}`);
  checkBuckets(h.positiveBuckets, false, 'positive side');
}
