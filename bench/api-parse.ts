// node --import tsx bench/api-parse.ts — the API -> embedded store read path in-process (no HTTP): tenant
// enforcement, then the embedded backend over obspath's store. Two ways through it, side by side:
//   text:   the enforced query text is handed over (enforcement parses, re-parses to verify, the engine
//           parses a third time); what every read took before parse-once, and what HTTP backends still take;
//   parsed: enforcement's one parse is handed over as an expression, which the engine evaluates.
// "new" queries differ on every request (enforcement's cache misses); "repeated" is one query again and
// again. Prints µs per request and lezer parses per request. BENCH_MS sets the time per cell (default 1500).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { EmbeddedBackend } from '../src/api/backend/embedded.js';
import { enforceReadParams } from '../src/api/enforcement/params.js';
import { openEmbeddedStore } from '../src/cli/embedded-store.js';
import { Store } from '../src/store/index.js';

const BENCH_MS = Number(process.env.BENCH_MS ?? 1500);
const TENANT = 'bench-tenant-id';
const LABEL = 'tenant_id';
const QUERIES: Record<string, (i: number) => string> = {
  'cheap selector': (i) => `up{job="bench", instance!="i-${i}"}`,
  'rate + sum by': (i) => `sum by (job) (rate(http_requests_total{job="bench", code!="${i}"}[5m]))`,
  'dashboard (4 selectors)': (i) =>
    `histogram_quantile(0.99, sum by (le) (rate(req_seconds_bucket{job="bench", code!="${i}"}[5m]))) / ` +
    `on() group_left sum(rate(http_requests_total{job="bench"}[5m])) + avg_over_time(up{job="bench"}[10m:1m]) * count(up offset 1m)`,
};

const dir = mkdtempSync(join(tmpdir(), 'obspath-bench-parse-'));
const now = Date.now();
// Some data, so evaluation is real: 100 series per metric, samples every 15 s over the last 10 minutes.
const seed = await Store.open({ dir, retentionMs: 24 * 3600_000 });
for (const name of ['up', 'http_requests_total', 'req_seconds_bucket']) {
  await seed.append(Array.from({ length: 100 }, (_, i) => ({
    labels: Object.entries({ __name__: name, code: String(200 + (i % 5)), instance: `host-${i}`, job: 'bench', le: String(i % 4), [LABEL]: TENANT })
      .map(([n, value]) => ({ name: n, value })),
    timestamps: Array.from({ length: 40 }, (_, k) => now - (40 - k) * 15_000),
    values: Float64Array.from({ length: 40 }, (_, k) => k * (i + 1)),
  })));
}
await seed.close();
const store = await openEmbeddedStore({ dir, retentionMs: 24 * 3600_000, onWarning: () => {} });
const backend = new EmbeddedBackend({ store, dir, retentionMs: 24 * 3600_000, maxDecompressedBytes: 1 << 26 });

let parses = 0;
const lezerParse = parser.parse.bind(parser);
parser.parse = ((...args: Parameters<typeof parser.parse>) => {
  parses++;
  return lezerParse(...args);
}) as typeof parser.parse;

async function request(query: string, parse: boolean): Promise<string> {
  const params = new URLSearchParams({ query, time: String(now / 1000) });
  const enforced = enforceReadParams('query', params, LABEL, TENANT, { parse });
  const res = await backend.read({ endpoint: 'query', method: 'GET', params: enforced.params, expr: enforced.expr, tenantId: TENANT, headers: {}, signal: new AbortController().signal });
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${String(res.body)}`);
  return String(res.body);
}

let unique = 0;
async function cell(make: (i: number) => string, parse: boolean, fresh: boolean): Promise<{ us: number; parses: number }> {
  const fixed = make(-1);
  for (let i = 0; i < 50; i++) await request(fresh ? make(unique++) : fixed, parse); // warm up the JIT
  parses = 0;
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(BENCH_MS) * 1_000_000n;
  while (process.hrtime.bigint() < until) {
    for (let k = 0; k < 20; k++, n++) await request(fresh ? make(unique++) : fixed, parse);
  }
  const us = Number(process.hrtime.bigint() - start) / 1000 / n;
  return { us, parses: parses / n };
}

try {
  for (const [name, make] of Object.entries(QUERIES)) {
    // Both ways answer alike (the parsed one is not measuring a shortcut).
    if ((await request(make(-2), true)) !== (await request(make(-2), false))) throw new Error(`${name}: answers differ`);
  }
  console.log(`API -> embedded store, in-process: µs per request (lezer parses per request); ${BENCH_MS} ms per cell`);
  console.log(`${'query'.padEnd(26)}${'queries'.padEnd(10)}${'text (before)'.padStart(22)}${'parsed (after)'.padStart(22)}${'saved'.padStart(9)}`);
  for (const [name, make] of Object.entries(QUERIES)) {
    for (const fresh of [true, false]) {
      const text = await cell(make, false, fresh);
      const parsed = await cell(make, true, fresh);
      const fmt = (c: { us: number; parses: number }) => `${c.us.toFixed(1)} µs (${c.parses.toFixed(1)})`;
      const saved = `${(((text.us - parsed.us) / text.us) * 100).toFixed(0)}%`;
      console.log(`${name.padEnd(26)}${(fresh ? 'new' : 'repeated').padEnd(10)}${fmt(text).padStart(22)}${fmt(parsed).padStart(22)}${saved.padStart(9)}`);
    }
  }
} finally {
  parser.parse = lezerParse;
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
}
