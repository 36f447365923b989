// Case tables of Mul, Div, Copy, CopyToSchema and ReduceResolution, transcribed from
// Prometheus 3.5 model/histogram/float_histogram_test.go.
import { fh, sp } from '../helpers.js';
import type { FloatHistogram } from '../../../src/histogram/index.js';

// TestFloatHistogramMul
export const MUL_CASES: [name: string, input: FloatHistogram, scale: number, expected: FloatHistogram][] = [
  [
    "zero value",
    fh({}),
    3.1415,
    fh({}),
  ],
  [
    "zero multiplier",
    fh({zeroThreshold: 0.01, zeroCount: 5.5, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000]}),
    0,
    fh({zeroThreshold: 0.01, zeroCount: 0, count: 0, sum: 0, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [0, 0, 0, 0], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [0, 0, 0, 0]}),
  ],
  [
    "no-op",
    fh({zeroThreshold: 0.01, zeroCount: 5.5, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000]}),
    1,
    fh({zeroThreshold: 0.01, zeroCount: 5.5, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000]}),
  ],
  [
    "double",
    fh({zeroThreshold: 0.01, zeroCount: 5.5, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000]}),
    2,
    fh({zeroThreshold: 0.01, zeroCount: 11, count: 3493.3 * 2, sum: 2349209.324 * 2, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [2, 6.6, 8.4, 0.2], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [6.2, 6, 1.234e5 * 2, 2000]}),
  ],
  [
    "triple",
    fh({zeroThreshold: 0.01, zeroCount: 11, count: 30, sum: 23, positiveSpans: [sp(-2, 2), sp(1, 3)], positiveBuckets: [1, 0, 3, 4, 7], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3, 1, 5, 6]}),
    3,
    fh({zeroThreshold: 0.01, zeroCount: 33, count: 90, sum: 69, positiveSpans: [sp(-2, 2), sp(1, 3)], positiveBuckets: [3, 0, 9, 12, 21], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [9, 3, 15, 18]}),
  ],
  [
    "negation",
    fh({zeroThreshold: 0.01, zeroCount: 11, count: 30, sum: 23, positiveSpans: [sp(-2, 2), sp(1, 3)], positiveBuckets: [1, 0, 3, 4, 7], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3, 1, 5, 6]}),
    -1,
    fh({zeroThreshold: 0.01, zeroCount: -11, count: -30, sum: -23, positiveSpans: [sp(-2, 2), sp(1, 3)], positiveBuckets: [-1, 0, -3, -4, -7], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [-3, -1, -5, -6]}),
  ],
  [
    "negative multiplier",
    fh({zeroThreshold: 0.01, zeroCount: 11, count: 30, sum: 23, positiveSpans: [sp(-2, 2), sp(1, 3)], positiveBuckets: [1, 0, 3, 4, 7], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3, 1, 5, 6]}),
    -2,
    fh({zeroThreshold: 0.01, zeroCount: -22, count: -60, sum: -46, positiveSpans: [sp(-2, 2), sp(1, 3)], positiveBuckets: [-2, 0, -6, -8, -14], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [-6, -2, -10, -12]}),
  ],
  [
    "no-op with custom buckets",
    fh({schema: -53, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(0, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], customValues: [1, 2, 3]}),
    1,
    fh({schema: -53, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(0, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], customValues: [1, 2, 3]}),
  ],
  [
    "triple with custom buckets",
    fh({schema: -53, count: 30, sum: 23, positiveSpans: [sp(0, 2), sp(1, 3)], positiveBuckets: [1, 0, 3, 4, 7], customValues: [1, 2, 3, 4]}),
    3,
    fh({schema: -53, count: 90, sum: 69, positiveSpans: [sp(0, 2), sp(1, 3)], positiveBuckets: [3, 0, 9, 12, 21], customValues: [1, 2, 3, 4]}),
  ],
];

// TestFloatHistogramDiv
export const DIV_CASES: [name: string, input: FloatHistogram, divisor: number, expected: FloatHistogram][] = [
  [
    "zero value",
    fh({}),
    3.1415,
    fh({}),
  ],
  [
    "zero divisor",
    fh({zeroThreshold: 0.01, zeroCount: 5.5, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000]}),
    0,
    fh({zeroThreshold: 0.01, count: Infinity, sum: Infinity, zeroCount: Infinity}),
  ],
  [
    "no-op",
    fh({zeroThreshold: 0.01, zeroCount: 5.5, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000]}),
    1,
    fh({zeroThreshold: 0.01, zeroCount: 5.5, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000]}),
  ],
  [
    "half",
    fh({zeroThreshold: 0.01, zeroCount: 11, count: 30, sum: 23, positiveSpans: [sp(-2, 2), sp(1, 3)], positiveBuckets: [1, 0, 3, 4, 7], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3, 1, 5, 6]}),
    2,
    fh({zeroThreshold: 0.01, zeroCount: 5.5, count: 15, sum: 11.5, positiveSpans: [sp(-2, 2), sp(1, 3)], positiveBuckets: [0.5, 0, 1.5, 2, 3.5], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [1.5, 0.5, 2.5, 3]}),
  ],
  [
    "negation",
    fh({zeroThreshold: 0.01, zeroCount: 5.5, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000]}),
    -1,
    fh({zeroThreshold: 0.01, zeroCount: -5.5, count: -3493.3, sum: -2349209.324, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [-1, -3.3, -4.2, -0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [-3.1, -3, -1.234e5, -1000]}),
  ],
  [
    "negative half",
    fh({zeroThreshold: 0.01, zeroCount: 11, count: 30, sum: 23, positiveSpans: [sp(-2, 2), sp(1, 3)], positiveBuckets: [1, 0, 3, 4, 7], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3, 1, 5, 6]}),
    -2,
    fh({zeroThreshold: 0.01, zeroCount: -5.5, count: -15, sum: -11.5, positiveSpans: [sp(-2, 2), sp(1, 3)], positiveBuckets: [-0.5, 0, -1.5, -2, -3.5], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [-1.5, -0.5, -2.5, -3]}),
  ],
  [
    "no-op with custom buckets",
    fh({schema: -53, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(0, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], customValues: [1, 2, 3]}),
    1,
    fh({schema: -53, count: 3493.3, sum: 2349209.324, positiveSpans: [sp(0, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], customValues: [1, 2, 3]}),
  ],
  [
    "half with custom buckets",
    fh({schema: -53, count: 30, sum: 23, positiveSpans: [sp(0, 2), sp(1, 3)], positiveBuckets: [1, 0, 3, 4, 7], customValues: [1, 2, 3, 4]}),
    2,
    fh({schema: -53, count: 15, sum: 11.5, positiveSpans: [sp(0, 2), sp(1, 3)], positiveBuckets: [0.5, 0, 1.5, 2, 3.5], customValues: [1, 2, 3, 4]}),
  ],
];

