// histogram_quantile, histogram_fraction, histogram_stddev/stdvar (and count/sum/avg) against the expected values of
// Prometheus 3.5's own PromQL tests: testdata/native_histograms_stats_*.test are the evaluations of
// promql/promqltest/testdata/native_histograms.test that apply these functions directly to a selector.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  histogramFractionWithInfo,
  histogramQuantile,
  histogramQuantileWithInfo,
  histogramStatInfoMessage,
  histogramStdDev,
  histogramStdVar,
  type FloatHistogram,
  type HistogramStatResult,
} from '../../src/histogram/index.js';
import { almostEqual, parseTestFile, sampleAt, type Eval } from './promqltest-lite.js';
import { fh, sp } from './helpers.js';

function apply(e: Eval, h: FloatHistogram): HistogramStatResult {
  switch (e.fn) {
    case 'histogram_quantile':
      return histogramQuantileWithInfo(e.args[0]!, h);
    case 'histogram_fraction':
      return histogramFractionWithInfo(e.args[0]!, e.args[1]!, h);
    case 'histogram_stddev':
      return { value: histogramStdDev(h) };
    case 'histogram_stdvar':
      return { value: histogramStdVar(h) };
    case 'histogram_count':
      return { value: h.count };
    case 'histogram_sum':
      return { value: h.sum };
    case 'histogram_avg':
      return { value: h.sum / h.count };
  }
  throw new Error(`unsupported function ${e.fn}`);
}

const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());

function run(e: Eval): void {
  const results = new Map<string, HistogramStatResult>();
  for (const s of e.series) {
    const { __name__: name, ...labels } = s.labels;
    if (name !== e.selector.name || !Object.entries(e.selector.matchers).every(([k, v]) => (s.labels[k] ?? '') === v)) continue;
    const h = sampleAt(s, e.atMs);
    if (h) results.set(key(labels), apply(e, h));
  }
  assert.deepEqual([...results.keys()].sort(), e.expected.map((x) => key(x.labels)).sort(), 'the series of the result');
  for (const x of e.expected) {
    const got = results.get(key(x.labels))!.value;
    assert.ok(almostEqual(got, x.value), `${key(x.labels)}: got ${got}, want ${x.value}`);
  }
  const infos = [...results.values()].flatMap((r) => (r.info ? [histogramStatInfoMessage(r.info, e.selector.name)] : []));
  if (e.info === 'none') assert.deepEqual(infos, []);
  if (e.info === 'any') assert.ok(infos.length > 0, 'an info annotation');
  if (e.infoMessage) assert.ok(infos.includes(e.infoMessage), `info ${e.infoMessage}, got ${infos.join('; ')}`);
}

for (const part of [1, 2, 3]) {
  const file = `native_histograms_stats_${part}.test`;
  describe(file, () => {
    const evals = parseTestFile(readFileSync(new URL(`./testdata/${file}`, import.meta.url), 'utf8'));
    test('holds evaluations', () => assert.ok(evals.length >= 40, `${evals.length} evaluations`));
    for (const e of evals) test(`line ${e.line}: ${e.fn}(${e.args.join(', ')}) of ${e.selector.name}`, () => run(e));
  });
}

describe('histogramQuantile special cases (quantile.go HistogramQuantile)', () => {
  const h = fh({ count: 4, sum: 5, positiveSpans: [sp(0, 3)], positiveBuckets: [1, 2, 1] });
  test('q < 0 is -Inf, q > 1 is +Inf, NaN q is NaN, no observations is NaN', () => {
    assert.equal(histogramQuantile(-0.1, h), -Infinity);
    assert.equal(histogramQuantile(1.1, h), Infinity);
    assert.ok(Number.isNaN(histogramQuantile(NaN, h)));
    assert.ok(Number.isNaN(histogramQuantile(0.5, fh())));
  });
  test('custom buckets: linear interpolation, the first bucket starts at 0, the +Inf bucket answers its lower bound', () => {
    const c = fh({ schema: -53, count: 10, sum: 50, customValues: [10, 20], positiveSpans: [sp(0, 3)], positiveBuckets: [4, 4, 2] });
    assert.equal(histogramQuantile(0.2, c), 5);
    assert.equal(histogramQuantile(0.6, c), 15);
    assert.equal(histogramQuantile(0.95, c), 20);
  });
});

test('with NaN observations the quantile is interpolated in the last bucket, as Prometheus does (quantile.go reuses `bucket`)', () => {
  // count 10 = 4 + 4 + 2 NaN observations. q=0.25: rank 2.5 falls into (0.5,1], but Go's NaN loop leaves `bucket`
  // at (1,2]: 2^(0 + 1·2.5/4) = 2^0.625.
  const h = fh({ count: 10, sum: NaN, positiveSpans: [sp(0, 2)], positiveBuckets: [4, 4] });
  assert.deepEqual(histogramQuantileWithInfo(0.25, h), { value: 2 ** 0.625, info: 'quantile-nan-skew' });
});
