// The bare listener's hot routes (query, query_range, receive) against the fastify routes they replace: the
// same requests to both, over real sockets, must get the same status, headers and body (the request id
// aside), reach the backend alike and count the same metrics. Other requests are handed to fastify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { hotRoutes } from '../../src/api/hot/handler.js';
import { matchHotRoute } from '../../src/api/hot/route.js';
import { admission, registerRoutes, type RoutesOptions } from '../../src/api/routes.js';
import { createApiMetrics } from '../../src/api/metrics.js';
import { RateLimiter } from '../../src/api/ratelimit/limiter.js';
import { bareFront } from '../../src/http/bare-front.js';
import { createHttpApp, listen } from '../../src/http/server.js';
import { createRegistry } from '../../src/telemetry/metrics.js';
import { waitUntil } from '../../tools/testing/net.js';
import { encodeTestWriteRequest } from '../../tools/testing/remote-write.js';
import { bearer, fakeBackend, logger, snapshot, type FakeBackend } from './chain-harness.js';

const BASE = '/api/metrics/v1/alpha/api/v1';
const rw = bearer('ok-w:writers');
const MAX_BODY = 4096;

interface Side {
  url: string;
  backend: FakeBackend;
  routes: RoutesOptions;
  close(): Promise<void>;
}

function options(opts: { concurrentRequestLimit?: number; rateLimited?: boolean }): RoutesOptions {
  const rateLimits = opts.rateLimited ? [{ endpoint: /query_range/, limit: 1, windowMs: 60_000 }] : [];
  return {
    state: { snapshot: snapshot({ rateLimits }) }, backend: fakeBackend(), metrics: createApiMetrics(createRegistry()), limiter: new RateLimiter(),
    tenantLabel: 'tenant_id', maxBodySize: MAX_BODY, maxDecompressedSize: 1 << 20, concurrentRequestLimit: opts.concurrentRequestLimit ?? 100,
  };
}

async function fastifySide(opts: Parameters<typeof options>[0]): Promise<Side> {
  const routes = options(opts);
  const app = createHttpApp({ logger, hop: 'api', bodyLimit: MAX_BODY });
  await app.register(async (scope) => registerRoutes(scope, routes));
  const { url } = await listen(app, '127.0.0.1:0');
  return { url, backend: routes.backend as FakeBackend, routes, close: () => app.close() };
}

async function bareSide(opts: Parameters<typeof options>[0]): Promise<Side> {
  const routes = options(opts);
  const app = createHttpApp({ logger, hop: 'api', bodyLimit: MAX_BODY, accessLog: false });
  const admit = admission(routes);
  await app.register(async (scope) => registerRoutes(scope, routes, admit));
  const server = await bareFront(app, { logger, hop: 'api' }, hotRoutes({ ...routes, admit }));
  const { url } = await listen(server, '127.0.0.1:0');
  return { url, backend: routes.backend as FakeBackend, routes, close: async () => { await server.close(); } };
}

interface Call {
  method?: 'GET' | 'POST' | 'PUT';
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  answer?: FakeBackend['answer'] | (() => FakeBackend['answer']);
}

const IGNORED = new Set(['date', 'x-request-id', 'connection', 'keep-alive']);

async function send(side: Side, c: Call) {
  if (c.answer) side.backend.answer = typeof c.answer === 'function' ? c.answer() : c.answer;
  const r = await request(`${side.url}${c.path}`, { method: c.method ?? 'GET', headers: { 'x-request-id': 'rid-1', ...c.headers }, body: c.body });
  const text = await r.body.text();
  const headers = Object.fromEntries(Object.entries(r.headers).filter(([k]) => !IGNORED.has(k)));
  return { status: r.statusCode, headers, text, id: r.headers['x-request-id'] };
}

async function metricValues(side: Side): Promise<string> {
  const lines: string[] = [];
  for (const m of [side.routes.metrics.http.requests, side.routes.metrics.rejected, side.routes.metrics.http.responseSize]) {
    const data = await m.get();
    for (const v of data.values as Array<{ labels: object; value: number; metricName?: string }>) {
      if (v.metricName?.endsWith('_bucket')) continue;
      lines.push(`${v.metricName ?? data.name}${JSON.stringify(v.labels)} ${v.value}`);
    }
  }
  return lines.sort().join('\n');
}

/** Sends `calls` to both listeners in turn and checks that every answer and the backend calls agree. */
async function sameAnswers(calls: Call[], opts: Parameters<typeof options>[0] = {}): Promise<Array<Awaited<ReturnType<typeof send>>>> {
  const [ref, hot] = [await fastifySide(opts), await bareSide(opts)];
  const answers = [];
  try {
    for (const c of calls) {
      const [a, b] = [await send(ref, c), await send(hot, c)];
      assert.deepEqual(b, a, `${c.method ?? 'GET'} ${c.path}`);
      answers.push(b);
    }
    assert.deepEqual(hot.backend.reads.map((r) => [r.endpoint, r.method, r.params.toString(), r.headers]), ref.backend.reads.map((r) => [r.endpoint, r.method, r.params.toString(), r.headers]));
    assert.deepEqual(hot.backend.writes.map((w) => [w.body.toString('hex'), w.headers]), ref.backend.writes.map((w) => [w.body.toString('hex'), w.headers]));
    assert.equal(await metricValues(hot), await metricValues(ref));
  } finally {
    await ref.close();
    await hot.close();
  }
  return answers;
}

