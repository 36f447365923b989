// Builders and comparisons for the histogram tests. The case tables under cases/ are Prometheus 3.5's Go test
// tables (model/histogram/*_test.go) transcribed field for field; fh/ih/sp stand for &FloatHistogram{...},
// &Histogram{...} and Span{offset, length}, with Go's zero values for omitted fields.
import assert from 'node:assert/strict';
import { CounterResetHint, type FloatHistogram, type Histogram, type Span } from '../../src/histogram/index.js';

export const sp = (offset: number, length: number): Span => ({ offset, length });

type Fields<T> = Partial<Omit<T, 'counterResetHint'>> & { counterResetHint?: number };

function base() {
  return {
    counterResetHint: CounterResetHint.Unknown as CounterResetHint,
    schema: 0,
    zeroThreshold: 0,
    zeroCount: 0,
    count: 0,
    sum: 0,
    positiveSpans: [] as Span[],
    negativeSpans: [] as Span[],
    positiveBuckets: [] as number[],
    negativeBuckets: [] as number[],
    customValues: [] as number[],
  };
}

export function fh(fields: Fields<FloatHistogram> = {}): FloatHistogram {
  return { ...base(), ...fields } as FloatHistogram;
}

export function ih(fields: Fields<Histogram> = {}): Histogram {
  return { ...base(), ...fields } as Histogram;
}

/** A deep copy (structuredClone keeps NaN, -0 and Infinity). */
export const clone = <T>(v: T): T => structuredClone(v);

/** Go's require.Equal on two histograms: reflect.DeepEqual compares floats with ==, so 0 and -0 are equal; nil and
 *  empty slices are both our empty arrays. */
export function assertHistogram(actual: FloatHistogram, expected: FloatHistogram, message?: string): void {
  assert.deepEqual(normalize(actual), normalize(expected), message);
}

function normalize(h: FloatHistogram): FloatHistogram {
  const z = (v: number) => (v === 0 ? 0 : v);
  return {
    counterResetHint: h.counterResetHint,
    schema: h.schema,
    zeroThreshold: z(h.zeroThreshold),
    zeroCount: z(h.zeroCount),
    count: z(h.count),
    sum: z(h.sum),
    positiveSpans: h.positiveSpans.map((s) => ({ offset: s.offset, length: s.length })),
    negativeSpans: h.negativeSpans.map((s) => ({ offset: s.offset, length: s.length })),
    positiveBuckets: h.positiveBuckets.map(z),
    negativeBuckets: h.negativeBuckets.map(z),
    customValues: h.customValues.map(z),
  };
}
