// Case table of Compact, transcribed from Prometheus 3.5 model/histogram/float_histogram_test.go.
import { fh, sp } from '../helpers.js';
import type { FloatHistogram } from '../../../src/histogram/index.js';

// TestFloatHistogramCompact
export const COMPACT_CASES: [name: string, input: FloatHistogram, maxEmptyBuckets: number, expected: FloatHistogram][] = [
  [
    "empty histogram",
    fh({}),
    0,
    fh({}),
  ],
  [
    "nothing should happen",
    fh({positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000]}),
    0,
    fh({positiveSpans: [sp(-2, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], negativeSpans: [sp(3, 2), sp(3, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000]}),
  ],
  [
    "eliminate zero offsets",
    fh({positiveSpans: [sp(-2, 1), sp(0, 3), sp(0, 1)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(0, 2), sp(2, 1), sp(0, 1)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4]}),
    0,
    fh({positiveSpans: [sp(-2, 5)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 4), sp(2, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4]}),
  ],
  [
    "eliminate zero length",
    fh({positiveSpans: [sp(-2, 2), sp(2, 0), sp(3, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(0, 0), sp(2, 0), sp(1, 4)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4]}),
    0,
    fh({positiveSpans: [sp(-2, 2), sp(5, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(3, 4)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4]}),
  ],
  [
    "eliminate multiple zero length spans",
    fh({positiveSpans: [sp(-2, 2), sp(2, 0), sp(2, 0), sp(2, 0), sp(3, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3]}),
    0,
    fh({positiveSpans: [sp(-2, 2), sp(9, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3]}),
  ],
  [
    "cut empty buckets at start or end",
    fh({positiveSpans: [sp(-4, 4), sp(5, 3)], positiveBuckets: [0, 0, 1, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4, 0]}),
    0,
    fh({positiveSpans: [sp(-2, 2), sp(5, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(3, 4)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4]}),
  ],
  [
    "cut empty buckets at start and end",
    fh({positiveSpans: [sp(-4, 4), sp(5, 6)], positiveBuckets: [0, 0, 1, 3.3, 4.2, 0.1, 3.3, 0, 0, 0], negativeSpans: [sp(-2, 4), sp(3, 5)], negativeBuckets: [0, 0, 3.1, 3, 1.234e5, 1000, 3, 4, 0]}),
    0,
    fh({positiveSpans: [sp(-2, 2), sp(5, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(3, 4)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4]}),
  ],
  [
    "cut empty buckets in the middle",
    fh({positiveSpans: [sp(5, 4)], positiveBuckets: [1, 3, 0, 2]}),
    0,
    fh({positiveSpans: [sp(5, 2), sp(1, 1)], positiveBuckets: [1, 3, 2]}),
  ],
  [
    "cut empty buckets at start or end of spans, even in the middle",
    fh({positiveSpans: [sp(-4, 6), sp(3, 6)], positiveBuckets: [0, 0, 1, 3.3, 0, 0, 4.2, 0.1, 3.3, 0, 0, 0], negativeSpans: [sp(0, 2), sp(2, 6)], negativeBuckets: [3.1, 3, 0, 1.234e5, 1000, 3, 4, 0]}),
    0,
    fh({positiveSpans: [sp(-2, 2), sp(5, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(3, 4)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4]}),
  ],
  [
    "cut empty buckets at start and end - also merge spans due to maxEmptyBuckets",
    fh({positiveSpans: [sp(-4, 4), sp(5, 3)], positiveBuckets: [0, 0, 1, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4, 0]}),
    10,
    fh({positiveSpans: [sp(-2, 10)], positiveBuckets: [1, 3.3, 0, 0, 0, 0, 0, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 9)], negativeBuckets: [3.1, 3, 0, 0, 0, 1.234e5, 1000, 3, 4]}),
  ],
  [
    "cut empty buckets from the middle of a span",
    fh({positiveSpans: [sp(-4, 6), sp(3, 3)], positiveBuckets: [0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4]}),
    0,
    fh({positiveSpans: [sp(-2, 1), sp(2, 1), sp(3, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(3, 2), sp(1, 2)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 3, 4]}),
  ],
  [
    "cut out a span containing only empty buckets",
    fh({positiveSpans: [sp(-4, 3), sp(2, 2), sp(3, 4)], positiveBuckets: [0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3]}),
    0,
    fh({positiveSpans: [sp(-2, 1), sp(7, 4)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3]}),
  ],
  [
    "cut empty buckets from the middle of a span, avoiding none due to maxEmptyBuckets",
    fh({positiveSpans: [sp(-2, 4)], positiveBuckets: [1, 0, 0, 3.3]}),
    1,
    fh({positiveSpans: [sp(-2, 1), sp(2, 1)], positiveBuckets: [1, 3.3]}),
  ],
  [
    "cut empty buckets and merge spans due to maxEmptyBuckets",
    fh({positiveSpans: [sp(-2, 4), sp(3, 1)], positiveBuckets: [1, 0, 0, 3.3, 4.2]}),
    1,
    fh({positiveSpans: [sp(-2, 1), sp(2, 1), sp(3, 1)], positiveBuckets: [1, 3.3, 4.2]}),
  ],
  [
    "cut empty buckets from the middle of a span, avoiding some due to maxEmptyBuckets",
    fh({positiveSpans: [sp(-4, 6), sp(3, 3), sp(10, 2)], positiveBuckets: [0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3, 2, 3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4]}),
    1,
    fh({positiveSpans: [sp(-2, 1), sp(2, 1), sp(3, 3), sp(10, 2)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3, 2, 3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4]}),
  ],
  [
    "avoiding all cutting of empty buckets from the middle of a chunk due to maxEmptyBuckets",
    fh({positiveSpans: [sp(-4, 6), sp(3, 3)], positiveBuckets: [0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4]}),
    2,
    fh({positiveSpans: [sp(-2, 4), sp(3, 3)], positiveBuckets: [1, 0, 0, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4]}),
  ],
  [
    "everything merged into one span due to maxEmptyBuckets",
    fh({positiveSpans: [sp(-4, 6), sp(3, 3)], positiveBuckets: [0, 0, 1, 0, 0, 3.3, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 2), sp(3, 5)], negativeBuckets: [3.1, 3, 1.234e5, 1000, 0, 3, 4]}),
    3,
    fh({positiveSpans: [sp(-2, 10)], positiveBuckets: [1, 0, 0, 3.3, 0, 0, 0, 4.2, 0.1, 3.3], negativeSpans: [sp(0, 10)], negativeBuckets: [3.1, 3, 0, 0, 0, 1.234e5, 1000, 0, 3, 4]}),
  ],
  [
    "only empty buckets and maxEmptyBuckets greater zero",
    fh({positiveSpans: [sp(-4, 6), sp(3, 3)], positiveBuckets: [0, 0, 0, 0, 0, 0, 0, 0, 0], negativeSpans: [sp(0, 7)], negativeBuckets: [0, 0, 0, 0, 0, 0, 0]}),
    3,
    fh({positiveSpans: [], positiveBuckets: [], negativeSpans: [], negativeBuckets: []}),
  ],
  [
    "multiple spans of only empty buckets",
    fh({positiveSpans: [sp(-10, 2), sp(2, 1), sp(3, 3)], positiveBuckets: [0, 0, 0, 0, 2, 3], negativeSpans: [sp(-10, 2), sp(2, 1), sp(3, 3)], negativeBuckets: [2, 3, 0, 0, 0, 0]}),
    0,
    fh({positiveSpans: [sp(-1, 2)], positiveBuckets: [2, 3], negativeSpans: [sp(-10, 2)], negativeBuckets: [2, 3]}),
  ],
  [
    "nothing should happen with custom buckets",
    fh({schema: -53, positiveSpans: [sp(0, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], customValues: [1, 2, 3]}),
    0,
    fh({schema: -53, positiveSpans: [sp(0, 1), sp(2, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1], customValues: [1, 2, 3]}),
  ],
  [
    "eliminate zero offsets with custom buckets",
    fh({schema: -53, positiveSpans: [sp(0, 1), sp(0, 3), sp(0, 1)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], customValues: [1, 2, 3, 4]}),
    0,
    fh({schema: -53, positiveSpans: [sp(0, 5)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], customValues: [1, 2, 3, 4]}),
  ],
  [
    "eliminate multiple zero length spans with custom buckets",
    fh({schema: -53, positiveSpans: [sp(0, 2), sp(2, 0), sp(2, 0), sp(2, 0), sp(3, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], customValues: [1, 2, 3, 4]}),
    0,
    fh({schema: -53, positiveSpans: [sp(0, 2), sp(9, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], customValues: [1, 2, 3, 4]}),
  ],
  [
    "cut empty buckets at start and end with custom buckets",
    fh({schema: -53, positiveSpans: [sp(0, 4), sp(5, 6)], positiveBuckets: [0, 0, 1, 3.3, 4.2, 0.1, 3.3, 0, 0, 0], customValues: [1, 2, 3, 4, 5, 6, 7, 8, 9]}),
    0,
    fh({schema: -53, positiveSpans: [sp(2, 2), sp(5, 3)], positiveBuckets: [1, 3.3, 4.2, 0.1, 3.3], customValues: [1, 2, 3, 4, 5, 6, 7, 8, 9]}),
  ],
];
