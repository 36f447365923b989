// Differential scrape test: Debian's Prometheus and `obspath store --config.file` scrape the same targets
// with the same configuration (two jobs on one target, one with honor_labels; a second target), while the
// targets' exposition changes: series appear and disappear, a target goes down, a body turns malformed.
// After each change both must answer the same instant query over every series with the same label sets
// and values (scrape_duration_seconds aside, whose value is a measurement), and hold the expected facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, startPrometheus, type Backend } from '../../tools/testing/procs.js';

interface ExpositionServer {
  address: string;
  body: string | null; // null: answers 500... never used; closing the server takes the target down
  scrapes: Record<string, number>;
  close(): Promise<void>;
}

async function exposition(initial: string): Promise<ExpositionServer> {
  const s: ExpositionServer = { address: '', body: initial, scrapes: {}, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const who = String(req.headers['user-agent'] ?? '').startsWith('Prometheus') ? 'prometheus' : 'obspath';
    s.scrapes[who] = (s.scrapes[who] ?? 0) + 1;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(s.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  s.close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return s;
}

type Answer = Map<string, string>;

/** Every series at `timeS`, keyed by its sorted labels, valued by its value (a measured duration blanked). */
async function everything(base: string, timeS: number): Promise<Answer> {
  const url = `${base}/api/v1/query?query=${encodeURIComponent('{__name__=~".+"}')}&time=${timeS}`;
  const res = (await (await fetch(url)).json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  assert.equal(res.status, 'success');
  const out: Answer = new Map();
  for (const r of res.data.result) {
    const key = JSON.stringify(Object.entries(r.metric).sort(([a], [b]) => (a < b ? -1 : 1)));
    out.set(key, r.metric.__name__ === 'scrape_duration_seconds' ? '(measured)' : r.value[1]);
  }
  return out;
}

function diff(a: Answer, b: Answer): string[] {
  const lines: string[] = [];
  for (const [k, v] of a) if (b.get(k) !== v) lines.push(`prometheus ${k} = ${v}; obspath ${b.get(k) ?? '(absent)'}`);
  for (const [k, v] of b) if (!a.has(k)) lines.push(`obspath only ${k} = ${v}`);
  return lines;
}

const pick = (a: Answer, name: string, labels: Record<string, string>): string | undefined => {
  for (const [k, v] of a) {
    const m = Object.fromEntries(JSON.parse(k) as [string, string][]);
    if (m.__name__ === name && Object.entries(labels).every(([l, x]) => m[l] === x)) return v;
  }
  return undefined;
};

test("Prometheus and the store scrape the same targets into the same series, up values and staleness", { timeout: 180_000 }, async () => {
  const t1 = await exposition('');
  const t2 = await exposition('second_metric{kind="a"} 1\nsecond_metric{kind="b"} NaN\n');
  const dir = await tempDir('obspath-scrape-diff-');
  const configFile = join(dir.path, 'scrape.yml');
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s' },
    scrape_configs: [
      { job_name: 'plain', static_configs: [{ targets: [t1.address], labels: { env: 'test' } }] },
      { job_name: 'honored', honor_labels: true, static_configs: [{ targets: [t1.address] }] },
      { job_name: 'second', metrics_path: '/other', static_configs: [{ targets: [t2.address] }] },
    ],
  };
  writeFileSync(configFile, stringify(config));
  const phaseStart = Date.now();
  const body1 = [
    '# HELP app_requests_total Requests.', '# TYPE app_requests_total counter',
    'app_requests_total{code="200"} 10', 'app_requests_total{code="500"} 2',
    'app_gauge{job="inner",instance="i",exported_job="e"} +Inf',
    `app_with_timestamp 5 ${phaseStart}`,
    'app_going_away 1',
  ].join('\n') + '\n';
  t1.body = body1;
  let prom: Backend | undefined;
  const port = await freePort();
  const store = startObspath(['store', '--storage.path', join(dir.path, 'store'), '--web.listen', `127.0.0.1:${port}`, '--storage.fsync', 'off', '--config.file', configFile]);
  const storeUrl = `http://127.0.0.1:${port}`;
  try {
    prom = await startPrometheus({ config: stringify(config) });
    await waitUntil(() => httpOk(`${storeUrl}/-/ready`), 20_000, `store ready\n${store.output()}`);
    const p = prom;

    /** Waits until both scrapers have scraped `t` twice more, then until both answer alike; returns the answer. */
    const settle = async (what: string, targets: ExpositionServer[]): Promise<Answer> => {
      const from = targets.map((t) => ({ ...t.scrapes }));
      await waitUntil(() => targets.every((t, i) => (t.scrapes.prometheus ?? 0) >= (from[i]!.prometheus ?? 0) + 4 && (t.scrapes.obspath ?? 0) >= (from[i]!.obspath ?? 0) + 4), 30_000, `${what}: scrapes by both`);
      let last: string[] = [];
      let answer: Answer = new Map();
      await waitUntil(async () => {
        const now = Date.now() / 1000;
        const [a, b] = await Promise.all([everything(p.url, now), everything(storeUrl, now)]);
        last = diff(a, b);
        answer = b;
        return last.length === 0;
      }, 20_000, `${what}: same answer from both`).catch((err: Error) => { throw new Error(`${err.message}\n${last.join('\n')}\n${store.output().slice(-2000)}`); });
      return answer;
    };

    const a1 = await settle('phase 1', [t1, t2]);
    assert.equal(pick(a1, 'app_gauge', { job: 'plain' }), '+Inf');
    assert.equal(pick(a1, 'app_gauge', { job: 'plain', exported_job: 'e', exported_exported_job: 'inner', exported_instance: 'i' }), '+Inf', 'the exposed exported_job stays; the exposed job moves past it');
    assert.equal(pick(a1, 'app_gauge', { job: 'inner', instance: 'i', exported_job: 'e' }), '+Inf', 'honor_labels keeps the exposed job');
    assert.equal(pick(a1, 'second_metric', { kind: 'b' }), 'NaN');
    for (const job of ['plain', 'honored', 'second']) assert.equal(pick(a1, 'up', { job }), '1', job);
    assert.equal(pick(a1, 'scrape_samples_scraped', { job: 'plain' }), '5');

    // Phase 2: a series disappears, another appears, a value changes.
    t1.body = body1.replace('app_going_away 1\n', 'app_new{x="y"} 3\n').replace('code="200"} 10', 'code="200"} 11');
    const a2 = await settle('phase 2', [t1, t2]);
    assert.equal(pick(a2, 'app_going_away', {}), undefined, 'a series gone from the target is gone from instant queries');
    assert.equal(pick(a2, 'app_new', { job: 'plain' }), '3');
    assert.equal(pick(a2, 'app_requests_total', { code: '200', job: 'plain' }), '11');
    assert.equal(pick(a2, 'scrape_series_added', { job: 'plain' }), '0');

    // Phase 3: the second target goes down; the first serves a malformed body.
    await t2.close();
    // The malformed line first: Prometheus 2.42 leaves the series listed before a parse error without stale
    // markers (its rolled-back attempt has already tracked them); the store marks every series stale.
    t1.body = `broken{ line\n${body1}`;
    const a3 = await settle('phase 3', [t1]);
    for (const job of ['plain', 'honored', 'second']) assert.equal(pick(a3, 'up', { job }), '0', job);
    assert.equal(pick(a3, 'second_metric', {}), undefined);
    assert.equal(pick(a3, 'app_requests_total', {}), undefined);
    assert.equal(pick(a3, 'app_with_timestamp', { job: 'plain' }), '5', 'a sample with its own timestamp gets no stale marker');

    // Phase 4: the first target recovers.
    t1.body = body1;
    const a4 = await settle('phase 4', [t1]);
    assert.equal(pick(a4, 'up', { job: 'plain' }), '1');
    assert.equal(pick(a4, 'app_going_away', { job: 'plain' }), '1');
    process.stdout.write(`# phases: 4; series compared in the last: ${a4.size}; scrapes of target 1: prometheus ${t1.scrapes.prometheus}, obspath ${t1.scrapes.obspath}\n`);
  } finally {
    await store.stop();
    await prom?.stop();
    await t1.close();
    await t2.close().catch(() => undefined);
    await dir.cleanup();
  }
});
