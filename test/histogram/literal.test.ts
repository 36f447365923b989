// The {{...}} notation of PromQL test files: cases ported from Prometheus 3.5's promql/parser/parse_test.go
// (TestParseHistogramSeries, TestHistogramTestExpression).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterResetHint, formatHistogramLiteral, histogramSeries, parseHistogramLiteral } from '../../src/histogram/index.js';
import { assertHistogram, fh, sp } from './helpers.js';

const GAUGE = CounterResetHint.Gauge;

describe('parseHistogramLiteral (TestParseHistogramSeries)', () => {
  const cases: [string, string, ReturnType<typeof fh>][] = [
    ['empty histogram', '{{}}', fh()],
    ['empty histogram with space', '{{ }}', fh()],
    [
      'all properties used',
      '{{schema:1 sum:0.3 count:3.1 z_bucket:7.1 z_bucket_w:0.05 buckets:[5.1 10 7] offset:3 n_buckets:[4.1 5] n_offset:5 counter_reset_hint:gauge}}',
      fh({ schema: 1, sum: 0.3, count: 3.1, zeroCount: 7.1, zeroThreshold: 0.05, positiveBuckets: [5.1, 10, 7], positiveSpans: [sp(3, 3)], negativeBuckets: [4.1, 5], negativeSpans: [sp(5, 2)], counterResetHint: GAUGE }),
    ],
    [
      'all properties used - with spaces',
      '{{schema:1  sum:0.3  count:3  z_bucket:7 z_bucket_w:5 buckets:[5 10  7  ] offset:-3  n_buckets:[4 5]  n_offset:5  counter_reset_hint:gauge  }}',
      fh({ schema: 1, sum: 0.3, count: 3, zeroCount: 7, zeroThreshold: 5, positiveBuckets: [5, 10, 7], positiveSpans: [sp(-3, 3)], negativeBuckets: [4, 5], negativeSpans: [sp(5, 2)], counterResetHint: GAUGE }),
    ],
    [
      'all properties used, with negative values where supported',
      '{{schema:1 sum:-0.3 count:-3.1 z_bucket:-7.1 z_bucket_w:0.05 buckets:[-5.1 -10 -7] offset:-3 n_buckets:[-4.1 -5] n_offset:-5 counter_reset_hint:gauge}}',
      fh({ schema: 1, sum: -0.3, count: -3.1, zeroCount: -7.1, zeroThreshold: 0.05, positiveBuckets: [-5.1, -10, -7], positiveSpans: [sp(-3, 3)], negativeBuckets: [-4.1, -5], negativeSpans: [sp(-5, 2)], counterResetHint: GAUGE }),
    ],
    ['different order', '{{buckets:[5 10 7] schema:1}}', fh({ schema: 1, positiveBuckets: [5, 10, 7], positiveSpans: [sp(0, 3)] })],
    ["'unknown' counter reset hint value", '{{counter_reset_hint:unknown}}', fh({ counterResetHint: CounterResetHint.Unknown })],
    ["'reset' counter reset hint value", '{{counter_reset_hint:reset}}', fh({ counterResetHint: CounterResetHint.CounterReset })],
    ["'not_reset' counter reset hint value", '{{counter_reset_hint:not_reset}}', fh({ counterResetHint: CounterResetHint.NotCounterReset })],
    ["'gauge' counter reset hint value", '{{counter_reset_hint:gauge}}', fh({ counterResetHint: GAUGE })],
    // Not in parse_test.go: custom buckets, Inf/NaN and exponents as native_histograms.test uses them.
    ['custom buckets', '{{schema:-53 sum:1 count:1 custom_values:[5 10] buckets:[1]}}', fh({ schema: -53, sum: 1, count: 1, customValues: [5, 10], positiveBuckets: [1], positiveSpans: [sp(0, 1)] })],
    ['NaN sum, Inf values, exponents', '{{sum:NaN count:1e3 z_bucket_w:Inf buckets:[-Inf 2.5e-1]}}', fh({ sum: NaN, count: 1000, zeroThreshold: Infinity, positiveBuckets: [-Infinity, 0.25], positiveSpans: [sp(0, 2)] })],
  ];
  for (const [name, input, expected] of cases) test(name, () => assertHistogram(parseHistogramLiteral(input), expected));

  const errors: [string, string, RegExp][] = [
    ['double property', '{{schema:1 schema:1}}', /duplicate key "schema" in histogram/],
    ['unknown property', '{{foo:1}}', /bad histogram descriptor found: "foo"/],
    ['space before :', '{{schema :1}}', /missing `:` for histogram descriptor/],
    ['space after :', '{{schema: 1}}', /bad integer "" for schema/],
    ['space after [', '{{buckets:[ 1]}}', /bad bucket list/],
    ['space after {{', '{{ schema:1}}', /unexpected space after "{{"/],
    ['invalid counter reset hint value', '{{counter_reset_hint:foo}}', /bad histogram descriptor found: "foo"/],
    ['not enclosed', 'schema:1', /enclosed in \{\{ \}\}/],
    ['fractional schema', '{{schema:1.5}}', /bad integer "1.5" for schema/],
    ['negative zero bucket width', '{{z_bucket_w:-1}}', /bad number "-1" for z_bucket_w/],
    ['empty bucket list', '{{buckets:[]}}', /bad bucket list/],
    ['unclosed bucket list', '{{buckets:[1 2}}', /unclosed bucket list|bad bucket list/],
    ['garbage number', '{{sum:1x}}', /bad number "1x" for sum/],
  ];
  for (const [name, input, message] of errors) test(`rejects: ${name}`, () => assert.throws(() => parseHistogramLiteral(input), message));
});