const BIG = Buffer.from(`{"status":"success","data":"${'y'.repeat(100_000)}"}`);
const SMALL = Buffer.from(`{"status":"success","data":"${'s'.repeat(40_000)}"}`);
const writeBody = Buffer.from(encodeTestWriteRequest([{ labels: { __name__: 'up', job: 'a', tenant_id: 'other' }, samples: [[1000, 1]] }]));
const write = { ...rw, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };

test('hot reads: admitted, refused at each step, and passed on exactly as the fastify routes do', async () => {
  const answers = await sameAnswers([
    { path: `${BASE}/query?query=up`, headers: rw },
    { path: `${BASE}/query/?query=up&time=5`, headers: rw },
    { path: `${BASE}/query_range?query=rate(x[5m])&start=0&end=60&step=15`, headers: bearer('ok-reader') },
    { method: 'POST', path: `${BASE}/query?time=10`, headers: { ...rw, 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'ua/1' }, body: 'query=up{tenant_id="bbbb"}' },
    { method: 'POST', path: `${BASE}/query`, headers: { ...rw, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body: '' },
    { path: '/api/metrics/v1/nope/api/v1/query?query=up', headers: rw },
    { path: `${BASE}/query?query=up` },
    { path: `${BASE}/query?query=up`, headers: { authorization: 'Basic x' } },
    { path: `${BASE}/query?query=up`, headers: bearer('forged') },
    { path: `${BASE}/query?query=up`, headers: bearer('down') },
    { path: `${BASE}/query?query=up`, headers: bearer('ok-nobody') },
    { path: `${BASE}/query?query=up{`, headers: rw },
    { path: `${BASE}/query?query=up`, headers: rw, answer: { status: 503, headers: { 'content-type': 'text/plain', 'retry-after': '3' }, body: 'overloaded' } },
    { path: `${BASE}/query?query=up`, headers: rw, answer: { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}') } },
    { method: 'POST', path: `${BASE}/query`, headers: { ...rw, 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${'x'.repeat(MAX_BODY)}` },
    // Large answers are streamed, with or without a length (the size metric counts the bytes of the latter).
    { path: `${BASE}/query?query=up`, headers: rw, answer: () => ({ status: 200, headers: { 'content-type': 'application/json', 'content-length': String(BIG.length) }, body: Readable.from([BIG.subarray(0, 70_000), BIG.subarray(70_000)]) }) },
    { path: `${BASE}/query?query=up`, headers: rw, answer: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: Readable.from([BIG.subarray(0, 1000), BIG.subarray(1000)]) }) },
    { path: `${BASE}/query?query=up`, headers: rw, answer: () => ({ status: 200, headers: { 'content-type': 'application/json', 'content-length': '5' }, body: Readable.from([Buffer.from('{"a":'), Buffer.from('1}')].slice(0, 1)) }) },
    // Small answers without a length (Prometheus's above 2 KB) are collected and sent with one; one that
    // runs past the small size in its middle chunk is streamed from its first byte; one cut short is a 502.
    { path: `${BASE}/query?query=up`, headers: rw, answer: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: Readable.from([SMALL.subarray(0, 16_384), SMALL.subarray(16_384, 32_768), SMALL.subarray(32_768)]) }) },
    { path: `${BASE}/query?query=up`, headers: rw, answer: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: Readable.from([BIG.subarray(0, 30_000), BIG.subarray(30_000, 60_000), BIG.subarray(60_000, 90_000), BIG.subarray(90_000)]) }) },
    { path: `${BASE}/query?query=up`, headers: rw, answer: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: cutShort(SMALL.subarray(0, 1000)) }) },
  ]);
  assert.equal(answers[0]!.status, 200);
  assert.equal(answers[0]!.id, 'rid-1');
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 400, 404, 401, 401, 401, 503, 403, 400, 503, 200, 413, 200, 200, 200, 200, 200, 502]);
  const [small, overflow, cut] = answers.slice(-3) as [(typeof answers)[0], (typeof answers)[0], (typeof answers)[0]];
  assert.equal(small.text, SMALL.toString());
  assert.equal(small.headers['content-length'], String(SMALL.length));
  assert.equal(overflow.text, BIG.toString());
  assert.equal(overflow.headers['transfer-encoding'], 'chunked');
  assert.match(cut.text, /"hop":"backend"/);
});

/** A body that sends `first` and then fails, as a backend connection reset mid-answer. */
function cutShort(first: Buffer): Readable {
  let sent = false;
  // The failure comes when the reader asks for more, so it always has a reader to reach.
  return new Readable({
    read() {
      if (sent) return void this.destroy(new Error('socket hang up'));
      sent = true;
      this.push(first);
    },
  });
}

test('hot remote write: the tenant label set, bad bodies refused, as the fastify route', async () => {
  const answers = await sameAnswers([
    { method: 'POST', path: `${BASE}/receive`, headers: write, body: writeBody },
    { method: 'POST', path: `${BASE}/receive`, headers: write, body: Buffer.alloc(0) },
    { method: 'POST', path: `${BASE}/receive`, headers: write, body: Buffer.from('not snappy') },
    { method: 'POST', path: `${BASE}/receive`, headers: { ...write, 'content-encoding': 'gzip' }, body: writeBody },
    { method: 'POST', path: `${BASE}/receive`, headers: write, body: Buffer.alloc(MAX_BODY + 1) },
    { method: 'POST', path: `${BASE}/receive`, headers: { ...write, ...bearer('ok-reader') }, body: writeBody },
  ]);
  assert.deepEqual(answers.map((a) => a.status), [204, 400, 400, 415, 413, 403]);
});

test('hot path: the in-flight cap and rate limits answer as on fastify', async () => {
  const capped = await sameAnswers([{ path: `${BASE}/query?query=up`, headers: rw }], { concurrentRequestLimit: 0 });
  assert.equal(capped[0]!.status, 429);
  const limited = await sameAnswers([
    { path: `${BASE}/query_range?query=up&start=0&end=60&step=15`, headers: rw },
    { path: `${BASE}/query_range?query=up&start=0&end=60&step=15`, headers: rw },
  ], { rateLimited: true });
  assert.deepEqual(limited.map((a) => a.status), [200, 429]);
});

test('other requests reach fastify through the bare listener, with its request id', async () => {
  const answers = await sameAnswers([
    { path: `${BASE}/labels`, headers: rw },
    { method: 'PUT', path: `${BASE}/query`, headers: rw },
    { method: 'POST', path: `${BASE}/query`, headers: { ...rw, 'content-type': 'application/json' }, body: '{}' },
    { path: '/api/metrics/v1/al%70ha/api/v1/query?query=up', headers: rw },
    { path: '/nowhere' },
  ]);
  assert.deepEqual(answers.map((a) => a.status), [200, 405, 415, 200, 404]);
  const hot = await bareSide({});
  try {
    const r = await request(`${hot.url}${BASE}/labels`, { headers: rw });
    await r.body.text();
    assert.match(String(r.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.equal(hot.backend.reads[0]!.headers['x-request-id'], r.headers['x-request-id']);
  } finally {
    await hot.close();
  }
});

test('matchHotRoute takes only what both listeners answer alike', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  assert.equal(matchHotRoute('GET', `${BASE}/query?x`, {})?.endpoint, 'query');
  assert.equal(matchHotRoute('POST', `${BASE}/query_range`, form)?.body, 'form');
  assert.equal(matchHotRoute('POST', `${BASE}/query`, { 'content-type': 'application/x-www-form-urlencodedx' }), undefined);
  assert.equal(matchHotRoute('POST', `${BASE}/receive`, { 'content-type': 'application/x-protobuf' })?.body, 'bytes');
  assert.equal(matchHotRoute('POST', `${BASE}/receive`, {}), undefined);
  assert.equal(matchHotRoute('HEAD', `${BASE}/query`, {}), undefined);
  assert.equal(matchHotRoute('GET', `/api/metrics/v1/${'a'.repeat(501)}/api/v1/query`, {}), undefined);
  assert.equal(matchHotRoute('GET', '/api/metrics/v1//api/v1/query', {}), undefined);
  assert.equal(matchHotRoute('GET', `${BASE}/query//`, {}), undefined);
});

test('a caller that goes away mid-read cancels the backend call and is not counted as answered', async () => {
  const hot = await bareSide({});
  let cancelled = false;
  hot.backend.read = (call) => {
    call.signal.addEventListener('abort', () => (cancelled = true));
    return new Promise(() => {});
  };
  try {
    const ac = new AbortController();
    const pending = request(`${hot.url}${BASE}/query?query=up`, { headers: rw, signal: ac.signal }).catch(() => undefined);
    await waitUntil(() => hot.routes.metrics.inflightNow.count === 1, 5000, 'request in flight');
    ac.abort();
    await pending;
    await waitUntil(() => cancelled, 5000, 'backend call cancelled');
    await waitUntil(() => hot.routes.metrics.inflightNow.count === 0, 5000, 'in-flight count back to 0');
    assert.equal((await hot.routes.metrics.http.requests.get()).values.length, 0);
  } finally {
    await hot.close();
  }
});
