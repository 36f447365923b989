// Scrape semantics of the embedded store, one scrape at a time against real HTTP targets serving
// prom-client's output: the report series, job/instance labels, honor_labels and exported_ names, stale
// markers when a series or the target goes away, every way a scrape fails (up=0 with the reason), auth
// headers, the offset in the interval, and reload keeping or ending loops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Agent } from 'undici';
import fc from 'fast-check';
import { Counter, Gauge, Registry } from 'prom-client';
import { Engine } from '../../src/promql/engine.js';
import { Store } from '../../src/store/store.js';
import { scrapeConfigFrom, type ScrapeJob } from '../../src/store/scrape/config.js';
import { ScrapeAuth } from '../../src/store/scrape/fetch.js';
import { targetLabels } from '../../src/store/scrape/labels.js';
import { ScrapeLoop } from '../../src/store/scrape/loop.js';
import { ScrapeManager } from '../../src/store/scrape/manager.js';
import { isStaleNaN } from '../../src/storage/value.js';
import { tempDir, waitUntil } from '../../tools/testing/net.js';

interface Target {
  url: string;
  address: string;
  /** What the next scrape answers: the body (or a status / a delay), and who asked. */
  respond: (req: IncomingMessage) => { status?: number; body: string | Buffer; headers?: Record<string, string>; delayMs?: number };
  requests: IncomingMessage[];
  close(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  const t: Partial<Target> = { requests: [], respond: () => ({ body: '' }) };
  const server: Server = createServer((req, res) => {
    t.requests!.push(req);
    const r = t.respond!(req);
    setTimeout(() => {
      res.writeHead(r.status ?? 200, { 'content-type': 'text/plain; version=0.0.4', ...r.headers });
      res.end(r.body);
    }, r.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return Object.assign(t, {
    address: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/metrics`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  }) as Target;
}

function job(address: string, over: Record<string, unknown> = {}): ScrapeJob {
  return scrapeConfigFrom({ scrape_configs: [{ job_name: 'app', scrape_interval: '1m', static_configs: [{ targets: [address] }], ...over }] }).jobs[0]!;
}

interface Rig {
  store: Store;
  target: Target;
  dispatcher: Agent;
  loop(j?: ScrapeJob): ScrapeLoop;
  query(q: string, t: number): { labels: Record<string, string>; value: number }[];
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const dir = await tempDir('obspath-scrape-');
  const store = await Store.open({ dir: dir.path, fsync: 'off', maintenanceIntervalMs: 0 });
  const target = await startTarget();
  const dispatcher = new Agent();
  const engine = new Engine();
  return {
    store,
    target,
    dispatcher,
    loop: (j = job(target.address)) =>
      new ScrapeLoop(j, `${j.scheme}://${target.address}${j.metricsPath}`, targetLabels(j.jobName, target.address, j.targets[0]?.labels ?? {}), {
        store, dispatcher, auth: new ScrapeAuth(j), jitterSeed: 0n, timestampToleranceMs: 2,
      }),
    query(q, t) {
      const res = engine.instantQuery(store, q, t);
      assert.equal(res.resultType, 'vector');
      return (res.result as readonly { metric: readonly { name: string; value: string }[]; value: number }[])
        .map((s) => ({ labels: Object.fromEntries(s.metric.map((l) => [l.name, l.value])), value: s.value }))
        .sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
    },
    async close() {
      await target.close();
      await dispatcher.close();
      await store.close();
      await dir.cleanup();
    },
  };
}

function registryWith(): { registry: Registry; requests: Counter<'code'>; temp: Gauge } {
  const registry = new Registry();
  const requests = new Counter({ name: 'app_requests_total', help: 'r', labelNames: ['code'], registers: [registry] });
  const temp = new Gauge({ name: 'app_temperature', help: 't', registers: [registry] });
  return { registry, requests, temp };
}

test("prom-client's series are stored with job/instance labels, beside the five report series", async () => {
  const r = await rig();
  try {
    const { registry, requests, temp } = registryWith();
    requests.inc({ code: '200' }, 7);
    requests.inc({ code: '500' });
    temp.set(21.5);
    const text = await registry.metrics();
    r.target.respond = () => ({ body: text });
    const report = await r.loop().scrapeOnce();
    assert.equal(report.up, true, report.error);
    const t = report.timestamp;
    const inst = r.target.address;
    assert.deepEqual(r.query('app_requests_total', t), [
      { labels: { __name__: 'app_requests_total', code: '200', instance: inst, job: 'app' }, value: 7 },
      { labels: { __name__: 'app_requests_total', code: '500', instance: inst, job: 'app' }, value: 1 },
    ]);
    assert.deepEqual(r.query('app_temperature', t).map((s) => s.value), [21.5]);
    const reportValue = (name: string) => r.query(`${name}{job="app",instance="${inst}"}`, t).map((s) => s.value);
    assert.deepEqual(reportValue('up'), [1]);
    assert.deepEqual(reportValue('scrape_samples_scraped'), [3]);
    assert.deepEqual(reportValue('scrape_samples_post_metric_relabeling'), [3]);
    assert.deepEqual(reportValue('scrape_series_added'), [3]);
    const [dur] = reportValue('scrape_duration_seconds');
    assert.ok(dur !== undefined && dur >= 0 && dur < 60, String(dur));
    const req = r.target.requests[0]!;
    assert.match(String(req.headers.accept), /^text\/plain;version=0\.0\.4/);
    assert.equal(req.headers['x-prometheus-scrape-timeout-seconds'], '10');
    // Second scrape: the same series, none added.
    const again = await r.loop().scrapeOnce();
    assert.equal(again.seriesAdded, 3); // a new loop has an empty cache, as a new Prometheus scrape loop
  } finally {
    await r.close();
  }
});

test('a series that disappears gets a stale marker and leaves instant queries at once; a dead target marks all', async () => {
  const r = await rig();
  try {
    const loop = r.loop();
    r.target.respond = () => ({ body: 'a 1\nb{x="1"} 2\nwith_ts 5 1000\n' });
    const first = await loop.scrapeOnce();
    assert.equal(first.up, true, first.error);
    await new Promise((res) => setTimeout(res, 5));
    r.target.respond = () => ({ body: 'a 2\n' });
    const second = await loop.scrapeOnce();
    assert.equal(second.seriesAdded, 0);
    assert.deepEqual(r.query('a', second.timestamp).map((s) => s.value), [2]);
    assert.deepEqual(r.query('b', second.timestamp), [], 'b is stale');
    assert.deepEqual(r.query('b', second.timestamp - 1).map((s) => s.value), [2], 'before the marker b was there');
    const raw = r.store.select([{ type: '=', name: '__name__', value: 'b' }], 0, Date.now() + 1000)[0]!;
    assert.equal(raw.timestamps.length, 2);
    assert.ok(isStaleNaN(raw.values[1]!));
    // A sample with its own timestamp is not tracked for staleness (as in Prometheus).
    const ts = r.store.select([{ type: '=', name: '__name__', value: 'with_ts' }], 0, Date.now() + 1000)[0]!;
    assert.deepEqual(Array.from(ts.timestamps), [1000]);

    await new Promise((res) => setTimeout(res, 5));
    r.target.respond = () => ({ status: 503, body: 'down for maintenance' });
    const third = await loop.scrapeOnce();
    assert.equal(third.up, false);
    assert.match(third.error!, /server returned HTTP status 503/);
    assert.deepEqual(r.query('a', third.timestamp), []);
    assert.deepEqual(r.query(`up{job="app"}`, third.timestamp).map((s) => s.value), [0]);
    assert.deepEqual(r.query(`scrape_samples_scraped{job="app"}`, third.timestamp).map((s) => s.value), [0]);

    await new Promise((res) => setTimeout(res, 5));
    r.target.respond = () => ({ body: 'a 3\n' });
    const fourth = await loop.scrapeOnce();
    assert.equal(fourth.up, true);
    assert.equal(fourth.seriesAdded, 0, 'the cache holds the last successful scrape, so `a` is not new');
    assert.deepEqual(r.query('a', fourth.timestamp).map((s) => s.value), [3]);
  } finally {
    await r.close();
  }
});

test('honor_labels: false moves clashing exposed labels to exported_*, true keeps them', async () => {
  const r = await rig();
  try {
    r.target.respond = () => ({ body: 'm{job="other",instance="x",exported_job="e"} 1\nempty{job=""} 2\n' });
    const off = await r.loop().scrapeOnce();
    assert.equal(off.up, true, off.error);
    const inst = r.target.address;
    assert.deepEqual(r.query('m', off.timestamp)[0]!.labels, {
      __name__: 'm', job: 'app', instance: inst, exported_instance: 'x', exported_job: 'e', exported_exported_job: 'other',
    });
    assert.deepEqual(r.query('empty', off.timestamp)[0]!.labels, { __name__: 'empty', job: 'app', instance: inst });

    const on = await r.loop(job(r.target.address, { job_name: 'honored', honor_labels: true })).scrapeOnce();
    assert.equal(on.up, true, on.error);
    assert.deepEqual(r.query('m{job="other"}', on.timestamp)[0]!.labels, { __name__: 'm', job: 'other', instance: 'x', exported_job: 'e' });
    // An exposed empty job means "no job label" under honor_labels: the series has none.
    assert.deepEqual(r.query('empty{job=""}', on.timestamp)[0]!.labels, { __name__: 'empty', instance: inst });
  } finally {
    await r.close();
  }
});

test('each way a scrape fails gives up=0, the reason, and no sample of the failed body', async () => {
  const r = await rig();
  try {
    const cases: { name: string; over?: Record<string, unknown>; respond: Target['respond']; error: RegExp; scraped?: number }[] = [
      { name: 'parse error', respond: () => ({ body: 'ok 1\nbroken{ 2\n' }), error: /parse error: line 2/, scraped: 1 },
      { name: 'duplicate label', respond: () => ({ body: 'dup{a="1",a="2"} 1\n' }), error: /label name "a" is not unique/, scraped: 1 },
      { name: 'body size', over: { body_size_limit: '1KB' }, respond: () => ({ body: `big ${'1'.repeat(2000)}\n` }), error: /body size limit exceeded/ },
      { name: 'gzip bomb', over: { body_size_limit: '1KB' }, respond: () => ({ body: gzipSync(`# ${'x'.repeat(1 << 20)}\n`), headers: { 'content-encoding': 'gzip' } }), error: /body size limit exceeded/ },
      { name: 'sample limit', over: { sample_limit: 2 }, respond: () => ({ body: 's1 1\ns2 1\ns3 1\n' }), error: /sample limit exceeded/, scraped: 3 },
      { name: 'timeout', over: { scrape_timeout: '1s' }, respond: () => ({ body: 'late 1\n', delayMs: 3000 }), error: /context deadline exceeded/ },
    ];
    for (const c of cases) {
      r.target.respond = c.respond;
      const j = job(r.target.address, { job_name: c.name.replace(/ /g, '_'), ...c.over });
      const rep = await r.loop(j).scrapeOnce();
      assert.equal(rep.up, false, c.name);
      assert.match(rep.error ?? '', c.error, c.name);
      assert.equal(rep.samplesScraped, c.scraped ?? 0, c.name);
      assert.deepEqual(r.query(`up{job="${j.jobName}"}`, rep.timestamp).map((s) => s.value), [0], c.name);
    }
    for (const name of ['ok', 'dup', 'big', 's1', 'late']) assert.deepEqual(r.query(name, Date.now()), [], `${name} was stored`);
    // A gzip body within the limit is decompressed.
    r.target.respond = () => ({ body: gzipSync('zipped 4\n'), headers: { 'content-encoding': 'gzip' } });
    const zipped = await r.loop().scrapeOnce();
    assert.equal(zipped.up, true, zipped.error);
    assert.deepEqual(r.query('zipped', zipped.timestamp).map((s) => s.value), [4]);
  } finally {
    await r.close();
  }
});

test('authorization (credentials and credentials_file) and oauth2 client credentials reach the target', async () => {
  const r = await rig();
  const dir = await tempDir('obspath-scrape-auth-');
  const tokens = await startTarget();
  try {
    let tokenRequests = 0;
    tokens.respond = (req) => {
      tokenRequests++;
      assert.equal(req.method, 'POST');
      assert.equal(req.headers.authorization, `Basic ${Buffer.from('scraper:s3cret').toString('base64')}`);
      return { body: JSON.stringify({ access_token: `tok-${tokenRequests}`, token_type: 'Bearer', expires_in: 3600 }), headers: { 'content-type': 'application/json' } };
    };
    r.target.respond = () => ({ body: 'm 1\n' });
    writeFileSync(join(dir.path, 'cred'), 'from-file\n');
    writeFileSync(join(dir.path, 'secret'), 's3cret\n');
    await r.loop(job(r.target.address, { authorization: { credentials: 'inline' } })).scrapeOnce();
    await r.loop(job(r.target.address, { authorization: { type: 'Token', credentials_file: join(dir.path, 'cred') } })).scrapeOnce();
    const o = r.loop(job(r.target.address, { oauth2: { client_id: 'scraper', client_secret_file: join(dir.path, 'secret'), token_url: tokens.url, scopes: ['metrics'] } }));
    await o.scrapeOnce();
    await o.scrapeOnce();
    assert.deepEqual(r.target.requests.map((q) => q.headers.authorization), ['Bearer inline', 'Token from-file', 'Bearer tok-1', 'Bearer tok-1']);
    assert.equal(tokenRequests, 1, 'the token is reused until it nears expiry');
    const missing = await r.loop(job(r.target.address, { authorization: { credentials_file: join(dir.path, 'nope') } })).scrapeOnce();
    assert.equal(missing.up, false);
    assert.match(missing.error!, /unable to read authorization\.credentials_file/);
  } finally {
    await tokens.close();
    await dir.cleanup();
    await r.close();
  }
});

test('the first scrape waits for the target\'s own place in the interval; timestamps stay on the grid', async () => {
  const r = await rig();
  try {
    const j = job(r.target.address, { scrape_interval: '10s' });
    const a = r.loop(j);
    const now = 1_700_000_000_000;
    const off = a.offsetMs(now);
    assert.ok(off >= 0 && off <= 10_000, String(off));
    assert.equal((now + 3333 + a.offsetMs(now + 3333)) % 10_000, (now + off) % 10_000, 'the place is fixed in absolute time');
    const other = new ScrapeLoop(j, 'http://127.0.0.1:1/metrics', targetLabels('app', '127.0.0.1:1', {}), { store: r.store, dispatcher: r.dispatcher, auth: new ScrapeAuth(j), jitterSeed: 0n, timestampToleranceMs: 2 });
    assert.notEqual(other.offsetMs(now), off, 'another target gets another place');
    // Timestamps: the grid time (previous + interval) when the timer fires within the tolerance, else the clock.
    const first = await a.scrapeOnce();
    assert.equal(a.timestampFor(first.timestamp + 10_000 + 2), first.timestamp + 10_000);
    assert.equal(a.timestampFor(first.timestamp + 10_000 - 1), first.timestamp + 10_000);
    assert.equal(a.timestampFor(first.timestamp + 10_000 + 40), first.timestamp + 10_040);
  } finally {
    await r.close();
  }
});

test('the manager scrapes on its interval, and a reload keeps unchanged targets and ends removed ones with stale markers', async () => {
  const r = await rig();
  const second = await startTarget();
  const manager = new ScrapeManager({ store: r.store });
  try {
    r.target.respond = () => ({ body: 'first_metric 1\n' });
    second.respond = () => ({ body: 'second_metric 2\n' });
    const config = (targets: string[]) => scrapeConfigFrom({ scrape_configs: [{ job_name: 'multi', scrape_interval: '1s', scrape_timeout: '1s', static_configs: [{ targets }] }] });
    // Two applies at once (two quick SIGHUPs) start each target once.
    await Promise.all([manager.apply(config([r.target.address, second.address])), manager.apply(config([r.target.address, second.address]))]);
    assert.equal(manager.targets().length, 2);
    await waitUntil(async () => r.target.requests.length >= 2 && second.requests.length >= 2, 15_000, 'two scrapes of each target');
    const before = r.target.requests.length;
    await manager.apply(config([r.target.address]));
    const removedAt = Date.now();
    assert.deepEqual(r.query('second_metric', removedAt + 1), [], 'the removed target\'s series are stale');
    assert.deepEqual(r.query(`up{instance="${second.address}"}`, removedAt + 1), [], 'and so is its up');
    assert.equal(manager.targets().length, 1);
    await waitUntil(async () => r.target.requests.length >= before + 1, 15_000, 'the kept target is still scraped');
    assert.deepEqual(r.query(`up{instance="${r.target.address}"}`, Date.now()).map((s) => s.value), [1]);
  } finally {
    await manager.stop();
    await second.close();
    await r.close();
  }
});

test('fuzz: hostile exposition bodies never crash a scrape or corrupt the store; the event loop keeps turning', { timeout: 120_000 }, async () => {
  const r = await rig();
  try {
    const valid = 'ok_metric{a="1"} 1\n';
    const body = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(fc.tuple(fc.constantFrom('m', 'm{', 'm{a="', 'm{a="v"} ', 'm{a="v",a="w"} 1', 'm{__name__="x"} 1', '# TYPE m ', 'm 1 ', 'x'.repeat(5000) + ' 1', `m{a="${'v'.repeat(10_000)}"} 1`, 'm NaN', 'm 1 -9223372036854775808', 'm 1 253402300800000'), fc.string({ maxLength: 8 })).map(([a, b]) => a + b), { maxLength: 20 }).map((ls) => ls.join('\n')),
    );
    let ups = 0;
    let downs = 0;
    let maxGapMs = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
    }, 10);
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        r.target.respond = () => ({ body: b });
        const report = await r.loop().scrapeOnce();
        if (report.up) ups++;
        else {
          downs++;
          assert.ok(report.error !== undefined && report.error.length > 0);
        }
      }),
      { numRuns: 300, seed: 20261203 },
    );
    clearInterval(ticker);
    // The store still takes and answers a good scrape after all that.
    r.target.respond = () => ({ body: valid });
    const good = await r.loop().scrapeOnce();
    assert.equal(good.up, true);
    assert.deepEqual(r.query('ok_metric', good.timestamp).map((s) => s.value), [1]);
    process.stdout.write(`# fuzz: ${ups} bodies scraped up, ${downs} refused; longest event-loop gap ${maxGapMs.toFixed(0)} ms\n`);
    assert.ok(ups > 0 && downs > 0, 'both kinds of outcome were exercised');
  } finally {
    await r.close();
  }
});