// TestFloatHistogramCopy
export const COPY_CASES: { name: string; orig: FloatHistogram; expected: FloatHistogram }[] = [
  {
    name: "without buckets",
    orig: fh({}),
    expected: fh({}),
  },
  {
    name: "with buckets",
    orig: fh({positiveSpans: [sp(-2, 1)], positiveBuckets: [1, 3, -3, 42], negativeSpans: [sp(3, 2)], negativeBuckets: [5, 3, 1.234e5, 1000]}),
    expected: fh({positiveSpans: [sp(-2, 1)], positiveBuckets: [1, 3, -3, 42], negativeSpans: [sp(3, 2)], negativeBuckets: [5, 3, 1.234e5, 1000]}),
  },
  {
    name: "with empty buckets and non empty capacity",
    orig: fh({positiveSpans: [], positiveBuckets: [], negativeSpans: [], negativeBuckets: []}),
    expected: fh({}),
  },
  {
    name: "with custom buckets",
    orig: fh({schema: -53, positiveSpans: [sp(0, 1)], positiveBuckets: [1, 3, -3, 42], customValues: [1, 2, 3]}),
    expected: fh({schema: -53, positiveSpans: [sp(0, 1)], positiveBuckets: [1, 3, -3, 42], customValues: [1, 2, 3]}),
  },
];

// TestFloatHistogramCopyToSchema
export const COPY_TO_SCHEMA_CASES: [name: string, targetSchema: number, input: FloatHistogram, expected: FloatHistogram][] = [
  [
    "no schema change",
    1,
    fh({zeroThreshold: 0.01, zeroCount: 11, count: 30, sum: 2.345, schema: 1, positiveSpans: [sp(-4, 3), sp(5, 5)], positiveBuckets: [1, 0, 0, 3, 2, 2, 3, 4], negativeSpans: [sp(6, 3), sp(6, 4)], negativeBuckets: [3, 0.5, 0.5, 2, 3, 2, 4]}),
    fh({zeroThreshold: 0.01, zeroCount: 11, count: 30, sum: 2.345, schema: 1, positiveSpans: [sp(-4, 3), sp(5, 5)], positiveBuckets: [1, 0, 0, 3, 2, 2, 3, 4], negativeSpans: [sp(6, 3), sp(6, 4)], negativeBuckets: [3, 0.5, 0.5, 2, 3, 2, 4]}),
  ],
  [
    "schema change",
    0,
    fh({zeroThreshold: 0.01, zeroCount: 11, count: 30, sum: 2.345, schema: 1, positiveSpans: [sp(-4, 3), sp(5, 5)], positiveBuckets: [1, 0, 0, 3, 2, 2, 3, 4], negativeSpans: [sp(6, 3), sp(6, 4)], negativeBuckets: [3, 0.5, 0.5, 2, 3, 2, 4]}),
    fh({zeroThreshold: 0.01, zeroCount: 11, count: 30, sum: 2.345, schema: 0, positiveSpans: [sp(-2, 2), sp(2, 3)], positiveBuckets: [1, 0, 3, 4, 7], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3, 1, 5, 6]}),
  ],
  [
    "no schema change for custom buckets",
    -53,
    fh({count: 30, sum: 2.345, schema: -53, positiveSpans: [sp(0, 3), sp(5, 5)], positiveBuckets: [1, 0, 0, 3, 2, 2, 3, 4], customValues: [1, 2, 3, 4, 5, 6, 7]}),
    fh({count: 30, sum: 2.345, schema: -53, positiveSpans: [sp(0, 3), sp(5, 5)], positiveBuckets: [1, 0, 0, 3, 2, 2, 3, 4], customValues: [1, 2, 3, 4, 5, 6, 7]}),
  ],
];

// TestFloatHistogramReduceResolution
export const REDUCE_RESOLUTION_CASES: [name: string, c: { origin: FloatHistogram; target: FloatHistogram }][] = [
  ["valid float histogram", {
    origin: fh({schema: 0, positiveSpans: [sp(0, 4), sp(0, 0), sp(3, 2)], positiveBuckets: [1, 3, 1, 2, 1, 1], negativeSpans: [sp(0, 4), sp(0, 0), sp(3, 2)], negativeBuckets: [1, 3, 1, 2, 1, 1]}),
    target: fh({schema: -1, positiveSpans: [sp(0, 3), sp(1, 1)], positiveBuckets: [1, 4, 2, 2], negativeSpans: [sp(0, 3), sp(1, 1)], negativeBuckets: [1, 4, 2, 2]}),
  }],
];
