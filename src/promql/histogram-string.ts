// Prometheus's FloatHistogram.String() (`{count:20, sum:10, [-2,-1):2, [-0.001,0.001]:2, (0.5,1]:1}`): what
// count_values writes into its label for a histogram sample.

import { negativeBuckets, positiveBuckets, zeroBucket, type FloatHistogram, type HistogramBucket } from '../histogram/index.js';
import { goFloat } from './annotations.js';

function bucketString(b: HistogramBucket): string {
  return `${b.lowerInclusive ? '[' : '('}${goFloat(b.lower)},${goFloat(b.upper)}${b.upperInclusive ? ']' : ')'}:${goFloat(b.count)}`;
}

export function histogramString(h: FloatHistogram): string {
  const parts = [`{count:${goFloat(h.count)}`, `sum:${goFloat(h.sum)}`];
  const neg = negativeBuckets(h).filter((b) => b.count !== 0);
  for (let i = neg.length - 1; i >= 0; i--) parts.push(bucketString(neg[i]!));
  if (h.zeroCount !== 0) parts.push(bucketString(zeroBucket(h)));
  for (const b of positiveBuckets(h)) if (b.count !== 0) parts.push(bucketString(b));
  return parts.join(', ') + '}';
}
