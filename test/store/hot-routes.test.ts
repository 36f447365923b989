// The store's hot routes on the bare listener (query, query_range, remote write) against the fastify routes they
// stand in front of: the same requests to a store started with them and one without (hotRoutes: false), over
// real sockets, must get the same status, headers (date and connection aside) and body, store the same samples
// (the store's metrics), and each request must have been taken by the listener the test expects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../../src/remotewrite/encode.js';
import { startStoreServer, type RunningStoreServer } from '../../src/store/server.js';
import { matchStoreHotRoute } from '../../src/store/http/hot-routes.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir } from '../../tools/testing/net.js';

const WRITE_LIMIT = 64 * 1024;
const T0 = 1_733_290_000_000;
const sides: { name: string; server: RunningStoreServer; dir: { path: string; cleanup(): Promise<void> } }[] = [];

before(async () => {
  for (const hotRoutes of [false, true]) {
    const dir = await tempDir();
    const server = await startStoreServer({
      store: { dir: dir.path, fsync: 'off' }, listen: '127.0.0.1:0', engine: { timeoutMs: 5000, maxPointsPerSeries: 1000 }, hotRoutes,
      ingestLimits: { maxCompressedBytes: WRITE_LIMIT, maxDecompressedBytes: 1 << 20 }, logger: createLogger({ component: 'store', level: 'silent' }),
    });
    sides.push({ name: hotRoutes ? 'bare' : 'fastify', server, dir });
  }
});

after(async () => {
  for (const s of sides) {
    await s.server.close();
    await s.dir.cleanup();
  }
});

