// The Prometheus API's number and time formats: sample values as Go's strconv prints them, times as
// Prometheus's API parses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSampleValue, parseTime, resultJson } from '../../src/promapi/index.js';

test('Prometheus API formatting: sample values as Go prints them, times as Prometheus parses them', () => {
  assert.equal(formatSampleValue(1e21), '1000000000000000000000');
  assert.equal(formatSampleValue(1.5e-7), '0.00000015');
  assert.equal(formatSampleValue(-2.5), '-2.5');
  assert.equal(formatSampleValue(NaN), 'NaN');
  assert.equal(formatSampleValue(-Infinity), '-Inf');
  assert.equal(parseTime('1700000000.5'), 1700000000500);
  assert.equal(parseTime('2023-11-14T22:13:20Z'), 1700000000000);
  assert.equal(parseTime('yesterday'), undefined);
});

test('sample values: the int32 shortcut prints what the general path prints, and -0 stays "-0"', () => {
  for (const v of [0, 1, -1, 7, 2147483647, -2147483648, 2147483648, -2147483649, 1e6, 123456789]) {
    assert.equal(formatSampleValue(v), String(v), String(v));
  }
  assert.equal(formatSampleValue(-0), '-0');
  assert.equal(formatSampleValue(0.5), '0.5');
});

test('a matrix result reuses timestamp texts by position and still writes every series its own times', () => {
  const metric = (i: number) => [{ name: '__name__', value: `m${i}` }];
  // Series 1 shares the grid; series 2 has a gap (positions shift); series 3 is shorter; 4 has fractional ms.
  const grids = [[1000, 31000, 61000], [1000, 31000, 61000], [31000, 61000, 91000], [61000], [1000.5, 31000.25]];
  const result = grids.map((timestamps, i) => ({ metric: metric(i), timestamps, values: timestamps.map((t) => t / 1000 + i) }));
  const body = JSON.parse(resultJson({ resultType: 'matrix', result, warnings: [], infos: [] }));
  assert.deepEqual(
    body.data.result,
    result.map((s) => ({ metric: { __name__: s.metric[0]!.value }, values: s.timestamps.map((t, k) => [t / 1000, String(s.values[k])]) })),
  );
});
