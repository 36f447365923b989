// The range answer is written as one string (rangeJson) for speed; it must be byte for byte what
// JSON.stringify gives for the answer's object form (rangeList), on every shape the answer can take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RangeSeries } from '../../src/client/types.js';
import { rangeJson, rangeList } from '../../src/fleet/present.js';

const same = (id: string, series: RangeSeries[]) => assert.equal(rangeJson(id, series), JSON.stringify(rangeList(id, series)));

test('rangeJson is JSON.stringify(rangeList): no series, empty labels, empty values', () => {
  same('c1', []);
  same('c1', [{ metric: {}, values: [] }]);
  same('c1', [{ metric: { namespace: 'dropped', pod: 'dropped' }, values: [{ timestampMs: 1000, value: 1 }] }]);
  same('c1', [{ metric: { __name__: 'm', topic: 't' }, values: [] }, { metric: {}, values: [{ timestampMs: 2000, value: 2 }] }]);
});

test('rangeJson is JSON.stringify(rangeList): NaN, ±Inf, -0, fractions, large and tiny values, zero timestamps', () => {
  const values = [NaN, Infinity, -Infinity, -0, 0.1 + 0.2, 1e21, 1e-7, -123.456, 2 ** 53 + 2, 5e-324].map((value, i) => ({ timestampMs: i === 3 ? 0 : 1_733_270_400_000 + i * 30_500, value }));
  same('c1', [{ metric: { __name__: 'm' }, values }]);
});

test('rangeJson is JSON.stringify(rangeList): label escaping, non-ASCII, sorted allow-listed keys', () => {
  const metric = { topic: 'quote " backslash \\ newline \n tab \t ctl \u0001 ü 日本 😀 \ud800', __name__: 'm', broker_id: '0', namespace: 'x', statefulset_kubernetes_io_pod_name: 'p' };
  same('id "with" quotes', [{ metric, values: [{ timestampMs: 1, value: 1 }] }]);
});

test('rangeJson reuses a formatted timestamp only while it is equal: series with different timestamps stay exact', () => {
  const a = { metric: { __name__: 'a' }, values: [{ timestampMs: 1000, value: 1 }, { timestampMs: 2000, value: 2 }] };
  const b = { metric: { __name__: 'b' }, values: [{ timestampMs: 1500, value: 1 }, { timestampMs: 2000, value: 2 }, { timestampMs: 2500, value: 3 }] };
  const c = { metric: { __name__: 'c' }, values: [{ timestampMs: 1000, value: 1 }] };
  same('c1', [a, b, c, a]);
  assert.match(rangeJson('c1', [a, b]), /"timestamp":1500,"value":1\}/);
});
