// Case tables of the bucket iterators and bucket bounds, transcribed from Prometheus 3.5 model/histogram/float_histogram_test.go
// and model/histogram/generic_test.go.
import { fh, sp } from '../helpers.js';
import type { FloatHistogram, HistogramBucket } from '../../../src/histogram/index.js';

// TestAllFloatBucketIterator
export const ALL_ITERATOR_CASES: { h: FloatHistogram; includeNeg: boolean; includeZero: boolean; includePos: boolean }[] = [
  {
    h: fh({count: 405, zeroCount: 102, zeroThreshold: 0.001, sum: 1008.4, schema: 1, positiveSpans: [sp(0, 4), sp(1, 0), sp(3, 3), sp(3, 0), sp(2, 0), sp(5, 3)], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33], negativeSpans: [sp(0, 3), sp(1, 0), sp(3, 0), sp(3, 4), sp(2, 0), sp(5, 3)], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33]}),
    includeNeg: true,
    includeZero: true,
    includePos: true,
  },
  {
    h: fh({count: 405, zeroCount: 102, zeroThreshold: 0.001, sum: 1008.4, schema: 1, negativeSpans: [sp(0, 3), sp(1, 0), sp(3, 0), sp(3, 4), sp(2, 0), sp(5, 3)], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33]}),
    includeNeg: true,
    includeZero: true,
    includePos: false,
  },
  {
    h: fh({count: 405, zeroCount: 102, zeroThreshold: 0.001, sum: 1008.4, schema: 1, positiveSpans: [sp(0, 4), sp(1, 0), sp(3, 3), sp(3, 0), sp(2, 0), sp(5, 3)], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33]}),
    includeNeg: false,
    includeZero: true,
    includePos: true,
  },
  {
    h: fh({count: 405, zeroCount: 102, zeroThreshold: 0.001, sum: 1008.4, schema: 1}),
    includeNeg: false,
    includeZero: true,
    includePos: false,
  },
  {
    h: fh({count: 405, zeroCount: 0, zeroThreshold: 0.001, sum: 1008.4, schema: 1, positiveSpans: [sp(0, 4), sp(1, 0), sp(3, 3), sp(3, 0), sp(2, 0), sp(5, 3)], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33], negativeSpans: [sp(0, 3), sp(1, 0), sp(3, 0), sp(3, 4), sp(2, 0), sp(5, 3)], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33]}),
    includeNeg: true,
    includeZero: false,
    includePos: true,
  },
  {
    h: fh({count: 447, zeroCount: 42, zeroThreshold: 0.5, sum: 1008.4, schema: 0, positiveSpans: [sp(0, 4), sp(1, 0), sp(3, 3), sp(3, 0), sp(2, 0), sp(5, 3)], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33], negativeSpans: [sp(0, 3), sp(1, 0), sp(3, 0), sp(3, 4), sp(2, 0), sp(5, 3)], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33]}),
    includeNeg: true,
    includeZero: true,
    includePos: true,
  },
  {
    h: fh({count: 447, zeroCount: 42, zeroThreshold: 0.6, sum: 1008.4, schema: 0, positiveSpans: [sp(0, 4), sp(1, 0), sp(3, 3), sp(3, 0), sp(2, 0), sp(5, 3)], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33], negativeSpans: [sp(0, 3), sp(1, 0), sp(3, 0), sp(3, 4), sp(2, 0), sp(5, 3)], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33]}),
    includeNeg: true,
    includeZero: true,
    includePos: true,
  },
];

