// Operations on float histograms: Prometheus 3.5's FloatHistogram methods (model/histogram/float_histogram.go).
// Unlike Go, every function returns a new histogram and never changes its inputs.
import { compactBuckets } from './compact.js';
import { AllFloatBucketIterator, collectBuckets, FloatBucketIterator, type HistogramBucket } from './iterate.js';
import { addBuckets, reduceSpansResolution } from './merge.js';
import { CounterResetHint, CUSTOM_BUCKETS_SCHEMA, type FloatHistogram, type Span } from './model.js';
import { reconcileZeroBuckets } from './zero.js';

export type { HistogramBucket } from './iterate.js';

export type HistogramOpErrorKind = 'mixed-exponential-custom' | 'incompatible-custom-buckets';

/** Prometheus's ErrHistogramsIncompatibleSchema / ErrHistogramsIncompatibleBounds (same messages). */
export class HistogramOpError extends Error {
  readonly kind: HistogramOpErrorKind;
  constructor(kind: HistogramOpErrorKind) {
    super(
      kind === 'mixed-exponential-custom'
        ? 'cannot apply this operation on histograms with a mix of exponential and custom bucket schemas'
        : 'cannot apply this operation on custom buckets histograms with different custom bounds',
    );
    this.name = 'HistogramOpError';
    this.kind = kind;
  }
}

const isCustom = (h: FloatHistogram) => h.schema === CUSTOM_BUCKETS_SCHEMA;
const copySpans = (spans: readonly Span[]): Span[] => spans.map((s) => ({ offset: s.offset, length: s.length }));

/** FloatHistogram.Copy: custom-bucket histograms keep no zero bucket or negative buckets, exponential ones no
 *  custom values. */
export function copyFloatHistogram(h: FloatHistogram): FloatHistogram {
  const custom = isCustom(h);
  return {
    counterResetHint: h.counterResetHint,
    schema: h.schema,
    zeroThreshold: custom ? 0 : h.zeroThreshold,
    zeroCount: custom ? 0 : h.zeroCount,
    count: h.count,
    sum: h.sum,
    positiveSpans: copySpans(h.positiveSpans),
    negativeSpans: custom ? [] : copySpans(h.negativeSpans),
    positiveBuckets: h.positiveBuckets.slice(),
    negativeBuckets: custom ? [] : h.negativeBuckets.slice(),
    // Interned (immutable) in Prometheus, so shared there; copied here because our arrays are mutable.
    customValues: custom ? h.customValues.slice() : [],
  };
}

/** The bit patterns of two float64 arrays are equal (Prometheus's FloatBucketsMatch). */
export function floatBucketsMatch(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => sameFloatBits(v, b[i]!));
}

const bitsView = new DataView(new ArrayBuffer(16));
/** math.Float64bits(a) == math.Float64bits(b): tells 0 from -0 and NaN payloads apart (as far as JS keeps them). */
export function sameFloatBits(a: number, b: number): boolean {
  if (a !== b || a === 0) {
    bitsView.setFloat64(0, a);
    bitsView.setFloat64(8, b);
    return bitsView.getBigUint64(0) === bitsView.getBigUint64(8);
  }
  return true;
}

function checkCompatible(a: FloatHistogram, b: FloatHistogram): void {
  if (isCustom(a) !== isCustom(b)) throw new HistogramOpError('mixed-exponential-custom');
  if (isCustom(a) && !floatBucketsMatch(a.customValues, b.customValues)) throw new HistogramOpError('incompatible-custom-buckets');
}

/** The counter reset hint of a sum (FloatHistogram.Add's rules): gauge wins, then unknown; reset vs not-reset
 *  collide into unknown. */
export function addedCounterResetHint(a: CounterResetHint, b: CounterResetHint): CounterResetHint {
  if (a === b) return a;
  if (a === CounterResetHint.Gauge || b === CounterResetHint.Gauge) return CounterResetHint.Gauge;
  return CounterResetHint.Unknown;
}

function combine(a: FloatHistogram, b: FloatHistogram, negative: boolean): FloatHistogram {
  checkCompatible(a, b);
  const h = copyFloatHistogram(a);
  const sign = negative ? -1 : 1;
  if (!isCustom(h)) h.zeroCount += sign * reconcileZeroBuckets(h, b);
  h.count += sign * b.count;
  h.sum += sign * b.sum;
  let bPos = { spans: b.positiveSpans as Span[], buckets: b.positiveBuckets as number[] };
  let bNeg = { spans: b.negativeSpans as Span[], buckets: b.negativeBuckets as number[] };
  if (!isCustom(h)) {
    if (b.schema < h.schema) {
      const pos = reduceSpansResolution(h.positiveSpans, h.positiveBuckets, h.schema, b.schema, false);
      const neg = reduceSpansResolution(h.negativeSpans, h.negativeBuckets, h.schema, b.schema, false);
      [h.positiveSpans, h.positiveBuckets, h.negativeSpans, h.negativeBuckets] = [pos.spans, pos.buckets, neg.spans, neg.buckets];
      h.schema = b.schema;
    } else if (b.schema > h.schema) {
      bPos = reduceSpansResolution(b.positiveSpans, b.positiveBuckets, b.schema, h.schema, false);
      bNeg = reduceSpansResolution(b.negativeSpans, b.negativeBuckets, b.schema, h.schema, false);
    }
  }
  const pos = addBuckets(h.schema, h.zeroThreshold, negative, { spans: h.positiveSpans, buckets: h.positiveBuckets }, bPos.spans, bPos.buckets);
  h.positiveSpans = pos.spans;
  h.positiveBuckets = pos.buckets;
  if (!isCustom(h)) {
    const neg = addBuckets(h.schema, h.zeroThreshold, negative, { spans: h.negativeSpans, buckets: h.negativeBuckets }, bNeg.spans, bNeg.buckets);
    h.negativeSpans = neg.spans;
    h.negativeBuckets = neg.buckets;
  }
  return h;
}