describe('histogramSeries (TestParseHistogramSeries, the a+bxN / a-bxN forms)', () => {
  const lit = parseHistogramLiteral;
  test('series with increment - with different schemas', () => {
    const got = histogramSeries(lit('{{buckets:[5] schema:0}}'), lit('{{buckets:[1 2] schema:1}}'), 2, '+');
    assert.deepEqual(got.map((h) => [h.schema, h.positiveBuckets, h.positiveSpans]), [[0, [5], [sp(0, 1)]], [0, [6, 2], [sp(0, 2)]], [0, [7, 4], [sp(0, 2)]]]);
  });
  test('series with decrement', () => {
    const got = histogramSeries(lit('{{buckets:[5 10 7] schema:1}}'), lit('{{buckets:[1 2 3] schema:1}}'), 2, '-');
    assert.deepEqual(got.map((h) => h.positiveBuckets), [[5, 10, 7], [4, 8, 4], [3, 6, 1]]);
  });
  test('series with increment - x0, and sums only', () => {
    assert.equal(histogramSeries(lit('{{buckets:[5 10 7] schema:1}}'), lit('{{buckets:[1 2 3] schema:1}}'), 0, '+').length, 1);
    assert.deepEqual(histogramSeries(lit('{{sum:2}}'), lit('{{sum:2}}'), 2, '+').map((h) => h.sum), [2, 4, 6]);
  });
  test('series with different schemas - second one is smaller', () => {
    assert.throws(() => histogramSeries(lit('{{buckets:[5 10 7] schema:1}}'), lit('{{buckets:[1 2 3] schema:0}}'), 2, '+'), /error combining histograms: cannot merge from schema 0 to 1/);
  });
});

describe('formatHistogramLiteral (TestHistogramTestExpression)', () => {
  const cases: [string, ReturnType<typeof fh>, string][] = [
    [
      'single positive and negative span',
      fh({ schema: 1, sum: -0.3, count: 3.1, zeroCount: 7.1, zeroThreshold: 0.05, positiveBuckets: [5.1, 10, 7], positiveSpans: [sp(-3, 3)], negativeBuckets: [4.1, 5], negativeSpans: [sp(-5, 2)] }),
      '{{schema:1 count:3.1 sum:-0.3 z_bucket:7.1 z_bucket_w:0.05 offset:-3 buckets:[5.1 10 7] n_offset:-5 n_buckets:[4.1 5]}}',
    ],
    [
      'multiple positive and negative spans',
      fh({ positiveBuckets: [5.1, 10, 7], positiveSpans: [sp(-3, 1), sp(4, 2)], negativeBuckets: [4.1, 5, 7, 8, 9], negativeSpans: [sp(-1, 2), sp(2, 3)] }),
      '{{offset:-3 buckets:[5.1 0 0 0 0 10 7] n_offset:-1 n_buckets:[4.1 5 0 0 7 8 9]}}',
    ],
    [
      'known counter reset hint',
      fh({ schema: 1, sum: -0.3, count: 3.1, zeroCount: 7.1, zeroThreshold: 0.05, positiveBuckets: [5.1, 10, 7], positiveSpans: [sp(-3, 3)], negativeBuckets: [4.1, 5], negativeSpans: [sp(-5, 2)], counterResetHint: CounterResetHint.CounterReset }),
      '{{schema:1 count:3.1 sum:-0.3 z_bucket:7.1 z_bucket_w:0.05 counter_reset_hint:reset offset:-3 buckets:[5.1 10 7] n_offset:-5 n_buckets:[4.1 5]}}',
    ],
    // Not in parse_test.go: Go's %g formatting and custom values.
    ['Go %g numbers', fh({ count: 1e6, sum: 1234567, zeroThreshold: 1e-5, positiveBuckets: [0.0001, 123456], positiveSpans: [sp(0, 2)] }), '{{count:1e+06 sum:1.234567e+06 z_bucket_w:1e-05 buckets:[0.0001 123456]}}'],
    ['custom values', fh({ schema: -53, count: 3, customValues: [0.5, 1e10], positiveBuckets: [1, 2], positiveSpans: [sp(1, 2)] }), '{{schema:-53 count:3 custom_values:[0.5 1e+10] offset:1 buckets:[1 2]}}'],
  ];
  for (const [name, input, expected] of cases) {
    test(name, () => {
      assert.equal(formatHistogramLiteral(input), expected);
      // Parsing the expression and formatting it again gives the same text.
      assert.equal(formatHistogramLiteral(parseHistogramLiteral(expected)), expected);
    });
  }
});

test('every {{...}} of the Prometheus test excerpts in testdata/ parses and survives format → parse', async () => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const { compactHistogram, histogramEquals } = await import('../../src/histogram/index.js');
  const dir = new URL('./testdata/', import.meta.url);
  let count = 0;
  for (const file of readdirSync(dir)) {
    for (const m of readFileSync(new URL(file, dir), 'utf8').matchAll(/\{\{.*?\}\}/g)) {
      const h = parseHistogramLiteral(m[0]);
      const back = parseHistogramLiteral(formatHistogramLiteral(h));
      assert.ok(histogramEquals(back, compactHistogram(h, Number.MAX_SAFE_INTEGER)), `${file}: ${m[0]}`);
      count++;
    }
  }
  assert.ok(count >= 40, `${count} literals`);
});