// TestAllReverseFloatBucketIterator
export const ALL_REVERSE_ITERATOR_CASES: { h: FloatHistogram; includeNeg: boolean; includeZero: boolean; includePos: boolean }[] = [
  {
    h: fh({count: 405, zeroCount: 102, zeroThreshold: 0.001, sum: 1008.4, schema: 1, positiveSpans: [sp(0, 4), sp(1, 0), sp(3, 3), sp(3, 0), sp(2, 0), sp(5, 3)], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33], negativeSpans: [sp(0, 3), sp(1, 0), sp(3, 0), sp(3, 4), sp(2, 0), sp(5, 3)], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33]}),
    includeNeg: true,
    includeZero: true,
    includePos: true,
  },
  {
    h: fh({count: 405, zeroCount: 102, zeroThreshold: 0.001, sum: 1008.4, schema: 1, negativeSpans: [sp(0, 3), sp(1, 0), sp(3, 0), sp(3, 4), sp(2, 0), sp(5, 3)], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33]}),
    includeNeg: true,
    includeZero: true,
    includePos: false,
  },
  {
    h: fh({count: 405, zeroCount: 102, zeroThreshold: 0.001, sum: 1008.4, schema: 1, positiveSpans: [sp(0, 4), sp(1, 0), sp(3, 3), sp(3, 0), sp(2, 0), sp(5, 3)], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33]}),
    includeNeg: false,
    includeZero: true,
    includePos: true,
  },
  {
    h: fh({count: 405, zeroCount: 102, zeroThreshold: 0.001, sum: 1008.4, schema: 1}),
    includeNeg: false,
    includeZero: true,
    includePos: false,
  },
  {
    h: fh({count: 405, zeroCount: 0, zeroThreshold: 0.001, sum: 1008.4, schema: 1, positiveSpans: [sp(0, 4), sp(1, 0), sp(3, 3), sp(3, 0), sp(2, 0), sp(5, 3)], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33], negativeSpans: [sp(0, 3), sp(1, 0), sp(3, 0), sp(3, 4), sp(2, 0), sp(5, 3)], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33]}),
    includeNeg: true,
    includeZero: false,
    includePos: true,
  },
  {
    h: fh({count: 447, zeroCount: 42, zeroThreshold: 0.5, sum: 1008.4, schema: 0, positiveSpans: [sp(0, 4), sp(1, 0), sp(3, 3), sp(3, 0), sp(2, 0), sp(5, 3)], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33], negativeSpans: [sp(0, 3), sp(1, 0), sp(3, 0), sp(3, 4), sp(2, 0), sp(5, 3)], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33]}),
    includeNeg: true,
    includeZero: true,
    includePos: true,
  },
  {
    h: fh({count: 447, zeroCount: 42, zeroThreshold: 0.6, sum: 1008.4, schema: 0, positiveSpans: [sp(0, 4), sp(1, 0), sp(3, 3), sp(3, 0), sp(2, 0), sp(5, 3)], positiveBuckets: [100, 344, 123, 55, 3, 63, 2, 54, 235, 33], negativeSpans: [sp(0, 3), sp(1, 0), sp(3, 0), sp(3, 4), sp(2, 0), sp(5, 3)], negativeBuckets: [10, 34, 1230, 54, 67, 63, 2, 554, 235, 33]}),
    includeNeg: true,
    includeZero: true,
    includePos: true,
  },
];

// TestFloatCustomBucketsIterators
export const CUSTOM_ITERATOR_CASES: { h: FloatHistogram; expPositiveBuckets: HistogramBucket[] }[] = [
  {
    h: fh({count: 622, sum: 10008.4, schema: -53, positiveSpans: [sp(0, 2), sp(1, 1), sp(1, 1)], positiveBuckets: [100, 344, 123, 55], customValues: [10, 25, 50, 100, 500]}),
    expPositiveBuckets: [{lower: -Infinity, upper: 10, lowerInclusive: true, upperInclusive: true, count: 100, index: 0}, {lower: 10, upper: 25, lowerInclusive: false, upperInclusive: true, count: 344, index: 1}, {lower: 50, upper: 100, lowerInclusive: false, upperInclusive: true, count: 123, index: 3}, {lower: 500, upper: Infinity, lowerInclusive: false, upperInclusive: true, count: 55, index: 5}],
  },
  {
    h: fh({count: 622, sum: 10008.4, schema: -53, positiveSpans: [sp(0, 2), sp(1, 1), sp(1, 1)], positiveBuckets: [100, 344, 123, 55], customValues: [-10, -5, 0, 10, 25]}),
    expPositiveBuckets: [{lower: -Infinity, upper: -10, lowerInclusive: true, upperInclusive: true, count: 100, index: 0}, {lower: -10, upper: -5, lowerInclusive: false, upperInclusive: true, count: 344, index: 1}, {lower: 0, upper: 10, lowerInclusive: false, upperInclusive: true, count: 123, index: 3}, {lower: 25, upper: Infinity, lowerInclusive: false, upperInclusive: true, count: 55, index: 5}],
  },
];

// generic_test.go TestGetBoundExponential
export const BOUND_CASES: { idx: number; schema: number; want: number }[] = [
  {
    idx: -1,
    schema: -1,
    want: 0.25,
  },
  {
    idx: 0,
    schema: -1,
    want: 1,
  },
  {
    idx: 1,
    schema: -1,
    want: 4,
  },
  {
    idx: 512,
    schema: -1,
    want: Number.MAX_VALUE,
  },
  {
    idx: 513,
    schema: -1,
    want: Infinity,
  },
  {
    idx: -1,
    schema: 0,
    want: 0.5,
  },
  {
    idx: 0,
    schema: 0,
    want: 1,
  },
  {
    idx: 1,
    schema: 0,
    want: 2,
  },
  {
    idx: 1024,
    schema: 0,
    want: Number.MAX_VALUE,
  },
  {
    idx: 1025,
    schema: 0,
    want: Infinity,
  },
  {
    idx: -1,
    schema: 2,
    want: 0.8408964152537144,
  },
  {
    idx: 0,
    schema: 2,
    want: 1,
  },
  {
    idx: 1,
    schema: 2,
    want: 1.189207115002721,
  },
  {
    idx: 4096,
    schema: 2,
    want: Number.MAX_VALUE,
  },
  {
    idx: 4097,
    schema: 2,
    want: Infinity,
  },
];
