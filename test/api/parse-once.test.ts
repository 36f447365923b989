// Parse once: on the way to the embedded backend the API parses a query once, to enforce the tenant, and
// the backend evaluates that expression. It must be exactly what parsing the enforced text gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parser } from '@prometheus-io/lezer-promql';
import { EmbeddedBackend } from '../../src/api/backend/embedded.js';
import type { EmbeddedStore } from '../../src/api/backend/types.js';
import { enforceReadParams } from '../../src/api/enforcement/params.js';
import { enforceQuery, enforceQueryParsed, EnforceError } from '../../src/api/enforcement/promql.js';
import { parseExpr } from '../../src/promql/parser.js';
import { MemoryQuerier } from '../../src/promql/testing/memory-querier.js';
import { anyQuery, validQuery } from '../fuzz/gen-promql.js';

const L = 'tenant_id';

/** The expression without source positions (they refer to different texts: as written, and enforced). */
function shape(e: unknown): unknown {
  if (Array.isArray(e)) return e.map(shape);
  if (e === null || typeof e !== 'object') return e;
  return Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'pos').map(([k, v]) => [k, shape(v)]));
}

function outcome(f: () => unknown): { ok: unknown } | { err: string } {
  try {
    return { ok: f() };
  } catch (err) {
    return { err: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

const tenantValue = fc.oneof(
  fc.constantFrom('aaaa-1111', 'x"y', 'back\\slash', 'line\nbreak', 'é日本', "it's"),
  fc.string({ minLength: 1, maxLength: 8, unit: 'grapheme' }),
);

test('the enforced expression is what parsing the enforced text gives; the text is enforceQuery\'s', () => {
  fc.assert(
    fc.property(fc.oneof(validQuery, anyQuery), tenantValue, (q, v) => {
      const text = outcome(() => enforceQuery(q, L, v));
      const parsed = outcome(() => enforceQueryParsed(q, L, v));
      if ('err' in text) {
        assert.deepEqual(parsed, text, `${JSON.stringify(q)}: both refuse it alike`);
        return;
      }
      assert.ok('ok' in parsed, `${JSON.stringify(q)}: ${JSON.stringify(parsed)}`);
      const r = parsed.ok as ReturnType<typeof enforceQueryParsed>;
      assert.equal(r.query, text.ok);
      const reparsed = outcome(() => shape(parseExpr(r.query)));
      if (r.expr !== null) assert.deepEqual({ ok: shape(r.expr) }, reparsed, `${JSON.stringify(q)} -> ${r.query}`);
      // No expression only where the text as written does not parse (a dropped tenant matcher was bad, say).
      else assert.ok('err' in reparsed || 'err' in outcome(() => parseExpr(q)), `${JSON.stringify(q)}: no expression, yet both texts parse`);
    }),
    { numRuns: 1000 },
  );
});

test('a valid query yields an expression with the tenant matcher on every selector, and a refusal stays a 400', () => {
  const r = enforceQueryParsed('sum(rate(x{tenant_id="other", job="a"}[5m])) / on() group_left count(y offset 1m)', L, 'aaaa-1111');
  assert.equal(r.query, 'sum(rate(x{job="a", tenant_id="aaaa-1111"}[5m])) / on() group_left count(y{tenant_id="aaaa-1111"} offset 1m)');
  assert.ok(r.expr);
  // Our parser refuses the caller's regex, but enforcement drops that matcher: the text is what counts.
  const dropped = enforceQueryParsed('up{tenant_id=~"("}', L, 'aaaa-1111');
  assert.equal(dropped.query, 'up{tenant_id="aaaa-1111"}');
  assert.equal(dropped.expr, null);
  assert.throws(() => enforceQueryParsed('sum(', L, 'aaaa-1111'), EnforceError);
  const params = new URLSearchParams({ query: 'sum(' });
  assert.throws(() => enforceReadParams('query', params, L, 'aaaa-1111', { parse: true }), /invalid parameter "query": 1:5: parse error: unclosed left parenthesis/);
});

test('the embedded backend answers generated queries alike from the expression and from the text', async () => {
  const querier = new MemoryQuerier();
  const t = 1_700_000_000_000;
  for (const [i, tenant] of ['aaaa-1111', 'bbbb-2222'].entries()) {
    for (const name of ['up', 'x', 'fuzz_canary']) {
      querier.append([{ name: '__name__', value: name }, { name: 'job', value: 'a' }, { name: L, value: tenant }], [t - 60_000, t], Float64Array.of(i, i + 1));
    }
  }
  const store: EmbeddedStore = { querier, write: async () => ({ status: 204, body: '' }), corruptionCount: () => 0, close: async () => {} };
  const backend = new EmbeddedBackend({ store, dir: '.', retentionMs: 3_600_000, maxDecompressedBytes: 1 << 20 });
  const answer = async (endpoint: 'query' | 'query_range', query: string, parse: boolean) => {
    const params = new URLSearchParams(endpoint === 'query' ? { query, time: String(t / 1000) } : { query, start: String(t / 1000 - 120), end: String(t / 1000), step: '30' });
    let enforced;
    try {
      enforced = enforceReadParams(endpoint, params, L, 'aaaa-1111', { parse });
    } catch (err) {
      return `refused: ${(err as Error).message}`;
    }
    const res = await backend.read({ endpoint, method: 'GET', params: enforced.params, expr: enforced.expr, tenantId: 'aaaa-1111', headers: {}, signal: new AbortController().signal });
    return `${res.status} ${String(res.body)}`;
  };
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('query' as const, 'query_range' as const), fc.oneof(validQuery, anyQuery), async (endpoint, q) => {
      assert.equal(await answer(endpoint, q, true), await answer(endpoint, q, false), q);
    }),
    { numRuns: 300 },
  );
});

test('API to embedded backend: one PromQL parse for a new query, none for a repeated one; same answer as the text', async () => {
  const querier = new MemoryQuerier();
  const t = 1_700_000_000_000;
  for (const tenant of ['aaaa-1111', 'bbbb-2222']) {
    querier.append([{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }, { name: L, value: tenant }], [t], Float64Array.of(tenant === 'aaaa-1111' ? 1 : 2));
  }
  const store: EmbeddedStore = { querier, write: async () => ({ status: 204, body: '' }), corruptionCount: () => 0, close: async () => {} };
  const backend = new EmbeddedBackend({ store, dir: '.', retentionMs: 3_600_000, maxDecompressedBytes: 1 << 20 });
  const calls = { n: 0 };
  const original = parser.parse.bind(parser);
  parser.parse = ((...args: Parameters<typeof parser.parse>) => {
    calls.n++;
    return original(...args);
  }) as typeof parser.parse;
  const read = async (query: string, parse: boolean) => {
    const enforced = enforceReadParams('query', new URLSearchParams({ query, time: String(t / 1000) }), L, 'aaaa-1111', { parse });
    const res = await backend.read({ endpoint: 'query', method: 'GET', params: enforced.params, expr: enforced.expr, tenantId: 'aaaa-1111', headers: {}, signal: new AbortController().signal });
    return String(res.body);
  };
  try {
    const query = `sum by (job) (up{${L}="bbbb-2222"}) * 1.25`;
    calls.n = 0;
    const once = await read(query, true);
    assert.equal(calls.n, 1, 'a new query: parsed once');
    calls.n = 0;
    assert.equal(await read(query, true), once);
    assert.equal(calls.n, 0, 'a repeated query: not parsed again');
    calls.n = 0;
    const viaText = await read(`${query} + 0`, false);
    assert.equal(calls.n, 3, 'the text path: enforcement, its check, and the engine');
    assert.equal(viaText, once);
    assert.match(once, /"value":\[1700000000,"1.25"\]/, 'the tenant\'s own series, never the other tenant\'s');
  } finally {
    parser.parse = original;
  }
});
