// Query answers written straight into bytes (result-bytes.ts) against the text formatter they replace on the
// store's hot path (resultJson): for any result, the bytes must be Buffer.from(resultJson(r)). Property-based
// (fast-check) over values (NaN, ±Inf, -0, tiny, huge, integers around 2^31 and 2^53), label strings needing
// escapes, timestamps, native histograms, warnings and infos; plus the handler pair handleRead / handleReadBytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { handleRead, handleReadBytes, resultBytes, resultJson, withRequestId } from '../../src/promapi/index.js';
import { Engine, type QueryResult } from '../../src/promql/engine.js';
import { CounterResetHint, type FloatHistogram } from '../../src/histogram/model.js';
import type { Labels, Querier } from '../../src/storage/interface.js';

const value = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 5e-324, -5e-324, 1e21, 1e-7, 1.5e-7, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 - 1, 2 ** 53, -(2 ** 53) + 1, 2 ** 53 + 2, 123456789012, 0.1),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.maxSafeInteger(),
);
// Label strings: printable ASCII, quotes and backslashes, control characters, non-ASCII and lone surrogates.
const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('a"b', 'c\\d', 'e\nf', '\u007f', '\ud800', 'é', '{}', ''));
const labels: fc.Arbitrary<Labels> = fc.array(fc.record({ name: text, value: text }), { maxLength: 4 });
const timestamp = fc.oneof(fc.integer({ min: -1e13, max: 1e13 }), fc.double({ min: -1e13, max: 1e13, noNaN: true }), fc.constantFrom(0, 1733290000000, 1733290000500, 1000.5));
const histogram: fc.Arbitrary<FloatHistogram> = fc.record({
  counterResetHint: fc.constant(CounterResetHint.Unknown),
  schema: fc.integer({ min: -2, max: 3 }),
  zeroThreshold: fc.constantFrom(0, 1e-128, 0.001),
  zeroCount: fc.constantFrom(0, 1, 2.5),
  count: value,
  sum: value,
  positiveSpans: fc.constant([{ offset: 0, length: 2 }]),
  negativeSpans: fc.constant([{ offset: 1, length: 1 }]),
  positiveBuckets: fc.tuple(value, value).map((xs) => [...xs]),
  negativeBuckets: fc.tuple(value).map((xs) => [...xs]),
  customValues: fc.constant([]),
});
const notes = fc.array(text, { maxLength: 2 });

const series = fc.array(fc.tuple(timestamp, value, fc.option(histogram, { freq: 6 })), { maxLength: 12 }).chain((points) =>
  fc.record({
    metric: labels,
    timestamps: fc.constant(points.map(([t]) => t)),
    values: fc.constant(points.map(([, v]) => v)),
    histograms: points.some(([, , h]) => h !== null) ? fc.constant(points.map(([, , h]) => h ?? undefined)) : fc.constant(undefined),
  }),
);
const matrix: fc.Arbitrary<QueryResult> = fc.record({ resultType: fc.constant('matrix' as const), result: fc.array(series, { maxLength: 5 }), warnings: notes, infos: notes });
const vector: fc.Arbitrary<QueryResult> = fc.record({
  resultType: fc.constant('vector' as const),
  result: fc.array(fc.tuple(labels, timestamp, value, fc.option(histogram, { freq: 5 })).map(([metric, t, v, h]) => ({ metric, t, value: v, ...(h ? { histogram: h } : {}) })), { maxLength: 6 }),
  warnings: notes,
  infos: notes,
});
const scalar: fc.Arbitrary<QueryResult> = fc.record({ resultType: fc.constant('scalar' as const), result: fc.record({ t: timestamp, value }), warnings: notes, infos: notes });
const str: fc.Arbitrary<QueryResult> = fc.record({ resultType: fc.constant('string' as const), result: fc.record({ t: timestamp, value: text }), warnings: notes, infos: notes });

const asBytes = (r: QueryResult) => Buffer.from(resultJson(r));

test('any query result written as bytes is Buffer.from(resultJson(result))', () => {
  fc.assert(
    fc.property(fc.oneof(matrix, vector, scalar, str), (r) => {
      assert.deepEqual(resultBytes(r), asBytes(r));
    }),
    { numRuns: 3000 },
  );
});

test('a range answer over a shared step grid (timestamp texts reused by position) matches the text, gaps and all', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(labels, fc.subarray([0, 1, 2, 3, 4, 5, 6, 7]), fc.array(value, { minLength: 8, maxLength: 8 })), { maxLength: 6 }), (rows) => {
      const result = rows.map(([metric, positions, vs]) => ({ metric, timestamps: positions.map((p) => 1733290000000 + p * 30_500), values: positions.map((p) => vs[p]!) }));
      const r: QueryResult = { resultType: 'matrix', result, warnings: [], infos: [] };
      assert.deepEqual(resultBytes(r), asBytes(r));
    }),
    { numRuns: 1000 },
  );
});

test('handleReadBytes answers what handleRead answers, as bytes, with the request id on errors', () => {
  const metric = (i: number): Labels => [{ name: '__name__', value: 'up' }, { name: 'job', value: `j"${i}\\` }];
  const querier: Querier = {
    select: () => [0, 1, 2].map((i) => ({ labels: metric(i), timestamps: [0, 30_000, 60_000], values: [i, i + 0.5, -0] })),
    series: () => [],
    labelNames: () => [],
    labelValues: () => [],
  } as unknown as Querier;
  const ctx = { querier, engine: new Engine(), now: () => 60_000 };
  const cases: [Parameters<typeof handleRead>[1], Record<string, string>][] = [
    ['query', { query: 'up', time: '60' }],
    ['query', { query: 'up', time: '30' }],
    ['query', { query: 'scalar(up)', time: '60' }],
    ['query', { query: '"text"', time: '60' }],
    ['query_range', { query: 'up', start: '0', end: '60', step: '15' }],
    ['query_range', { query: 'up * 1.1', start: '0', end: '60', step: '30' }],
    ['query', { query: 'up{', time: '60' }],
    ['query', {}],
    ['query_range', { query: 'up', start: '60', end: '0', step: '15' }],
    ['labels', {}],
  ];
  for (const [endpoint, params] of cases) {
    const text = withRequestId(handleRead(ctx, endpoint, new URLSearchParams(params)), 'rid-7');
    const bytes = handleReadBytes(ctx, endpoint, new URLSearchParams(params), 'rid-7');
    assert.equal(bytes.status, text.status, JSON.stringify(params));
    assert.deepEqual(bytes.body, Buffer.from(text.body), JSON.stringify(params));
  }
  assert.match(handleReadBytes(ctx, 'query', new URLSearchParams({ query: 'up' }), 'rid-7').body.toString(), /"job":"j\\"0\\\\"/);
});
