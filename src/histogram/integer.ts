// Operations on integer (delta-encoded) histograms that remote write and the chunk encodings need: Prometheus 3.5's
// Histogram.Copy, Histogram.Compact and Histogram.ReduceResolution (model/histogram/histogram.go). New objects only.
import { compactBuckets } from './compact.js';
import { reduceSpansResolution } from './merge.js';
import { CUSTOM_BUCKETS_SCHEMA, type Histogram } from './model.js';
import { copyFloatHistogram } from './ops.js';

/** Histogram.Copy: the same rules as FloatHistogram.Copy (the two shapes differ only in what the bucket numbers mean). */
export function copyHistogram(h: Histogram): Histogram {
  return copyFloatHistogram(h);
}

/** Histogram.Compact: FloatHistogram.Compact on delta-encoded buckets. */
export function compactIntegerHistogram(h: Histogram, maxEmptyBuckets = 0): Histogram {
  const c = copyHistogram(h);
  const pos = compactBuckets(c.positiveBuckets, c.positiveSpans, maxEmptyBuckets, true);
  const neg = compactBuckets(c.negativeBuckets, c.negativeSpans, maxEmptyBuckets, true);
  [c.positiveBuckets, c.positiveSpans, c.negativeBuckets, c.negativeSpans] = [pos.buckets, pos.spans, neg.buckets, neg.spans];
  return c;
}

/** Histogram.ReduceResolution: the same observations in a lower exponential schema (targetSchema < schema). */
export function reduceIntegerResolution(h: Histogram, targetSchema: number): Histogram {
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) throw new Error('cannot reduce resolution when there are custom buckets');
  if (targetSchema === CUSTOM_BUCKETS_SCHEMA) throw new Error('cannot reduce resolution to custom buckets schema');
  if (targetSchema >= h.schema) throw new Error(`cannot reduce resolution from schema ${h.schema} to ${targetSchema}`);
  const c = copyHistogram(h);
  const pos = reduceSpansResolution(h.positiveSpans, h.positiveBuckets, h.schema, targetSchema, true);
  const neg = reduceSpansResolution(h.negativeSpans, h.negativeBuckets, h.schema, targetSchema, true);
  [c.positiveSpans, c.positiveBuckets, c.negativeSpans, c.negativeBuckets] = [pos.spans, pos.buckets, neg.spans, neg.buckets];
  c.schema = targetSchema;
  return c;
}