/** FloatHistogram.Add: a + b at the lower of both schemas and the wider zero bucket. The result may hold empty
 *  buckets and adjacent spans (compact it). Throws HistogramOpError for incompatible bucket layouts. */
export function addHistogram(a: FloatHistogram, b: FloatHistogram): FloatHistogram {
  const h = combine(a, b, false);
  h.counterResetHint = addedCounterResetHint(a.counterResetHint, b.counterResetHint);
  return h;
}

/** FloatHistogram.Sub: a - b (the counter reset hint stays a's). */
export function subHistogram(a: FloatHistogram, b: FloatHistogram): FloatHistogram {
  return combine(a, b, true);
}

/** FloatHistogram.Mul: every count and the sum times factor, layout unchanged. A negative factor gives negative
 *  counts, as in Prometheus (whose PromQL uses it for unary minus). */
export function scaleHistogram(h: FloatHistogram, factor: number): FloatHistogram {
  const c = copyFloatHistogram(h);
  c.zeroCount *= factor;
  c.count *= factor;
  c.sum *= factor;
  c.positiveBuckets = c.positiveBuckets.map((v) => v * factor);
  c.negativeBuckets = c.negativeBuckets.map((v) => v * factor);
  return c;
}

/** FloatHistogram.Div: like scaling by 1/divisor, except that dividing by 0 removes all buckets (count, sum and
 *  zero count become ±Inf or NaN). */
export function divideHistogram(h: FloatHistogram, divisor: number): FloatHistogram {
  const c = copyFloatHistogram(h);
  c.zeroCount /= divisor;
  c.count /= divisor;
  c.sum /= divisor;
  if (divisor === 0) {
    c.positiveBuckets = [];
    c.negativeBuckets = [];
    c.positiveSpans = [];
    c.negativeSpans = [];
    return c;
  }
  c.positiveBuckets = c.positiveBuckets.map((v) => v / divisor);
  c.negativeBuckets = c.negativeBuckets.map((v) => v / divisor);
  return c;
}

/** FloatHistogram.Compact: drops empty buckets at span ends, merges spans at most maxEmptyBuckets apart and splits
 *  spans at runs of more than maxEmptyBuckets empty buckets. */
export function compactHistogram(h: FloatHistogram, maxEmptyBuckets = 0): FloatHistogram {
  const c = copyFloatHistogram(h);
  const pos = compactBuckets(c.positiveBuckets, c.positiveSpans, maxEmptyBuckets, false);
  const neg = compactBuckets(c.negativeBuckets, c.negativeSpans, maxEmptyBuckets, false);
  [c.positiveBuckets, c.positiveSpans, c.negativeBuckets, c.negativeSpans] = [pos.buckets, pos.spans, neg.buckets, neg.spans];
  return c;
}

/** FloatHistogram.ReduceResolution / CopyToSchema: the same observations in a lower schema (targetSchema ≤ schema;
 *  equal returns a copy). Exponential schemas only. */
export function reduceResolution(h: FloatHistogram, targetSchema: number): FloatHistogram {
  if (targetSchema === h.schema) return copyFloatHistogram(h);
  if (isCustom(h)) throw new Error(`cannot reduce resolution to ${targetSchema} when there are custom buckets`);
  if (targetSchema === CUSTOM_BUCKETS_SCHEMA) throw new Error('cannot reduce resolution to custom buckets schema');
  if (targetSchema > h.schema) throw new Error(`cannot reduce resolution from schema ${h.schema} to ${targetSchema}`);
  const c = copyFloatHistogram(h);
  const pos = reduceSpansResolution(h.positiveSpans, h.positiveBuckets, h.schema, targetSchema, false);
  const neg = reduceSpansResolution(h.negativeSpans, h.negativeBuckets, h.schema, targetSchema, false);
  [c.positiveSpans, c.positiveBuckets, c.negativeSpans, c.negativeBuckets] = [pos.spans, pos.buckets, neg.spans, neg.buckets];
  c.schema = targetSchema;
  return c;
}

/** AllBucketIterator: negative buckets (lowest value first), the zero bucket if its count is > 0, positive buckets;
 *  bounds overlapping the zero bucket are clamped to the zero threshold. */
export function allBuckets(h: FloatHistogram): HistogramBucket[] {
  return collectBuckets(AllFloatBucketIterator.ascending(h));
}

/** AllReverseBucketIterator: allBuckets in descending order. */
export function allBucketsDescending(h: FloatHistogram): HistogramBucket[] {
  return collectBuckets(AllFloatBucketIterator.descending(h));
}

/** PositiveBucketIterator: positive buckets, ascending (custom bounds for schema -53). */
export function positiveBuckets(h: FloatHistogram): HistogramBucket[] {
  return collectBuckets(FloatBucketIterator.of(h, true));
}

/** NegativeBucketIterator: negative buckets, from the zero bucket downwards. */
export function negativeBuckets(h: FloatHistogram): HistogramBucket[] {
  return collectBuckets(FloatBucketIterator.of(h, false));
}
