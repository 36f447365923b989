// Case tables of Histogram.String / FloatHistogram.String and of ToFloat, transcribed from Prometheus 3.5
// model/histogram/histogram_test.go and float_histogram_test.go.
import { fh, ih, sp } from '../helpers.js';
import type { FloatHistogram, Histogram } from '../../../src/histogram/index.js';

// histogram_test.go TestHistogramString
export const HISTOGRAM_STRING_CASES: { histogram: Histogram; expectedString: string }[] = [
  {
    histogram: ih({schema: 0}),
    expectedString: "{count:0, sum:0}",
  },
  {
    histogram: ih({schema: 0, count: 9, sum: -3.1415, zeroCount: 12, zeroThreshold: 0.001, negativeSpans: [sp(0, 5), sp(1, 1)], negativeBuckets: [1, 2, -2, 1, -1, 0]}),
    expectedString: "{count:9, sum:-3.1415, [-64,-32):1, [-16,-8):1, [-8,-4):2, [-4,-2):1, [-2,-1):3, [-1,-0.5):1, [-0.001,0.001]:12}",
  },
  {
    histogram: ih({schema: 0, count: 19, sum: 2.7, positiveSpans: [sp(0, 4), sp(0, 0), sp(0, 3)], positiveBuckets: [1, 2, -2, 1, -1, 0, 0], negativeSpans: [sp(0, 5), sp(1, 0), sp(0, 1)], negativeBuckets: [1, 2, -2, 1, -1, 0]}),
    expectedString: "{count:19, sum:2.7, [-64,-32):1, [-16,-8):1, [-8,-4):2, [-4,-2):1, [-2,-1):3, [-1,-0.5):1, (0.5,1]:1, (1,2]:3, (2,4]:1, (4,8]:2, (8,16]:1, (16,32]:1, (32,64]:1}",
  },
  {
    histogram: ih({schema: -53, count: 19, sum: 2.7, positiveSpans: [sp(0, 4), sp(0, 0), sp(0, 3)], positiveBuckets: [1, 2, -2, 1, -1, 0, 0], customValues: [1, 2, 5, 10, 15, 20, 25, 50]}),
    expectedString: "{count:19, sum:2.7, [-Inf,1]:1, (1,2]:3, (2,5]:1, (5,10]:2, (10,15]:1, (15,20]:1, (20,25]:1}",
  },
];

// float_histogram_test.go TestFloatHistogramString
export const FLOAT_HISTOGRAM_STRING_CASES: [name: string, fh: FloatHistogram, expected: string][] = [
  [
    "exponential histogram",
    fh({schema: 1, zeroThreshold: 0.01, zeroCount: 5.5, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000]}),
    `{count:3493.3, sum:2.349209324e+06, [-22.62741699796952,-16):1000, [-16,-11.31370849898476):123400, [-4,-2.82842712474619):3, [-2.82842712474619,-2):3.1, [-0.01,0.01]:5.5, (0.35355339059327373,0.5]:1, (1,1.414213562373095]:3.3, (1.414213562373095,2]:4.2, (2,2.82842712474619]:0.1}`,
  ],
  [
    "custom buckets histogram",
    fh({schema: -53, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(0, 1), sp(2, 4)], positiveBuckets: [1, 3.3, 4.2, 0.1, 5], customValues: [1, 2, 5, 10, 15, 20]}),
    `{count:3493.3, sum:2.349209324e+06, [-Inf,1]:1, (5,10]:3.3, (10,15]:4.2, (15,20]:0.1, (20,+Inf]:5}`,
  ],
];

// histogram_test.go TestHistogramToFloat (the histogram converted)
export const TO_FLOAT_HISTOGRAM: Histogram = ih({schema: 3, count: 61, sum: 2.7, zeroThreshold: 0.1, zeroCount: 42, positiveSpans: [sp(0, 4), sp(0, 0), sp(0, 3)], positiveBuckets: [1, 2, -2, 1, -1, 0, 0], negativeSpans: [sp(0, 5), sp(1, 0), sp(0, 1)], negativeBuckets: [1, 2, -2, 1, -1, 0]});

// histogram_test.go TestCustomBucketsHistogramToFloat (the histogram converted)
export const TO_FLOAT_CUSTOM_HISTOGRAM: Histogram = ih({schema: -53, count: 10, sum: 2.7, positiveSpans: [sp(0, 4), sp(0, 0), sp(0, 3)], positiveBuckets: [1, 2, -2, 1, -1, 0, 0], customValues: [5, 10, 20, 50, 100, 500]});
