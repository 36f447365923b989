// Case tables of integer (delta-encoded) histograms: Compact and resolution reduction, transcribed from
// Prometheus 3.5 model/histogram/histogram_test.go and model/histogram/generic_test.go.
import { ih, sp } from '../helpers.js';
import type { Histogram, Span } from '../../../src/histogram/index.js';

// histogram_test.go TestHistogramCompact
export const INT_COMPACT_CASES: [name: string, input: Histogram, maxEmptyBuckets: number, expected: Histogram][] = [
  [
    "empty histogram",
    ih({}),
    0,
    ih({}),
  ],
  [
    "nothing should happen",
    ih({positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3, -3, 42], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [5, 3, 1.234e5, 1000]}),
    0,
    ih({positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3, -3, 42], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [5, 3, 1.234e5, 1000]}),
  ],
  [
    "eliminate zero offsets",
    ih({positiveSpans: [sp(-2, 1), sp(0, 3), sp(0, 1)], positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: [sp(0, 2), sp(0, 2), sp(2, 1), sp(0, 1)], negativeBuckets: [5, 3, 1.234e5, 1000, 3, 4]}),
    0,
    ih({positiveSpans: [sp(-2, 5)], positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: [sp(0, 4), sp(2, 2)], negativeBuckets: [5, 3, 1.234e5, 1000, 3, 4]}),
  ],
  [
    "eliminate zero length",
    ih({positiveSpans: [sp(-2, 2), sp(2, 0), sp(3, 3)], positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: [sp(0, 2), sp(0, 0), sp(2, 0), sp(1, 4)], negativeBuckets: [5, 3, 1.234e5, 1000, 3, 4]}),
    0,
    ih({positiveSpans: [sp(-2, 2), sp(5, 3)], positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: [sp(0, 2), sp(3, 4)], negativeBuckets: [5, 3, 1.234e5, 1000, 3, 4]}),
  ],
  [
    "eliminate multiple zero length spans",
    ih({positiveSpans: [sp(-2, 2), sp(2, 0), sp(2, 0), sp(2, 0), sp(3, 3)], positiveBuckets: [1, 3, -3, 42, 3]}),
    0,
    ih({positiveSpans: [sp(-2, 2), sp(9, 3)], positiveBuckets: [1, 3, -3, 42, 3]}),
  ],
  [
    "cut empty buckets at start or end",
    ih({positiveSpans: [sp(-4, 4), sp(5, 3)], positiveBuckets: [0, 0, 1, 3, -3, 42, 3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [5, 3, -4, -2, 3, 4, -9]}),
    0,
    ih({positiveSpans: [sp(-2, 2), sp(5, 3)], positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: [sp(0, 2), sp(3, 4)], negativeBuckets: [5, 3, -4, -2, 3, 4]}),
  ],
  [
    "cut empty buckets at start and end",
    ih({positiveSpans: [sp(-4, 4), sp(5, 6)], positiveBuckets: [0, 0, 1, 3, -3, 42, 3, -46, 0, 0], negativeSpans: [sp(-2, 4), sp(3, 5)], negativeBuckets: [0, 0, 5, 3, -4, -2, 3, 4, -9]}),
    0,
    ih({positiveSpans: [sp(-2, 2), sp(5, 3)], positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: [sp(0, 2), sp(3, 4)], negativeBuckets: [5, 3, -4, -2, 3, 4]}),
  ],
  [
    "cut empty buckets at start or end of spans, even in the middle",
    ih({positiveSpans: [sp(-4, 6), sp(3, 6)], positiveBuckets: [0, 0, 1, 3, -4, 0, 1, 42, 3, -46, 0, 0], negativeSpans: [sp(0, 2), sp(2, 6)], negativeBuckets: [5, 3, -8, 4, -2, 3, 4, -9]}),
    0,
    ih({positiveSpans: [sp(-2, 2), sp(5, 3)], positiveBuckets: [1, 3, -3, 42, 3], negativeSpans: [sp(0, 2), sp(3, 4)], negativeBuckets: [5, 3, -4, -2, 3, 4]}),
  ],
  [
    "cut empty buckets at start or end but merge spans due to maxEmptyBuckets",
    ih({positiveSpans: [sp(-4, 4), sp(5, 3)], positiveBuckets: [0, 0, 1, 3, -3, 42, 3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [5, 3, -4, -2, 3, 4, -9]}),
    10,
    ih({positiveSpans: [sp(-2, 10)], positiveBuckets: [1, 3, -4, 0, 0, 0, 0, 1, 42, 3], negativeSpans: [sp(0, 9)], negativeBuckets: [5, 3, -8, 0, 0, 4, -2, 3, 4]}),
  ],
  [
    "cut empty buckets from the middle of a span",
    ih({positiveSpans: [sp(-4, 6), sp(3, 3)], positiveBuckets: [0, 0, 1, -1, 0, 3, -2, 42, 3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [5, 3, -4, -2, -2, 3, 4]}),
    0,
    ih({positiveSpans: [sp(-2, 1), sp(2, 1), sp(3, 3)], positiveBuckets: [1, 2, -2, 42, 3], negativeSpans: [sp(0, 2), sp(3, 2), sp(1, 2)], negativeBuckets: [5, 3, -4, -2, 1, 4]}),
  ],
  [
    "cut out a span containing only empty buckets",
    ih({positiveSpans: [sp(-4, 3), sp(2, 2), sp(3, 4)], positiveBuckets: [0, 0, 1, -1, 0, 3, -2, 42, 3]}),
    0,
    ih({positiveSpans: [sp(-2, 1), sp(7, 4)], positiveBuckets: [1, 2, -2, 42, 3]}),
  ],
  [
    "cut empty buckets from the middle of a span, avoiding some due to maxEmptyBuckets",
    ih({positiveSpans: [sp(-4, 6), sp(3, 3)], positiveBuckets: [0, 0, 1, -1, 0, 3, -2, 42, 3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [5, 3, -4, -2, -2, 3, 4]}),
    1,
    ih({positiveSpans: [sp(-2, 1), sp(2, 1), sp(3, 3)], positiveBuckets: [1, 2, -2, 42, 3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [5, 3, -4, -2, -2, 3, 4]}),
  ],
  [
    "avoiding all cutting of empty buckets from the middle of a chunk due to maxEmptyBuckets",
    ih({positiveSpans: [sp(-4, 6), sp(3, 3)], positiveBuckets: [0, 0, 1, -1, 0, 3, -2, 42, 3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [5, 3, -4, -2, -2, 3, 4]}),
    2,
    ih({positiveSpans: [sp(-2, 4), sp(3, 3)], positiveBuckets: [1, -1, 0, 3, -2, 42, 3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [5, 3, -4, -2, -2, 3, 4]}),
  ],
  [
    "everything merged into one span due to maxEmptyBuckets",
    ih({positiveSpans: [sp(-4, 6), sp(3, 3)], positiveBuckets: [0, 0, 1, -1, 0, 3, -2, 42, 3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [5, 3, -4, -2, -2, 3, 4]}),
    3,
    ih({positiveSpans: [sp(-2, 10)], positiveBuckets: [1, -1, 0, 3, -3, 0, 0, 1, 42, 3], negativeSpans: [sp(0, 10)], negativeBuckets: [5, 3, -8, 0, 0, 4, -2, -2, 3, 4]}),
  ],
  [
    "only empty buckets and maxEmptyBuckets greater zero",
    ih({positiveSpans: [sp(-4, 6), sp(3, 3)], positiveBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0], negativeSpans: [sp(0, 7)], negativeBuckets: [0, 0, 0, 0, 0, 0, 0]}),
    3,
    ih({positiveSpans: [], positiveBuckets: [], negativeSpans: [], negativeBuckets: []}),
  ],
  [
    "multiple spans of only empty buckets",
    ih({positiveSpans: [sp(-10, 2), sp(2, 1), sp(3, 3)], positiveBuckets: [0, 0, 0, 0, 2, 3], negativeSpans: [sp(-10, 2), sp(2, 1), sp(3, 3)], negativeBuckets: [2, 3, -5, 0, 0, 0]}),
    0,
    ih({positiveSpans: [sp(-1, 2)], positiveBuckets: [2, 3], negativeSpans: [sp(-10, 2)], negativeBuckets: [2, 3]}),
  ],
  [
    "nothing should happen with custom buckets",
    ih({schema: -53, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3, -3, 42], customValues: [5, 10, 15]}),
    0,
    ih({schema: -53, positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3, -3, 42], customValues: [5, 10, 15]}),
  ],
  [
    "eliminate zero offsets with custom buckets",
    ih({schema: -53, positiveSpans: [sp(-2, 1), sp(0, 3), sp(0, 1)], positiveBuckets: [1, 3, -3, 42, 3], customValues: [5, 10, 15, 20]}),
    0,
    ih({schema: -53, positiveSpans: [sp(-2, 5)], positiveBuckets: [1, 3, -3, 42, 3], customValues: [5, 10, 15, 20]}),
  ],
  [
    "eliminate zero length with custom buckets",
    ih({schema: -53, positiveSpans: [sp(-2, 2), sp(2, 0), sp(3, 3)], positiveBuckets: [1, 3, -3, 42, 3], customValues: [5, 10, 15, 20]}),
    0,
    ih({schema: -53, positiveSpans: [sp(-2, 2), sp(5, 3)], positiveBuckets: [1, 3, -3, 42, 3], customValues: [5, 10, 15, 20]}),
  ],
  [
    "eliminate multiple zero length spans with custom buckets",
    ih({schema: -53, positiveSpans: [sp(-2, 2), sp(2, 0), sp(2, 0), sp(2, 0), sp(3, 3)], positiveBuckets: [1, 3, -3, 42, 3], customValues: [5, 10, 15, 20]}),
    0,
    ih({schema: -53, positiveSpans: [sp(-2, 2), sp(9, 3)], positiveBuckets: [1, 3, -3, 42, 3], customValues: [5, 10, 15, 20]}),
  ],
  [
    "cut empty buckets at start or end of spans, even in the middle, with custom buckets",
    ih({schema: -53, positiveSpans: [sp(-4, 6), sp(3, 6)], positiveBuckets: [0, 0, 1, 3, -4, 0, 1, 42, 3, -46, 0, 0], customValues: [5, 10, 15, 20]}),
    0,
    ih({schema: -53, positiveSpans: [sp(-2, 2), sp(5, 3)], positiveBuckets: [1, 3, -3, 42, 3], customValues: [5, 10, 15, 20]}),
  ],
];

// histogram_test.go TestHistogramReduceResolution
export const INT_REDUCE_RESOLUTION_CASES: [name: string, c: { origin: Histogram; target: Histogram }][] = [
  ["valid histogram", {
    origin: ih({schema: 0, positiveSpans: [sp(0, 4), sp(0, 0), sp(3, 2)], positiveBuckets: [1, 2, -2, 1, -1, 0], negativeSpans: [sp(0, 4), sp(0, 0), sp(3, 2)], negativeBuckets: [1, 2, -2, 1, -1, 0]}),
    target: ih({schema: -1, positiveSpans: [sp(0, 3), sp(1, 1)], positiveBuckets: [1, 3, -2, 0], negativeSpans: [sp(0, 3), sp(1, 1)], negativeBuckets: [1, 3, -2, 0]}),
  }],
];

// generic_test.go TestReduceResolutionHistogram
export const REDUCE_DELTAS_CASES: { spans: Span[]; buckets: number[]; schema: number; targetSchema: number; expectedSpans: Span[]; expectedBuckets: number[] }[] = [
  {
    spans: [sp(0, 4), sp(0, 0), sp(3, 2)],
    buckets: [1, 2, -2, 1, -1, 0],
    schema: 0,
    targetSchema: -1,
    expectedSpans: [sp(0, 3), sp(1, 1)],
    expectedBuckets: [1, 3, -2, 0],
  },
];

// generic_test.go TestReduceResolutionFloatHistogram
export const REDUCE_ABSOLUTE_CASES: { spans: Span[]; buckets: number[]; schema: number; targetSchema: number; expectedSpans: Span[]; expectedBuckets: number[] }[] = [
  {
    spans: [sp(0, 4), sp(0, 0), sp(3, 2)],
    buckets: [1, 3, 1, 2, 1, 1],
    schema: 0,
    targetSchema: -1,
    expectedSpans: [sp(0, 3), sp(1, 1)],
    expectedBuckets: [1, 4, 2, 2],
  },
];
