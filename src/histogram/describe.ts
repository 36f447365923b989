// The human-readable form of a histogram, FloatHistogram.String in Prometheus 3.5 (model/histogram): count, sum and
// every populated bucket in ascending order with its bounds in interval notation, e.g.
// {count:19, sum:2.7, [-2,-1):3, [-0.001,0.001]:12, (0.5,1]:1}. For error messages and test failures.
import { goFormatG } from './gofmt.js';
import { FloatBucketIterator, collectBuckets, zeroBucket, type HistogramBucket } from './iterate.js';
import type { FloatHistogram } from './model.js';

function bucketString(b: HistogramBucket): string {
  return `${b.lowerInclusive ? '[' : '('}${goFormatG(b.lower)},${goFormatG(b.upper)}${b.upperInclusive ? ']' : ')'}:${goFormatG(b.count)}`;
}

export function histogramString(h: FloatHistogram): string {
  const parts = [`count:${goFormatG(h.count)}`, `sum:${goFormatG(h.sum)}`];
  const populated = (buckets: HistogramBucket[]) => buckets.filter((b) => b.count !== 0).map(bucketString);
  parts.push(...populated(collectBuckets(FloatBucketIterator.of(h, false))).reverse());
  if (h.zeroCount !== 0) parts.push(bucketString(zeroBucket(h)));
  parts.push(...populated(collectBuckets(FloatBucketIterator.of(h, true))));
  return `{${parts.join(', ')}}`;
}
