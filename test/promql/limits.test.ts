// Query limits (points per series, max samples, timeout) and pathological inputs that must not hang or crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine } from '../../src/promql/engine.js';
import { PromQLError, PromQLParseError } from '../../src/promql/errors.js';
import { parseExpr } from '../../src/promql/parser.js';
import { compileLabelRegex } from '../../src/promql/regex.js';
import { MemoryQuerier } from '../../src/promql/testing/memory-querier.js';

function querier(series: number, points: number, stepMs = 15_000): MemoryQuerier {
  const q = new MemoryQuerier();
  const ts = Array.from({ length: points }, (_, i) => i * stepMs);
  for (let s = 0; s < series; s++) {
    q.append([{ name: '__name__', value: 'x' }, { name: 'i', value: String(s) }], ts, Float64Array.from(ts, (t) => t / 1000 + s));
  }
  return q;
}

function throwsPromQL(fn: () => unknown, type: string, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PromQLError, `not a PromQLError: ${String(err)}`);
    assert.equal(err.errorType, type);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

test('range queries are limited to 11,000 points per series', () => {
  const e = new Engine();
  const q = querier(1, 10);
  throwsPromQL(() => e.rangeQuery(q, 'x', 0, 11_001_000, 1000), 'bad_data',
    'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
  assert.equal(e.rangeQuery(q, 'x', 0, 11_000_000, 1000).resultType, 'matrix');
  throwsPromQL(() => e.rangeQuery(q, 'x', 0, 1000, 0), 'bad_data', /zero or negative query resolution step/);
});

test('max samples limit', () => {
  const q = querier(100, 100);
  const small = new Engine({ maxSamples: 1000 });
  throwsPromQL(() => small.rangeQuery(q, 'x', 0, 1_485_000, 15_000), 'execution', 'query processing would load too many samples into memory in query execution');
  throwsPromQL(() => small.instantQuery(q, 'sum_over_time(x[1h])', 1_485_000), 'execution', /too many samples/);
  const big = new Engine({ maxSamples: 20_000 }).rangeQuery(q, 'x', 0, 1_485_000, 15_000);
  assert.ok(big.resultType === 'matrix' && big.result.length === 100);
  // A subquery whose inner grid alone exceeds the limit is refused before it is allocated.
  throwsPromQL(() => small.instantQuery(q, 'max_over_time(x[10000y:1s])', 1_485_000), 'execution', /too many samples/);
});

test('timeout', () => {
  const e = new Engine({ timeoutMs: -1 });
  throwsPromQL(() => e.instantQuery(querier(1, 1), 'x', 0), 'timeout', 'query timed out in query execution');
});

test('errors are typed for the HTTP layer', () => {
  const e = new Engine();
  const q = new MemoryQuerier();
  q.append([{ name: '__name__', value: 'a' }, { name: 'j', value: '1' }], [0], Float64Array.of(1));
  q.append([{ name: '__name__', value: 'a' }, { name: 'j', value: '2' }], [0], Float64Array.of(1));
  q.append([{ name: '__name__', value: 'b' }], [0], Float64Array.of(1));
  assert.throws(() => e.instantQuery(q, 'sum(', 0), (err: unknown) => err instanceof PromQLParseError && err.errorType === 'bad_data');
  throwsPromQL(() => e.instantQuery(q, 'b + on() a', 0), 'execution', /found duplicate series for the match group \{\} on the right hand-side of the operation/);
  throwsPromQL(() => e.instantQuery(q, 'a + ignoring(j) b', 0), 'execution', 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
});

test('deeply nested parentheses fail fast with a parse error', () => {
  const deep = '('.repeat(100_000) + '1' + ')'.repeat(100_000);
  const t = Date.now();
  assert.throws(() => parseExpr(deep), (err: unknown) => err instanceof PromQLParseError && /nested too deeply/.test(err.message));
  assert.ok(Date.now() - t < 2000);
  const ok = '('.repeat(500) + '1' + ')'.repeat(500);
  assert.equal(new Engine().instantQuery(new MemoryQuerier(), ok, 0).resultType, 'scalar');
  const longChain = Array.from({ length: 20_000 }, () => '1').join(' + ');
  assert.doesNotThrow(() => {
    try {
      parseExpr(longChain);
    } catch (err) {
      if (!(err instanceof PromQLParseError)) throw err;
    }
  });
});

test('huge ranges and offsets do not hang', () => {
  const e = new Engine();
  const q = querier(3, 100);
  const t = Date.now();
  e.instantQuery(q, 'rate(x[100y])', 1_485_000);
  e.instantQuery(q, 'x offset 1000y', 1_485_000);
  e.rangeQuery(q, 'count_over_time(x[100y] @ 0)', 0, 1_485_000, 1000);
  assert.ok(Date.now() - t < 5000);
  assert.throws(() => parseExpr('x[100000000000y]'), PromQLParseError);
});

test('catastrophic regexes are valid RE2 and run in linear time', () => {
  // Prometheus accepts these (RE2 never backtracks); so do we, and they answer on long inputs quickly.
  const long = 'a'.repeat(20_000);
  const t = Date.now();
  for (const p of ['(a+)+b', '(a*)*b', '(a|a)*b', '(a|ab)+c', '(.*a){2,}x', '(x+x+)+y', '.*.*.*.*.*.*.*.*x', '(a|b)*c', '.*a.*a.*a.*a.*b', '(?i)(foo|bar)*baz']) {
    assert.doesNotThrow(() => parseExpr(`foo{a=~"${p}"}`), p);
    assert.equal(compileLabelRegex(p)(long), false, p);
  }
  assert.ok(Date.now() - t < 10_000, `regexes took ${Date.now() - t} ms`);
});
