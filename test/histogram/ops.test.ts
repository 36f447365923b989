// FloatHistogram operations against Prometheus 3.5's own test tables (model/histogram/float_histogram_test.go,
// transcribed in cases/): Mul, Div, Copy, CopyToSchema, ReduceResolution, Compact, Add, Sub, DetectReset. Every
// function must also leave its inputs unchanged (Go's methods work in place; ours return new histograms).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addHistogram,
  compactHistogram,
  copyFloatHistogram,
  detectReset,
  divideHistogram,
  HistogramOpError,
  reduceResolution,
  scaleHistogram,
  subHistogram,
  type FloatHistogram,
} from '../../src/histogram/index.js';
import { assertHistogram, clone, fh, sp } from './helpers.js';
import { COMPACT_CASES } from './cases/float-compact.js';
import { ADD_CASES, SUB_CASES } from './cases/float-add-sub.js';
import { COPY_CASES, COPY_TO_SCHEMA_CASES, DIV_CASES, MUL_CASES, REDUCE_RESOLUTION_CASES } from './cases/float-arith.js';
import { DETECT_RESET_CASES } from './cases/float-reset.js';

/** Runs op and checks that it did not change its inputs. */
function pure<T>(inputs: FloatHistogram[], op: () => T): T {
  const before = clone(inputs);
  const result = op();
  assert.deepEqual(inputs, before, 'the inputs were changed');
  return result;
}

describe('scaleHistogram (TestFloatHistogramMul)', () => {
  for (const [name, input, scale, expected] of MUL_CASES) {
    test(name, () => assertHistogram(pure([input], () => scaleHistogram(input, scale)), expected));
  }
});

describe('divideHistogram (TestFloatHistogramDiv)', () => {
  for (const [name, input, divisor, expected] of DIV_CASES) {
    test(name, () => assertHistogram(pure([input], () => divideHistogram(input, divisor)), expected));
  }
});

describe('copyFloatHistogram (TestFloatHistogramCopy)', () => {
  for (const { name, orig, expected } of COPY_CASES) {
    test(name, () => {
      const copy = copyFloatHistogram(orig);
      orig.sum++;
      assertHistogram(copy, expected);
      // A deep copy: changing the original's spans or buckets leaves the copy alone.
      for (const arr of [orig.positiveBuckets, orig.negativeBuckets]) if (arr.length > 0) arr[0]! += 1000;
      for (const spans of [orig.positiveSpans, orig.negativeSpans]) if (spans.length > 0) spans[0]!.offset += 7;
      assertHistogram(copy, expected);
    });
  }
});

describe('reduceResolution (TestFloatHistogramCopyToSchema, TestFloatHistogramReduceResolution)', () => {
  for (const [name, targetSchema, input, expected] of COPY_TO_SCHEMA_CASES) {
    test(name, () => assertHistogram(pure([input], () => reduceResolution(input, targetSchema)), expected));
  }
  for (const [name, { origin, target }] of REDUCE_RESOLUTION_CASES) {
    test(name, () => assertHistogram(pure([origin], () => reduceResolution(origin, target.schema)), target));
  }
  test('refuses a higher schema and custom buckets', () => {
    assert.throws(() => reduceResolution(fh({ schema: 1 }), 2), /cannot reduce resolution from schema 1 to 2/);
    assert.throws(() => reduceResolution(fh({ schema: -53, customValues: [1] }), 0), /custom buckets/);
    assert.throws(() => reduceResolution(fh({ schema: 0 }), -53), /custom buckets schema/);
  });
});

describe('compactHistogram (TestFloatHistogramCompact)', () => {
  for (const [name, input, maxEmptyBuckets, expected] of COMPACT_CASES) {
    test(name, () => assertHistogram(pure([input], () => compactHistogram(input, maxEmptyBuckets)), expected));
  }
  test('several merges on one side put the empty buckets between the right spans (a bug in Go 3.5, see compact.ts)', () => {
    const h = fh({ count: 10, positiveSpans: [sp(0, 1), sp(1, 2), sp(1, 1)], positiveBuckets: [1, 2, 3, 4] });
    const c = compactHistogram(h, 1);
    assert.deepEqual(c.positiveSpans, [sp(0, 6)]);
    assert.deepEqual(c.positiveBuckets, [1, 0, 2, 3, 0, 4]);
  });
});

/** testHistogramAdd/testHistogramSub: compact both, compare; errors by message. */
function checkCombination(op: typeof addHistogram, a: FloatHistogram, b: FloatHistogram, expected: FloatHistogram | null, expErrMsg: string): void {
  if (expErrMsg !== '') {
    assert.throws(() => op(a, b), (err: unknown) => err instanceof HistogramOpError && err.message === expErrMsg);
    return;
  }
  const res = pure([a, b], () => op(a, b));
  if (expected) assertHistogram(compactHistogram(res, 0), compactHistogram(expected, 0));
}

describe('addHistogram (TestFloatHistogramAdd, both orders)', () => {
  for (const [name, in1, in2, expected, expErrMsg] of ADD_CASES) {
    test(name, () => {
      checkCombination(addHistogram, in1, in2, expected, expErrMsg);
      checkCombination(addHistogram, in2, in1, expected, expErrMsg);
    });
  }
});

describe('subHistogram (TestFloatHistogramSub)', () => {
  for (const [name, in1, in2, expected, expErrMsg] of SUB_CASES) {
    test(name, () => {
      checkCombination(subHistogram, in1, in2, expected, expErrMsg);
      // The Go test also checks in2 - in1 against -expected.
      checkCombination(subHistogram, in2, in1, expected && scaleHistogram(expected, -1), expErrMsg);
    });
  }
});

describe('detectReset (TestFloatHistogramDetectReset)', () => {
  for (const [name, previous, current, resetExpected] of DETECT_RESET_CASES) {
    test(name, () => assert.equal(pure([previous, current], () => detectReset(previous, current)), resetExpected));
  }
});
