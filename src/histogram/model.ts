// Native (sparse, exponential-bucket) histograms: the data model shared by remote write, the store and PromQL.
// Mirrors Prometheus's model/histogram (histogram.go, float_histogram.go, generic.go) field for field, so
// encodings, validation rules and PromQL semantics can be copied without translation. A library: imports nothing.

/** Prometheus's CounterResetHint (a plain object, not a TS enum, so every loader treats it alike). */
export const CounterResetHint = {
  /** The appender does not know; the reader must detect resets itself. */
  Unknown: 0,
  /** A counter reset happened right before this sample. */
  CounterReset: 1,
  /** No counter reset happened since the previous sample. */
  NotCounterReset: 2,
  /** A gauge histogram: counts go up and down, resets are meaningless. */
  Gauge: 3,
} as const;
export type CounterResetHint = (typeof CounterResetHint)[keyof typeof CounterResetHint];

/** Schema of histograms with custom (explicit) bucket boundaries (NHCB), Prometheus 3.x. */
export const CUSTOM_BUCKETS_SCHEMA = -53;
/** Exponential schemas Prometheus accepts. */
export const EXPONENTIAL_SCHEMA_MIN = -4;
export const EXPONENTIAL_SCHEMA_MAX = 8;

/** A run of `length` consecutive buckets, starting `offset` buckets after the previous span's end (the first
 *  span's offset is the index of its first bucket). */
export interface Span {
  offset: number;
  length: number;
}

/** An integer histogram as remote write and the storage carry it: bucket counts are deltas (the first bucket's
 *  count, then each bucket's difference from the previous one), across all spans of one side. */
export interface Histogram {
  counterResetHint: CounterResetHint;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  positiveSpans: Span[];
  negativeSpans: Span[];
  positiveBuckets: number[];
  negativeBuckets: number[];
  /** Upper bounds of the custom buckets (schema -53 only); empty otherwise. */
  customValues: number[];
}

/** A float histogram as PromQL computes with it: bucket counts are absolute. */
export interface FloatHistogram {
  counterResetHint: CounterResetHint;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  positiveSpans: Span[];
  negativeSpans: Span[];
  positiveBuckets: number[];
  negativeBuckets: number[];
  customValues: number[];
}

/** Native histogram samples of one series, sorted by time. */
export interface HistogramSamples {
  readonly timestamps: ArrayLike<number>;
  readonly values: readonly FloatHistogram[];
}

export function isCustomBucketsSchema(schema: number): boolean {
  return schema === CUSTOM_BUCKETS_SCHEMA;
}
