// The range-answer scanner (src/client/matrix-scan.ts) against the general path it short-cuts (JSON.parse +
// parseQueryData): whenever it answers, the answer is the same; on bodies that are not in its one shape it
// gives up. Property-based (fast-check), plus Prometheus's own answer, which must take the scanner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scanMatrixAnswer } from '../../src/client/matrix-scan.js';
import { parseQueryData, parseStrings } from '../../src/client/types.js';
import { startPrometheus } from '../../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS } from '../../tools/testing/remote-write.js';

const RUNS = { numRuns: 400 };

/** What the client makes of a 2xx body without the scanner: the answer, or 'refused' (error, other shape, bad JSON). */
function generalPath(text: string): unknown {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || body.status !== 'success') return 'refused';
    const data = parseQueryData(body.data);
    if (data.resultType !== 'matrix') return 'refused';
    return { data, warnings: parseStrings(body.warnings), infos: parseStrings(body.infos) };
  } catch {
    return 'refused';
  }
}

function assertSameOrGivenUp(text: string): boolean {
  const scanned = scanMatrixAnswer(text);
  if (scanned === undefined) return false;
  assert.deepStrictEqual(scanned, generalPath(text), `scanner and general path differ on ${text.slice(0, 300)}`);
  return true;
}

const bodyOf = (result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>) =>
  JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });

// What Prometheus writes: millisecond timestamps in seconds, Go's shortest float text, ASCII labels.
const promTimestamp = fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => ms / 1000);
const promValue = fc.oneof(
  fc.integer({ min: -1e12, max: 1e12 }).map(String),
  fc.integer({ min: -1e9, max: 1e9 }).map((n) => String(n / 1000)),
  fc.constantFrom('NaN', '+Inf', '-Inf', '0', '-0', '0.1', '1.5', '123456789012345', '0.000001'),
);
const promLabels = fc.dictionary(fc.oneof(fc.constantFrom('__name__', 'namespace', 'topic'), fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/)), fc.string({ unit: 'binary-ascii', maxLength: 20 }).filter((s) => !/[\x00-\x1f"\\]/.test(s)), { maxKeys: 6 });
const promSeries = fc.record({ metric: promLabels, values: fc.array(fc.tuple(promTimestamp, promValue), { maxLength: 12 }) });

// Anything JSON.stringify can write in the same places: any label text (escapes, control characters, lone
// surrogates), any double as a timestamp (exponents too), any text as a value.
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', '1', 'Infinity', '1e3', ' 1', '.5', '1.', '+5', '0x10', ''));
const anyValue = fc.oneof(promValue, anyText, fc.double().map(String), fc.stringMatching(/^-?\d{1,20}(\.\d{0,20})?$/));
const anyTimestamp = fc.oneof(promTimestamp, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer().map((n) => n / 7));
const anySeries = fc.record({ metric: fc.dictionary(anyText, anyText, { maxKeys: 5 }), values: fc.array(fc.tuple(anyTimestamp, anyValue), { maxLength: 8 }) });

test('Prometheus-shaped range answers take the scanner, and it reads them as JSON.parse + parseQueryData do', () => {
  fc.assert(fc.property(fc.array(promSeries, { maxLength: 6 }), (result) => {
    assert.equal(assertSameOrGivenUp(bodyOf(result)), true, 'the scanner gave up on a Prometheus-shaped answer');
  }), RUNS);
});

test('on any range answer JSON.stringify can write, the scanner either gives up or agrees with the general path', () => {
  let scanned = 0;
  fc.assert(fc.property(fc.array(anySeries, { maxLength: 4 }), (result) => {
    if (assertSameOrGivenUp(bodyOf(result))) scanned++;
  }), { numRuns: 1000 });
  assert.ok(scanned > 50, `only ${scanned} of 1000 bodies were scanned: the property says little`);
});

test('a mutated body (a character inserted, dropped or replaced) never scans differently from the general path', () => {
  const mutation = fc.record({ at: fc.nat(), op: fc.constantFrom('insert', 'drop', 'replace'), ch: fc.constantFrom('"', ',', ']', '}', '[', '{', ':', '\\', ' ', '\n', '0', '9', '.', '-', 'e', 'a', '\u0001', 'é') });
  fc.assert(fc.property(fc.array(promSeries, { minLength: 1, maxLength: 3 }), mutation, (result, m) => {
    const body = bodyOf(result);
    const at = m.at % (body.length + 1);
    const mutated = m.op === 'insert' ? body.slice(0, at) + m.ch + body.slice(at)
      : m.op === 'drop' ? body.slice(0, at) + body.slice(at + 1)
        : body.slice(0, at) + m.ch + body.slice(at + 1);
    const scanned = scanMatrixAnswer(mutated);
    if (scanned !== undefined) assert.deepStrictEqual(scanned, generalPath(mutated), `differ on ${mutated.slice(0, 300)}`);
  }), { numRuns: 2000 });
});

test('the scanner gives up on other shapes: warnings, whitespace, other key orders, vectors, errors, histograms', () => {
  const one = { metric: { a: 'b' }, values: [[1.5, '2']] };
  const bodies = [
    JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [one] }, warnings: ['w'] }),
    JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [one] } }, null, 1),
    JSON.stringify({ data: { resultType: 'matrix', result: [one] }, status: 'success' }),
    JSON.stringify({ status: 'success', data: { result: [one], resultType: 'matrix' } }),
    JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ values: one.values, metric: one.metric }] } }),
    JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, histograms: [[1, { count: '1', sum: '1' }]] }] } }),
    JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '1'] }] } }),
    JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'x' }),
    `${JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [one] } })}\n`,
    '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1e3,"1"]]}]}}',
    '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}',
    '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1.0005,"1"]]}]}}',
  ];
  for (const b of bodies) assert.equal(scanMatrixAnswer(b), undefined, b);
  // Escapes in labels are read as JSON reads them; each form of value agrees with parseSampleValue (the ones
  // the scanner does not read itself are handed to it).
  const escaped = bodyOf([{ metric: { 'a"b': 'c\\d\u0001\ud800', é: '\u2028' }, values: [[0, '-0'], [1.25, 'NaN'], [2, '-Inf'], [3, 'Inf'], [4, '0.1'], [5, '007'], [6, '1e3'], [7, '0.30000000000000004'], [8, '.5'], [9, '-1e-300']] }]);
  assert.equal(assertSameOrGivenUp(escaped), true);
  assert.ok(Object.is(scanMatrixAnswer(escaped)!.data.result[0]!.values[0]!.value, -0));
});

