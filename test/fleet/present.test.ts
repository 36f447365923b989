// The range answer is written straight into bytes (rangeJsonBytes) for speed; it must be byte for byte what
// JSON.stringify gives for the answer's object form (rangeList), encoded as UTF-8, on every shape the answer can take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RangeSeries } from '../../src/client/types.js';
import fc from 'fast-check';
import { rangeJsonBytes, rangeList } from '../../src/fleet/present.js';

const same = (id: string, series: RangeSeries[]) => assert.deepStrictEqual(rangeJsonBytes(id, series), Buffer.from(JSON.stringify(rangeList(id, series))));
const rangeJson = (id: string, series: RangeSeries[]) => rangeJsonBytes(id, series).toString();

test('rangeJsonBytes is JSON.stringify(rangeList): no series, empty labels, empty values', () => {
  same('c1', []);
  same('c1', [{ metric: {}, values: [] }]);
  same('c1', [{ metric: { namespace: 'dropped', pod: 'dropped' }, values: [{ timestampMs: 1000, value: 1 }] }]);
  same('c1', [{ metric: { __name__: 'm', topic: 't' }, values: [] }, { metric: {}, values: [{ timestampMs: 2000, value: 2 }] }]);
});

test('rangeJsonBytes is JSON.stringify(rangeList): NaN, ±Inf, -0, fractions, large and tiny values, zero timestamps', () => {
  const values = [NaN, Infinity, -Infinity, -0, 0.1 + 0.2, 1e21, 1e-7, -123.456, 2 ** 53 + 2, 5e-324].map((value, i) => ({ timestampMs: i === 3 ? 0 : 1_733_270_400_000 + i * 30_500, value }));
  same('c1', [{ metric: { __name__: 'm' }, values }]);
});

test('rangeJsonBytes is JSON.stringify(rangeList): label escaping, non-ASCII, sorted allow-listed keys', () => {
  const metric = { topic: 'quote " backslash \\ newline \n tab \t ctl \u0001 ü 日本 😀 \ud800', __name__: 'm', broker_id: '0', namespace: 'x', statefulset_kubernetes_io_pod_name: 'p' };
  same('id "with" quotes', [{ metric, values: [{ timestampMs: 1, value: 1 }] }]);
});

test('rangeJsonBytes reuses a formatted timestamp only while it is equal: series with different timestamps stay exact', () => {
  const a = { metric: { __name__: 'a' }, values: [{ timestampMs: 1000, value: 1 }, { timestampMs: 2000, value: 2 }] };
  const b = { metric: { __name__: 'b' }, values: [{ timestampMs: 1500, value: 1 }, { timestampMs: 2000, value: 2 }, { timestampMs: 2500, value: 3 }] };
  const c = { metric: { __name__: 'c' }, values: [{ timestampMs: 1000, value: 1 }] };
  same('c1', [a, b, c, a]);
  assert.match(rangeJson('c1', [a, b]), /"timestamp":1500,"value":1\}/);
});

test('rangeJsonBytes is JSON.stringify(rangeList) for any labels, timestamps and values (property)', () => {
  const label = fc.oneof(fc.constantFrom('__name__', 'topic', 'broker_id', 'persistentvolumeclaim', 'namespace'), fc.string({ unit: 'binary', maxLength: 8 }));
  const value = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 2 ** 53 - 1, -(2 ** 53) + 1, 2 ** 53, 1e21, 1e-7, 9007199254740993));
  const timestamp = fc.oneof(fc.constant(0), fc.integer({ min: -1e13, max: 1e13 }), fc.constantFrom(1_733_270_400_000, 1_733_270_430_000));
  const series = fc.record({ metric: fc.dictionary(label, fc.string({ unit: 'binary', maxLength: 10 }), { maxKeys: 4 }), values: fc.array(fc.record({ timestampMs: timestamp, value }), { maxLength: 6 }) });
  fc.assert(fc.property(fc.string({ maxLength: 6 }), fc.array(series, { maxLength: 5 }), (id, s) => same(id, s)), { numRuns: 500 });
});

test('rangeJsonBytes grows its buffer past the size it guessed', () => {
  // Long label values are not in the size guess: the answer must still be whole.
  const metric = { topic: 'x'.repeat(5000), __name__: 'y'.repeat(3000) };
  same('c1', [{ metric, values: [{ timestampMs: 1, value: 1.5 }] }, { metric, values: [] }]);
});
