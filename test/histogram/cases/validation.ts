// Case table of Histogram.Validate (and FloatHistogram.Validate after ToFloat), transcribed from
// Prometheus 3.5 model/histogram/histogram_test.go TestHistogramValidation.
import { ih, sp } from '../helpers.js';
import type { Histogram } from '../../../src/histogram/index.js';

// TestHistogramValidation
export const VALIDATION_CASES: [name: string, c: { h: Histogram; errMsg?: string; skipFloat?: boolean }][] = [
  ["valid histogram", {
    h: ih({count: 12, zeroCount: 2, zeroThreshold: 0.001, sum: 19.4, schema: 1, positiveSpans: [sp(0, 2), sp(1, 2)], positiveBuckets: [1, 1, -1, 0], negativeSpans: [sp(0, 2), sp(1, 2)], negativeBuckets: [1, 1, -1, 0]}),
  }],
  ["valid histogram with NaN observations that has its Count (4) higher than the actual total of buckets (2 + 1)", {
    h: ih({zeroCount: 2, count: 4, sum: NaN, positiveSpans: [sp(0, 1)], positiveBuckets: [1]}),
  }],
  ["rejects histogram without NaN observations that has its Count (4) higher than the actual total of buckets (2 + 1)", {
    h: ih({zeroCount: 2, count: 4, sum: 333, positiveSpans: [sp(0, 1)], positiveBuckets: [1]}),
    errMsg: `3 observations found in buckets, but the Count field is 4: histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)`,
    skipFloat: true,
  }],
  ["rejects histogram that has too few negative buckets", {
    h: ih({negativeSpans: [sp(0, 1)], negativeBuckets: []}),
    errMsg: `negative side: spans need 1 buckets, have 0 buckets: histogram spans specify different number of buckets than provided`,
  }],
  ["rejects histogram that has too few positive buckets", {
    h: ih({positiveSpans: [sp(0, 1)], positiveBuckets: []}),
    errMsg: `positive side: spans need 1 buckets, have 0 buckets: histogram spans specify different number of buckets than provided`,
  }],
  ["rejects histogram that has too many negative buckets", {
    h: ih({negativeSpans: [sp(0, 1)], negativeBuckets: [1, 2]}),
    errMsg: `negative side: spans need 1 buckets, have 2 buckets: histogram spans specify different number of buckets than provided`,
  }],
  ["rejects histogram that has too many positive buckets", {
    h: ih({positiveSpans: [sp(0, 1)], positiveBuckets: [1, 2]}),
    errMsg: `positive side: spans need 1 buckets, have 2 buckets: histogram spans specify different number of buckets than provided`,
  }],
  ["rejects a histogram that has a negative span with a negative offset", {
    h: ih({negativeSpans: [sp(-1, 1), sp(-1, 1)], negativeBuckets: [1, 2]}),
    errMsg: `negative side: span number 2 with offset -1: histogram has a span whose offset is negative`,
  }],
  ["rejects a histogram which has a positive span with a negative offset", {
    h: ih({positiveSpans: [sp(-1, 1), sp(-1, 1)], positiveBuckets: [1, 2]}),
    errMsg: `positive side: span number 2 with offset -1: histogram has a span whose offset is negative`,
  }],
  ["rejects a histogram that has a negative bucket with a negative count", {
    h: ih({negativeSpans: [sp(-1, 1)], negativeBuckets: [-1]}),
    errMsg: `negative side: bucket number 1 has observation count of -1: histogram has a bucket whose observation count is negative`,
  }],
  ["rejects a histogram that has a positive bucket with a negative count", {
    h: ih({positiveSpans: [sp(-1, 1)], positiveBuckets: [-1]}),
    errMsg: `positive side: bucket number 1 has observation count of -1: histogram has a bucket whose observation count is negative`,
  }],
  ["rejects a histogram that has a lower count than count in buckets", {
    h: ih({count: 0, negativeSpans: [sp(-1, 1)], positiveSpans: [sp(-1, 1)], negativeBuckets: [1], positiveBuckets: [1]}),
    errMsg: `2 observations found in buckets, but the Count field is 0: histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)`,
    skipFloat: true,
  }],
  ["rejects a histogram that doesn't count the zero bucket in its count", {
    h: ih({count: 2, zeroCount: 1, negativeSpans: [sp(-1, 1)], positiveSpans: [sp(-1, 1)], negativeBuckets: [1], positiveBuckets: [1]}),
    errMsg: `3 observations found in buckets, but the Count field is 2: histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)`,
    skipFloat: true,
  }],
  ["rejects an exponential histogram with custom buckets schema", {
    h: ih({count: 12, zeroCount: 2, zeroThreshold: 0.001, sum: 19.4, schema: -53, positiveSpans: [sp(0, 2), sp(1, 2)], positiveBuckets: [1, 1, -1, 0], negativeSpans: [sp(0, 2), sp(1, 2)], negativeBuckets: [1, 1, -1, 0]}),
    errMsg: `custom buckets: only 0 custom bounds defined which is insufficient to cover total span length of 5: histogram custom bounds are too few`,
  }],
  ["rejects a custom buckets histogram with exponential schema", {
    h: ih({count: 5, sum: 19.4, schema: 0, positiveSpans: [sp(0, 2), sp(1, 2)], positiveBuckets: [1, 1, -1, 0], customValues: [1, 2, 3, 4]}),
    errMsg: `histogram with exponential schema must not have custom bounds`,
    skipFloat: true,
  }],
  ["rejects a custom buckets histogram with zero/negative buckets", {
    h: ih({count: 12, zeroCount: 2, zeroThreshold: 0.001, sum: 19.4, schema: -53, positiveSpans: [sp(0, 2), sp(1, 2)], positiveBuckets: [1, 1, -1, 0], negativeSpans: [sp(0, 2), sp(1, 2)], negativeBuckets: [1, 1, -1, 0], customValues: [1, 2, 3, 4]}),
    errMsg: `custom buckets: must have zero count of 0`,
    skipFloat: true,
  }],
  ["rejects a custom buckets histogram with negative offset in first span", {
    h: ih({count: 5, sum: 19.4, schema: -53, positiveSpans: [sp(-1, 2), sp(1, 2)], positiveBuckets: [1, 1, -1, 0], customValues: [1, 2, 3, 4]}),
    errMsg: `custom buckets: span number 1 with offset -1: histogram has a span whose offset is negative`,
  }],
  ["rejects a custom buckets histogram with negative offset in subsequent spans", {
    h: ih({count: 5, sum: 19.4, schema: -53, positiveSpans: [sp(0, 2), sp(-1, 2)], positiveBuckets: [1, 1, -1, 0], customValues: [1, 2, 3, 4]}),
    errMsg: `custom buckets: span number 2 with offset -1: histogram has a span whose offset is negative`,
  }],
  ["rejects a custom buckets histogram with non-matching bucket counts", {
    h: ih({count: 5, sum: 19.4, schema: -53, positiveSpans: [sp(0, 2), sp(1, 2)], positiveBuckets: [1, 1, -1], customValues: [1, 2, 3, 4]}),
    errMsg: `custom buckets: spans need 4 buckets, have 3 buckets: histogram spans specify different number of buckets than provided`,
  }],
  ["rejects a custom buckets histogram with too few bounds", {
    h: ih({count: 5, sum: 19.4, schema: -53, positiveSpans: [sp(0, 2), sp(1, 2)], positiveBuckets: [1, 1, -1, 0], customValues: [1, 2, 3]}),
    errMsg: `custom buckets: only 3 custom bounds defined which is insufficient to cover total span length of 5: histogram custom bounds are too few`,
  }],
  ["valid custom buckets histogram", {
    h: ih({count: 5, sum: 19.4, schema: -53, positiveSpans: [sp(0, 2), sp(1, 2)], positiveBuckets: [1, 1, -1, 0], customValues: [1, 2, 3, 4]}),
  }],
  ["valid custom buckets histogram with extra bounds", {
    h: ih({count: 5, sum: 19.4, schema: -53, positiveSpans: [sp(0, 2), sp(1, 2)], positiveBuckets: [1, 1, -1, 0], customValues: [1, 2, 3, 4, 5, 6, 7, 8]}),
  }],
];
