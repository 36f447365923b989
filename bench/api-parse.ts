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
import { Engine } from '../src/promql/engine.js';
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

const engine = new Engine();

/** The work parse-once changes, alone: enforcement, plus the engine's parse of the text on the text path. */
function parseWork(query: string, parse: boolean): void {
  const enforced = enforceReadParams('query', new URLSearchParams({ query }), LABEL, TENANT, { parse });
  if (!enforced.expr) engine.parse(enforced.params.get('query')!);
}

type Cell = { us: number; parses: number };
// Never reset: a "new" query is new to every cache, whichever cell ran before.
let unique = 0;

/**
 * Median µs per request over alternating batches of the text and the parsed way (alternating, so the load of
 * a shared machine falls on both alike), and lezer parses per request.
 */
async function pair(run: (query: string, parse: boolean) => unknown, make: (i: number) => string, fresh: boolean): Promise<[Cell, Cell]> {
  const next = () => (fresh ? make(unique++) : make(-1));
  const batches: [number[], number[]] = [[], []];
  const counted = [0, 0];
  const done = [0, 0];
  for (let i = 0; i < 50; i++) await run(next(), i % 2 === 0); // warm up the JIT
  const until = Date.now() + 2 * BENCH_MS;
  for (let round = 0; Date.now() < until; round++) {
    for (const way of round % 2 === 0 ? [0, 1] : [1, 0]) {
      parses = 0;
      const start = process.hrtime.bigint();
      for (let k = 0; k < 20; k++) await run(next(), way === 1);
      batches[way]!.push(Number(process.hrtime.bigint() - start) / 1000 / 20);
      counted[way]! += parses;
      done[way]! += 20;
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return [0, 1].map((w) => ({ us: median(batches[w]!), parses: counted[w]! / done[w]! })) as [Cell, Cell];
}

function row(name: string, fresh: boolean, [text, parsed]: [Cell, Cell]): string {
  const fmt = (c: Cell) => `${c.us.toFixed(1)} µs (${c.parses.toFixed(1)})`;
  const saved = `${(((text.us - parsed.us) / text.us) * 100).toFixed(0)}%`;
  return `${name.padEnd(26)}${(fresh ? 'new' : 'repeated').padEnd(10)}${fmt(text).padStart(22)}${fmt(parsed).padStart(22)}${saved.padStart(9)}`;
}

const HEADER = `${'query'.padEnd(26)}${'queries'.padEnd(10)}${'text (before)'.padStart(22)}${'parsed (after)'.padStart(22)}${'saved'.padStart(9)}`;

try {
  for (const [name, make] of Object.entries(QUERIES)) {
    // Both ways answer alike (the parsed one is not measuring a shortcut).
    if ((await request(make(-2), true)) !== (await request(make(-2), false))) throw new Error(`${name}: answers differ`);
  }
  console.log(`enforcement + parsing alone: median µs per request (lezer parses per request), ${BENCH_MS} ms per way`);
  console.log(HEADER);
  for (const [name, make] of Object.entries(QUERIES)) {
    for (const fresh of [true, false]) console.log(row(name, fresh, await pair(parseWork, make, fresh)));
  }
  console.log(`\nwhole request, API -> embedded store in-process (enforce, evaluate, encode): median µs per request (parses)`);
  console.log(HEADER);
  for (const [name, make] of Object.entries(QUERIES)) {
    for (const fresh of [true, false]) console.log(row(name, fresh, await pair(request, make, fresh)));
  }
} finally {
  parser.parse = lezerParse;
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
}
