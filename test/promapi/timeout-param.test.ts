// The `timeout` read parameter: a zero or negative value is the client's mistake (400 naming the
// parameter), not a query that timed out (Prometheus answers 503 for it); a positive one still bounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/promql/engine.js';
import type { Querier } from '../../src/storage/interface.js';
import { handleRead } from '../../src/promapi/index.js';

const empty: Querier = { select: () => [], series: () => [], labelNames: () => [], labelValues: () => [] };
const ctx = { querier: empty, engine: new Engine({ timeoutMs: 10_000 }) };

test('timeout <= 0 is 400 bad_data on query and query_range; a positive timeout answers', () => {
  for (const timeout of ['0', '-1', '0s', '-0.5']) {
    for (const [endpoint, extra] of [['query', {}], ['query_range', { start: '0', end: '60', step: '15' }]] as const) {
      const r = handleRead(ctx, endpoint, new URLSearchParams({ query: 'vector(1)', timeout, ...extra }));
      assert.equal(r.status, 400, `${endpoint} timeout=${timeout}: ${r.body}`);
      const body = JSON.parse(r.body) as { errorType: string; error: string };
      assert.equal(body.errorType, 'bad_data');
      assert.match(body.error, /invalid parameter "timeout"/);
    }
  }
  const ok = handleRead(ctx, 'query', new URLSearchParams({ query: 'vector(1)', timeout: '30s' }));
  assert.equal(ok.status, 200, ok.body);
});
