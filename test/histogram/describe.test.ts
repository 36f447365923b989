// histogramString against Prometheus 3.5's String() tests (model/histogram/histogram_test.go TestHistogramString,
// float_histogram_test.go TestFloatHistogramString) and histogramToFloat against TestHistogramToFloat /
// TestCustomBucketsHistogramToFloat (which compare the String() of both).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramString, histogramToFloat, validateFloatHistogram, validateHistogram } from '../../src/histogram/index.js';
import { FLOAT_HISTOGRAM_STRING_CASES, HISTOGRAM_STRING_CASES, TO_FLOAT_CUSTOM_HISTOGRAM, TO_FLOAT_HISTOGRAM } from './cases/strings.js';

describe('histogramString (TestHistogramString, through histogramToFloat)', () => {
  HISTOGRAM_STRING_CASES.forEach(({ histogram, expectedString }, i) => test(`case ${i}`, () => assert.equal(histogramString(histogramToFloat(histogram)), expectedString)));
});

describe('histogramString (TestFloatHistogramString)', () => {
  for (const [name, h, expected] of FLOAT_HISTOGRAM_STRING_CASES) {
    test(name, () => {
      validateFloatHistogram(h);
      assert.equal(histogramString(h), expected);
    });
  }
});

describe('histogramToFloat (TestHistogramToFloat, TestCustomBucketsHistogramToFloat)', () => {
  test('exponential: absolute counts in the same layout', () => {
    const f = histogramToFloat(TO_FLOAT_HISTOGRAM);
    // The Go test compares h.String() with the float's String(); here the buckets are spelled out. Schema 3 bounds
    // are 2^(i/8): positive indexes 0..6 with absolute counts 1 3 1 2 1 1 1, negative indexes 0..4 and 6 (the
    // zero-length span moves the last one by 1) with 1 3 1 2 1 1, listed from the lowest value up.
    assert.deepEqual(f.positiveBuckets, [1, 3, 1, 2, 1, 1, 1]);
    assert.equal(
      histogramString(f),
      '{count:61, sum:2.7, [-1.6817928305074288,-1.5422108254079407):1, [-1.414213562373095,-1.2968395546510096):1, [-1.2968395546510096,-1.189207115002721):2, [-1.189207115002721,-1.0905077326652577):1, [-1.0905077326652577,-1):3, [-1,-0.9170040432046711):1, [-0.1,0.1]:42, (0.9170040432046711,1]:1, (1,1.0905077326652577]:3, (1.0905077326652577,1.189207115002721]:1, (1.189207115002721,1.2968395546510096]:2, (1.2968395546510096,1.414213562373095]:1, (1.414213562373095,1.5422108254079407]:1, (1.5422108254079407,1.6817928305074288]:1}',
    );
  });
  test('custom buckets: validates and keeps the bounds', () => {
    validateHistogram(TO_FLOAT_CUSTOM_HISTOGRAM);
    const f = histogramToFloat(TO_FLOAT_CUSTOM_HISTOGRAM);
    validateFloatHistogram(f);
    assert.deepEqual(f.positiveBuckets, [1, 3, 1, 2, 1, 1, 1]);
    assert.equal(histogramString(f), '{count:10, sum:2.7, [-Inf,5]:1, (5,10]:3, (10,20]:1, (20,50]:2, (50,100]:1, (100,500]:1, (500,+Inf]:1}');
  });
});
