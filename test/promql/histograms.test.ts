// Native histograms outside the conformance files: the HTTP API's JSON encoding of histogram samples (checked
// against Prometheus's own json_codec_test expectations) and the exact annotation texts Prometheus emits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CounterResetHint, parseHistogramLiteral, type FloatHistogram } from '../../src/histogram/index.js';
import { resultJson } from '../../src/promapi/index.js';
import { Engine } from '../../src/promql/engine.js';
import { MemoryQuerier } from '../../src/promql/testing/memory-querier.js';

const name = (n: string, extra: Record<string, string> = {}) =>
  [{ name: '__name__', value: n }, ...Object.entries(extra).map(([k, v]) => ({ name: k, value: v }))].sort((a, b) => (a.name < b.name ? -1 : 1));

/** The histogram of Prometheus's web/api/v1/json_codec_test.go. */
const codecHistogram: FloatHistogram = {
  counterResetHint: CounterResetHint.Unknown, schema: 2, zeroThreshold: 0.001, zeroCount: 12, count: 10, sum: 20,
  positiveSpans: [{ offset: 3, length: 2 }, { offset: 1, length: 3 }], negativeSpans: [{ offset: 2, length: 2 }],
  positiveBuckets: [1, 2, 2, 1, 1], negativeBuckets: [2, 1], customValues: [],
};

test('a matrix of histogram points encodes as Prometheus does', () => {
  const json = resultJson({ resultType: 'matrix', result: [{ metric: name('foo'), timestamps: [1000], values: [0], histograms: [codecHistogram] }], warnings: [], infos: [] });
  assert.equal(
    json,
    '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"foo"},"histograms":[[1,{"count":"10","sum":"20","buckets":[[1,"-1.6817928305074288","-1.414213562373095","1"],[1,"-1.414213562373095","-1.189207115002721","2"],[3,"-0.001","0.001","12"],[0,"1.414213562373095","1.6817928305074288","1"],[0,"1.6817928305074288","2","2"],[0,"2.378414230005442","2.82842712474619","2"],[0,"2.82842712474619","3.3635856610148576","1"],[0,"3.3635856610148576","4","1"]]}]]}]}}',
  );
});

test('instant and range queries return histogram samples in the API shape', () => {
  const q = new MemoryQuerier();
  q.append(name('mixed'), [0], Float64Array.of(3));
  q.appendHistograms(name('mixed'), [60_000], [parseHistogramLiteral('{{schema:-53 sum:5 count:4 custom_values:[1] buckets:[3 1]}}')]);
  const engine = new Engine();
  const instant = resultJson(engine.instantQuery(q, 'mixed', 60_000));
  assert.equal(
    instant,
    '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"mixed"},"histogram":[60,{"count":"4","sum":"5","buckets":[[3,"-Inf","1","3"],[0,"1","+Inf","1"]]}]}]}}',
  );
  const range = resultJson(engine.rangeQuery(q, 'mixed', 0, 60_000, 60_000));
  assert.equal(
    range,
    '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"mixed"},"values":[[0,"3"]],"histograms":[[60,{"count":"4","sum":"5","buckets":[[3,"-Inf","1","3"],[0,"1","+Inf","1"]]}]]}]}}',
  );
  // An empty histogram has no "buckets" field.
  q.appendHistograms(name('empty'), [0], [parseHistogramLiteral('{{}}')]);
  assert.match(resultJson(engine.instantQuery(q, 'empty', 0)), /"histogram":\[0,\{"count":"0","sum":"0"\}\]/);
});

test('annotations carry Prometheus texts', () => {
  const q = new MemoryQuerier();
  const h = (s: string) => parseHistogramLiteral(s);
  q.appendHistograms(name('exp_hist', { i: '1' }), [0, 60_000], [h('{{schema:0 count:1 sum:1 buckets:[1]}}'), h('{{schema:0 count:2 sum:2 buckets:[2]}}')]);
  q.appendHistograms(name('exp_hist', { i: '2' }), [0, 60_000], [h('{{schema:-53 count:1 sum:1 custom_values:[1] buckets:[1]}}'), h('{{schema:-53 count:1 sum:1 custom_values:[1] buckets:[1]}}')]);
  q.append(name('mix_total'), [0], Float64Array.of(1));
  q.appendHistograms(name('mix_total'), [30_000, 60_000], [h('{{count:1 sum:1}}'), h('{{count:2 sum:2}}')]);
  q.appendHistograms(name('gauge_hist'), [0, 60_000], [h('{{count:1 sum:1 counter_reset_hint:gauge}}'), h('{{count:2 sum:2 counter_reset_hint:gauge}}')]);
  const engine = new Engine();
  const annotations = (query: string) => {
    const r = engine.instantQuery(q, query, 60_000);
    return [...r.warnings, ...r.infos];
  };
  assert.deepEqual(annotations('max(exp_hist)'), ['PromQL info: ignored histogram in max aggregation']);
  assert.deepEqual(annotations('sum(exp_hist)'), [
    'PromQL warning: vector contains a mix of histograms with exponential and custom buckets schemas for metric name "exp_hist"',
  ]);
  assert.deepEqual(annotations('exp_hist{i="1"} > 1'), ['PromQL info: incompatible sample types encountered for binary operator ">": histogram > float']);
  assert.deepEqual(annotations('rate(mix_total[2m])'), ['PromQL warning: encountered a mix of histograms and floats for metric name "mix_total"']);
  assert.deepEqual(annotations('max_over_time(mix_total[2m])'), [
    'PromQL info: ignored histograms in a range containing both floats and histograms for metric name "mix_total"',
  ]);
  assert.deepEqual(annotations('rate(gauge_hist[2m])'), ['PromQL warning: this native histogram metric is not a counter: "gauge_hist"']);
  assert.deepEqual(annotations('delta(exp_hist{i="1"}[2m])'), ['PromQL warning: this native histogram metric is not a gauge: "exp_hist"']);
  assert.deepEqual(annotations('sum(exp_hist{i="1"} or vector(1))'), ['PromQL warning: encountered a mix of histograms and floats for aggregation']);
});