test("Prometheus's own query_range answer takes the scanner and reads as the general path reads it", async () => {
  const prom = await startPrometheus();
  try {
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 600_000;
    const series = [
      { labels: { __name__: 'scan_test', pod: 'p0', note: 'quote " and \\ backslash' }, samples: Array.from({ length: 21 }, (_, i): [number, number] => [t0 + i * 30_000, i / 3]) },
      { labels: { __name__: 'scan_test', pod: 'p1', note: 'ünïcode' }, samples: [[t0, NaN], [t0 + 30_000, Infinity], [t0 + 60_000, -12345.678], [t0 + 90_000, 1e-9]] as Array<[number, number]> },
    ];
    const w = await fetch(`${prom.url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: encodeTestWriteRequest(series) });
    assert.equal(w.status, 204, await w.text());
    const form = new URLSearchParams({ query: 'scan_test', start: String(t0 / 1000), end: String((t0 + 600_000) / 1000 + 0.123), step: '30' });
    const res = await fetch(`${prom.url}/api/v1/query_range`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const scanned = scanMatrixAnswer(text);
    assert.notEqual(scanned, undefined, `the scanner gave up on Prometheus's answer: ${text.slice(0, 300)}`);
    assert.deepStrictEqual(scanned, generalPath(text));
    assert.equal(scanned!.data.result.length, 2);
  } finally {
    await prom.stop();
  }
});