interface Call {
  method?: 'GET' | 'POST' | 'PUT' | 'HEAD' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Whether the bare listener answers it itself (else it is fastify's on both sides). */
  hot: boolean;
}

const IGNORED = new Set(['date', 'connection', 'keep-alive']);

async function send(url: string, c: Call) {
  const r = await request(`${url}${c.path}`, { method: c.method ?? 'GET', headers: { 'x-request-id': 'rid-1', ...c.headers }, body: c.body });
  const body = await r.body.text();
  const headers = Object.fromEntries(Object.entries(r.headers).filter(([k]) => !IGNORED.has(k)));
  return { status: r.statusCode, headers, body };
}

/** The headers undici sends for a call (the body's length when there is a whole body). */
function sentHeaders(c: Call): Record<string, string> {
  const h: Record<string, string> = Object.fromEntries(Object.entries(c.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  if (c.body !== undefined) h['content-length'] = String(Buffer.byteLength(c.body));
  return h;
}

async function same(c: Call): Promise<{ status: number; body: string }> {
  const what = `${c.method ?? 'GET'} ${c.path} ${JSON.stringify(c.headers ?? {})}`;
  assert.equal(matchStoreHotRoute(c.method ?? 'GET', c.path, sentHeaders(c), WRITE_LIMIT) !== undefined, c.hot, `hot route? ${what}`);
  const [a, b] = [await send(sides[0]!.server.url, c), await send(sides[1]!.server.url, c)];
  if (c.headers?.['x-request-id'] !== undefined) {
    // A request id the servers refuse: each makes its own.
    for (const r of [a, b]) {
      assert.match(String(r.headers['x-request-id']), /^[0-9a-f-]{36}$/, what);
      delete r.headers['x-request-id'];
    }
  }
  assert.deepEqual(b, a, what);
  return a;
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const series = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({
  labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: i % 2 ? 'a"b\\c' : 'é\n' }, { name: 'i', value: String(i) }],
  timestamps: [from, from + 30_000, from + 60_000],
  values: [i, i + 0.25, i === 3 ? -0 : i * 1e21],
}));

async function storeMetrics(url: string): Promise<string> {
  const text = await (await request(`${url}/metrics`)).body.text();
  return text.split('\n').filter((l) => /^obspath_store_head_(series|samples) /.test(l)).join('\n');
}

test('remote writes: stored alike on both listeners; refusals (bad body, type, encoding, size) answered alike', async () => {
  const ok = encodeWriteRequest(series(6, T0));
  const calls: Call[] = [
    { method: 'POST', path: '/api/v1/write', headers: REMOTE_WRITE_HEADERS, body: ok, hot: true },
    { method: 'POST', path: '/api/v1/write', headers: REMOTE_WRITE_HEADERS, body: ok, hot: true },
    { method: 'POST', path: '/api/v1/write', headers: REMOTE_WRITE_HEADERS, body: encodeWriteRequest(series(6, T0 - 3_600_000 * 5)), hot: true },
    { method: 'POST', path: '/api/v1/write/', headers: REMOTE_WRITE_HEADERS, body: encodeWriteRequest(series(2, T0 + 90_000)), hot: true },
    { method: 'POST', path: '/api/v1/write', headers: REMOTE_WRITE_HEADERS, body: Buffer.from('not snappy'), hot: true },
    { method: 'POST', path: '/api/v1/write', headers: REMOTE_WRITE_HEADERS, body: Buffer.alloc(0), hot: true },
    { method: 'POST', path: '/api/v1/write', headers: { ...REMOTE_WRITE_HEADERS, 'Content-Encoding': 'gzip' }, body: ok, hot: true },
    { method: 'POST', path: '/api/v1/write', headers: { ...REMOTE_WRITE_HEADERS, 'Content-Type': 'application/octet-stream' }, body: encodeWriteRequest(series(1, T0 + 180_000)), hot: true },
    { method: 'POST', path: '/api/v1/write', headers: { ...REMOTE_WRITE_HEADERS, 'Content-Type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' }, body: ok, hot: false },
    { method: 'POST', path: '/api/v1/write', headers: { ...REMOTE_WRITE_HEADERS, 'Content-Type': 'text/plain' }, body: 'x', hot: false },
    { method: 'POST', path: '/api/v1/write', headers: REMOTE_WRITE_HEADERS, body: Buffer.alloc(WRITE_LIMIT + 1), hot: false },
    { method: 'PUT', path: '/api/v1/write', headers: REMOTE_WRITE_HEADERS, body: ok, hot: false },
    { method: 'GET', path: '/api/v1/write', hot: false },
  ];
  const statuses = [];
  for (const c of calls) statuses.push((await same(c)).status);
  // The list covers what it says: stored, refused by the store, refused before the handler.
  assert.deepEqual(statuses, [204, 400, 400, 204, 400, 400, 415, 204, 415, 400, 413, 404, 404]);
  const [a, b] = [await storeMetrics(sides[0]!.server.url), await storeMetrics(sides[1]!.server.url)];
  assert.match(a, /obspath_store_head_series 6\n/);
  assert.equal(b, a);
});

test('queries: answers, bad parameters and fallbacks are the same bytes from both listeners', async () => {
  const at = String((T0 + 60_000) / 1000);
  const range = `start=${T0 / 1000}&end=${(T0 + 60_000) / 1000}&step=15`;
  const calls: Call[] = [
    { path: `/api/v1/query?query=up&time=${at}`, hot: true },
    { path: `/api/v1/query?query=up%7Bjob%3D~%22a.*%22%7D&time=${at}`, hot: true },
    { path: `/api/v1/query/?query=sum(up)&time=${at}`, hot: true },
    { path: `/api/v1/query?query=scalar(sum(up))&time=${at}`, hot: true },
    { path: `/api/v1/query?query=%22s%22&time=${at}`, hot: true },
    { path: `/api/v1/query?query=up%20%2F%200&time=${at}`, hot: true },
    { path: `/api/v1/query_range?query=up&${range}`, hot: true },
    { path: `/api/v1/query_range?query=rate(up%5B1m%5D)&${range}`, hot: true },
    { path: `/api/v1/query?query=nothing&time=${at}`, hot: true },
    { method: 'POST', path: '/api/v1/query', headers: form, body: `query=up&time=${at}`, hot: true },
    { method: 'POST', path: '/api/v1/query_range', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' }, body: `query=up&${range}`, hot: true },
    { method: 'POST', path: `/api/v1/query?time=${at}`, headers: form, body: 'query=up', hot: true },
    { method: 'POST', path: '/api/v1/query', headers: form, body: '', hot: true },
    { path: '/api/v1/query', hot: true },
    { path: '/api/v1/query?query=up%7B', hot: true },
    { path: `/api/v1/query?query=up&time=yesterday`, hot: true },
    { path: `/api/v1/query_range?query=up&start=10&end=1&step=1`, hot: true },
    { path: `/api/v1/query_range?query=up&start=0&end=100000&step=1`, hot: true },
    { path: `/api/v1/query_range?query=up&start=0&end=1&step=0`, hot: true },
    { path: `/api/v1/query?query=up&time=${at}&timeout=-1s`, hot: true },
    { path: `/api/v1/query?query=up&time=${at}`, headers: { 'x-request-id': 'bad id!' }, hot: true },
    { method: 'POST', path: '/api/v1/query', headers: { 'content-type': 'application/json' }, body: '{"query":"up"}', hot: false },
    { method: 'POST', path: '/api/v1/query', headers: { 'content-type': 'text/plain' }, body: 'query=up', hot: false },
    { method: 'POST', path: '/api/v1/query', body: `query=up&time=${at}`, hot: false },
    { method: 'POST', path: '/api/v1/query', headers: form, body: 'x'.repeat((4 << 20) + 1), hot: false },
    { method: 'GET', path: `/api/v1/query?query=up&time=${at}`, headers: { 'content-type': 'text/plain' }, body: 'ignored', hot: false },
    { method: 'PUT', path: `/api/v1/query?query=up&time=${at}`, hot: false },
    { method: 'DELETE', path: `/api/v1/query_range?query=up`, hot: false },
    { method: 'HEAD', path: `/api/v1/query?query=up&time=${at}`, hot: false },
    { path: `/api/v1/query//?query=up&time=${at}`, hot: false },
    // (With a query string, fastify's message quotes it and the bare listener's does not: BareServer's, as the API's.)
    { path: `/api/v1/%zz`, hot: false },
    { path: `/api/v1/qu%65ry?query=up&time=${at}`, hot: false },
    { path: '/api/v1/series?match[]=up', hot: false },
    { path: '/api/v1/labels', hot: false },
    { path: '/api/v1/label/job/values', hot: false },
    { path: '/api/v1/status/buildinfo', hot: false },
    { path: '/-/ready', hot: false },
    { path: '/nowhere', hot: false },
  ];
  const statuses = [];
  for (const c of calls) statuses.push((await same(c)).status);
  assert.deepEqual(statuses.slice(0, 12), new Array(12).fill(200));
  assert.deepEqual(statuses.slice(12, 20), new Array(8).fill(400));
  const answer = JSON.parse((await same(calls[6]!)).body);
  assert.equal(answer.data.resultType, 'matrix');
  assert.equal(answer.data.result.length, 6, 'every stored series answers');
});
