import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Expr } from '../../src/promql/ast.js';
import { Engine } from '../../src/promql/engine.js';
import { PromQLError } from '../../src/promql/errors.js';
import { ParseCache } from '../../src/promql/parse-cache.js';
import { parseExpr } from '../../src/promql/parser.js';

const parse = (text: string) => parseExpr(text);

test('parse cache: a repeated text is parsed once and gives the same frozen tree', () => {
  const cache = new ParseCache(4);
  let parses = 0;
  const counting = (text: string) => (parses++, parse(text));
  const a = cache.get('k', 'up{job="a"}', counting);
  const b = cache.get('k', 'up{job="a"}', counting);
  assert.equal(parses, 1);
  assert.equal(a, b);
  assert.deepEqual(a, parse('up{job="a"}'));
  // A cached tree cannot be rewritten (tenant enforcement rewrites matchers of its own trees only).
  const vs = a as Extract<Expr, { type: 'VectorSelector' }>;
  assert.throws(() => { vs.matchers = []; }, TypeError);
  assert.throws(() => { (vs.matchers as unknown[]).push({}); }, TypeError);
});

test('parse cache: bounded, least recently used dropped first; long texts and errors are not kept', () => {
  const cache = new ParseCache(3, 20);
  let parses = 0;
  const counting = (text: string) => (parses++, parse(text));
  for (const q of ['a', 'b', 'c']) cache.get(q, q, counting);
  cache.get('a', 'a', counting); // a is now the most recent
  cache.get('d', 'd', counting); // evicts b
  assert.equal(cache.size, 3);
  parses = 0;
  cache.get('a', 'a', counting);
  cache.get('c', 'c', counting);
  cache.get('d', 'd', counting);
  assert.equal(parses, 0);
  cache.get('b', 'b', counting);
  assert.equal(parses, 1);
  assert.equal(cache.size, 3);
  const long = `sum(rate(some_long_metric_name[5m]))`;
  cache.get(long, long, counting);
  cache.get(long, long, counting);
  assert.equal(parses, 3);
  assert.throws(() => cache.get('bad', 'up{', counting), PromQLError);
  assert.throws(() => cache.get('bad', 'up{', counting), PromQLError);
  assert.equal(parses, 5);
});

test('engine: cached parses keep the experimental-functions option apart', () => {
  const q = 'limitk(1, vector(1))';
  assert.equal(new Engine({ enableExperimentalFunctions: true }).parse(q).type, 'AggregateExpr');
  assert.throws(() => new Engine({ enableExperimentalFunctions: false }).parse(q), PromQLError);
  assert.equal(new Engine().parse(q), new Engine().parse(q));
});
