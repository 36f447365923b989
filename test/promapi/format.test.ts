// The Prometheus API's number and time formats: sample values as Go's strconv prints them, times as
// Prometheus's API parses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSampleValue, parseTime } from '../../src/promapi/index.js';

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
