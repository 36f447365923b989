// Every hop's error answers in one shape, against a whole `obspath up` stack: bad requests to every
// component's routes, main and internal listeners, framework errors (404/405/413/415, bad URLs, malformed
// HTTP) and errors passed through from the backend, all Prometheus-shaped JSON naming the hop with the
// request id. (The issuer's OAuth endpoints keep OAuth's own error shape.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePortRange, tempDir, waitUntil, httpOk } from '../../tools/testing/net.js';
import { startObspath, startProcess, type Proc } from '../../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS } from '../../tools/testing/remote-write.js';

let dir: { path: string; cleanup: () => Promise<void> };
let up: Proc;
let base: number;
let token: string;
const url = (offset: number, path: string) => `http://127.0.0.1:${base + offset}${path}`;
const ISSUER = 0, STORE = 1, API = 2, API_INTERNAL = 3, REFRESHER = 4, REFRESHER_INTERNAL = 5, FLEET = 6, FLEET_METRICS = 7, PROBE = 8;
const TENANT_PATH = '/api/metrics/v1/managedkafka';

before(async () => {
  dir = await tempDir('obspath-errshape-');
  base = await freePortRange(13);
  up = startObspath(['up', '--ports', String(base), '--data', dir.path]);
  await waitUntil(() => /obspath up: ready in/.test(up.output()), 60_000, `up ready\n${up.output()}`);
  await waitUntil(async () => (await Promise.all([API_INTERNAL, REFRESHER_INTERNAL, FLEET_METRICS, PROBE].map((p) => httpOk(url(p, '/metrics'))))).every(Boolean), 60_000, 'every component listening');
  const secrets = JSON.parse(readFileSync(join(dir.path, 'config', 'secrets.json'), 'utf8')) as { dataPlane: string };
  const state = JSON.parse(readFileSync(join(dir.path, 'stack.json'), 'utf8')) as { issuerUrl: string };
  const res = await fetch(`${state.issuerUrl}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`data-plane:${secrets.dataPlane}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  token = ((await res.json()) as { access_token: string }).access_token;
});

after(async () => {
  await up.stop(15_000);
  await dir.cleanup();
});

interface Case {
  what: string;
  url: string;
  status: number;
  hop: string;
  init?: RequestInit;
}

async function assertErrorShape(c: Case): Promise<Record<string, unknown>> {
  const res = await fetch(c.url, { ...c.init, headers: { 'x-request-id': `walk-${c.status}-${Math.random().toString(36).slice(2, 10)}`, ...(c.init?.headers as Record<string, string> | undefined) } });
  const text = await res.text();
  const ctx = `${c.what}: ${res.status} ${text.slice(0, 300)}`;
  assert.equal(res.status, c.status, ctx);
  assert.match(String(res.headers.get('content-type')), /^application\/json/, ctx);
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.equal(body.status, 'error', ctx);
  assert.equal(typeof body.errorType, 'string', ctx);
  assert.ok(typeof body.error === 'string' && body.error.length > 0, ctx);
  assert.equal(body.hop, c.hop, ctx);
  assert.equal(typeof body.requestId, 'string', ctx);
  if (res.headers.get('x-request-id')) assert.equal(body.requestId, res.headers.get('x-request-id'), ctx);
  return body;
}

const pick = (o: unknown, ...keys: string[]) => Object.fromEntries(keys.map((k) => [k, (o as Record<string, unknown>)[k]]));

/** A POST announcing a body larger than any limit, answered (413) before a byte of it is sent. */
async function oversizedPost(target: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'POST', headers: { ...headers, 'content-length': String(1 << 30) } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

/** A request Node's HTTP parser refuses, sent on a raw socket; returns status and body. */
async function rawRequest(port: number, bytes: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(bytes));
    let data = '';
    sock.on('data', (d) => (data += d.toString()));
    sock.on('error', reject);
    sock.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body });
    });
  });
}

test('every hop answers bad requests with Prometheus-shaped JSON naming itself, with the request id', async () => {
  const auth = { authorization: `Bearer ${token}` };
  const form = { ...auth, 'content-type': 'application/x-www-form-urlencoded' };
  const cases: Case[] = [
    // Issuer: its non-OAuth routes.
    { what: 'issuer unknown path', url: url(ISSUER, '/nowhere'), status: 404, hop: 'issuer' },
    { what: 'issuer rotate-keys with GET', url: url(ISSUER, '/admin/rotate-keys'), status: 404, hop: 'issuer' },
    // Store.
    { what: 'store unknown path', url: url(STORE, '/api/v1/nowhere'), status: 404, hop: 'store' },
    { what: 'store bad url encoding', url: url(STORE, '/api/v1/label/%zz/values'), status: 400, hop: 'store' },
    { what: 'store DELETE on query', url: url(STORE, '/api/v1/query'), status: 404, hop: 'store', init: { method: 'DELETE' } },
    { what: 'store JSON body on query', url: url(STORE, '/api/v1/query'), status: 415, hop: 'store', init: { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<q/>' } },
    { what: 'store bad query', url: url(STORE, '/api/v1/query?query=sum('), status: 400, hop: 'store' },
    { what: 'store series without match[]', url: url(STORE, '/api/v1/series'), status: 400, hop: 'store' },
    { what: 'store internal metrics path', url: url(STORE, '/metrics/nope'), status: 404, hop: 'store' },
    // API: main listener, its own refusals and framework errors.
    { what: 'api unknown path', url: url(API, '/nowhere'), status: 404, hop: 'api' },
    { what: 'api unknown tenant', url: url(API, '/api/metrics/v1/nobody/api/v1/query?query=up'), status: 404, hop: 'api', init: { headers: auth } },
    { what: 'api no token', url: url(API, `${TENANT_PATH}/api/v1/query?query=up`), status: 401, hop: 'auth' },
    { what: 'api bad query', url: url(API, `${TENANT_PATH}/api/v1/query?query=sum(`), status: 400, hop: 'api', init: { headers: auth } },
    { what: 'api series without match[]', url: url(API, `${TENANT_PATH}/api/v1/series`), status: 400, hop: 'api', init: { headers: auth } },
    { what: 'api format_query bad query', url: url(API, `${TENANT_PATH}/api/v1/format_query?query=foo{`), status: 400, hop: 'api', init: { headers: auth } },
    { what: 'api PUT on query', url: url(API, `${TENANT_PATH}/api/v1/query`), status: 405, hop: 'api', init: { method: 'PUT', headers: auth } },
    { what: 'api POST JSON on query', url: url(API, `${TENANT_PATH}/api/v1/query`), status: 415, hop: 'api', init: { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"query":"up"}' } },
    { what: 'api bad url encoding', url: url(API, `${TENANT_PATH}/api/v1/label/%zz/values`), status: 400, hop: 'api', init: { headers: auth } },
    { what: 'api garbage remote write', url: url(API, `${TENANT_PATH}/api/v1/receive`), status: 400, hop: 'api', init: { method: 'POST', headers: { ...auth, ...REMOTE_WRITE_HEADERS }, body: 'not snappy' } },
    // API internal listener.
    { what: 'api internal unknown path', url: url(API_INTERNAL, '/nowhere'), status: 404, hop: 'api' },
    { what: 'api internal POST on ready', url: url(API_INTERNAL, '/ready'), status: 404, hop: 'api', init: { method: 'POST' } },
    // Token refresher: its own errors, and the API's passed through (they keep the API's hop).
    { what: 'refresher bad url encoding', url: url(REFRESHER, '/api/v1/label/%zz/values'), status: 400, hop: 'token-refresher' },
    { what: 'refresher passes the api error', url: url(REFRESHER, '/api/v1/query?query=sum('), status: 400, hop: 'api' },
    { what: 'refresher internal unknown path', url: url(REFRESHER_INTERNAL, '/nowhere'), status: 404, hop: 'token-refresher' },
    // Fleet manager: main and metrics listeners.
    { what: 'fleet unknown path', url: url(FLEET, '/nowhere'), status: 404, hop: 'fleet-manager' },
    { what: 'fleet no token', url: url(FLEET, '/api/kafkas_mgmt/v1/kafkas/abc/metrics/query'), status: 401, hop: 'fleet-manager' },
    { what: 'fleet metrics unknown path', url: url(FLEET_METRICS, '/nowhere'), status: 404, hop: 'fleet-manager' },
    // Probe's listener.
    { what: 'probe unknown path', url: url(PROBE, '/nowhere'), status: 404, hop: 'probe' },
  ];
  for (const c of cases) await assertErrorShape(c);
  // Errors passed through from the store: its JSON names it; a body without a hop (text, or another
  // backend's JSON) gets the backend's hop. Either way the hop is on the backend's side of the API.
  const passed: Case[] = [
    { what: 'backend bad step', url: url(API, `${TENANT_PATH}/api/v1/query_range?query=up&start=0&end=100000000&step=1`), status: 400, hop: 'store', init: { headers: auth } },
    { what: 'backend refuses a rules filter', url: url(API, `${TENANT_PATH}/api/v1/rules?type=bogus`), status: 400, hop: 'store', init: { headers: auth } },
  ];
  for (const c of passed) await assertErrorShape(c);

  for (const [target, headers, hop] of [
    [url(STORE, '/api/v1/write'), REMOTE_WRITE_HEADERS, 'store'],
    [url(API, `${TENANT_PATH}/api/v1/query`), form, 'api'],
    [url(API, `${TENANT_PATH}/api/v1/receive`), { ...auth, ...REMOTE_WRITE_HEADERS }, 'api'],
  ] as const) {
    const big = await oversizedPost(target, headers);
    assert.equal(big.status, 413, `${target}: ${big.body}`);
    const body = JSON.parse(big.body) as Record<string, unknown>;
    assert.deepEqual([body.status, typeof body.errorType, body.hop, body.requestId], ['error', 'string', hop, big.headers['x-request-id']], big.body);
  }

  // A remote write the store refuses (a second value for the same timestamp): text from the store, JSON through the API.
  const t = Date.now();
  const write = (v: number) => fetch(url(API, `${TENANT_PATH}/api/v1/receive`), { method: 'POST', headers: { ...auth, ...REMOTE_WRITE_HEADERS }, body: encodeTestWriteRequest([{ labels: { __name__: 'walk_dup' }, samples: [[t, v]] }]) });
  assert.equal((await write(1)).status, 204);
  const dup = await write(2);
  const dupText = await dup.text();
  assert.equal(dup.status, 400, dupText);
  const dupBody = JSON.parse(dupText) as Record<string, unknown>;
  assert.deepEqual([dupBody.status, typeof dupBody.errorType, typeof dupBody.requestId], ['error', 'string', 'string']);
  assert.ok(dupBody.hop === 'backend' || dupBody.hop === 'store', `hop of a refused write: ${dupText}`);
  assert.match(String(dupBody.error), /rejected 1 of 1 samples/, 'the store\'s message is kept');

  // Requests Node refuses before any routing: malformed, and headers too large.
  for (const port of [base + STORE, base + API, base + API_INTERNAL, base + REFRESHER, base + FLEET, base + PROBE]) {
    const bad = await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.equal(bad.status, 400, `malformed request to ${port}`);
    const body = JSON.parse(bad.body) as Record<string, unknown>;
    assert.deepEqual([body.status, body.errorType, typeof body.hop, typeof body.requestId], ['error', 'bad_data', 'string', 'string']);
  }
  const big = await rawRequest(base + API, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  assert.equal(big.status, 431);
  assert.equal((JSON.parse(big.body) as { hop: string }).hop, 'api');
});

test('promtool reads through the token refresher and the API\'s tenant path (enforced) and Grafana\'s extra endpoints answer there', async () => {
  const t = Date.now();
  const written = await fetch(url(API, `${TENANT_PATH}/api/v1/receive`), {
    method: 'POST', headers: { authorization: `Bearer ${token}`, ...REMOTE_WRITE_HEADERS },
    body: encodeTestWriteRequest([{ labels: { __name__: 'promtool_seen', job: 'walk' }, samples: [[t, 5]] }]),
  });
  assert.equal(written.status, 204);
  // promtool 2.42 sends no credentials; the token refresher in front of the API adds them, as for any client.
  const apiUrl = url(REFRESHER, '');
  const promtool = async (...args: string[]) => {
    const p = startProcess('promtool', ['query', ...args]);
    await waitUntil(() => p.child.exitCode !== null, 20_000, `promtool ${args.join(' ')}`);
    return { code: p.child.exitCode, out: p.output() };
  };
  const instant = await promtool('instant', '--time', String(t / 1000), apiUrl, 'promtool_seen');
  assert.equal(instant.code, 0, instant.out);
  assert.match(instant.out, /^promtool_seen\{job="walk", tenant_id="[^"]+"\} => 5 @\[/m);
  const series = await promtool('series', '--match', 'promtool_seen', apiUrl);
  assert.equal(series.code, 0, series.out);
  assert.match(series.out, /__name__="promtool_seen"/);
  const labels = await promtool('labels', '--match', 'promtool_seen', apiUrl, 'job');
  assert.deepEqual([labels.code, labels.out.trim()], [0, 'walk']);
  // Series without a selector is refused as Prometheus refuses it (promtool itself insists on --match).
  const all = await fetch(`${apiUrl}/api/v1/series`);
  assert.equal(all.status, 400);
  assert.deepEqual(pick(await all.json(), 'error', 'hop'), { error: 'no match[] parameter provided', hop: 'api' });

  const auth = { authorization: `Bearer ${token}` };
  const get = async (path: string) => {
    const res = await fetch(url(API, `${TENANT_PATH}${path}`), { headers: auth });
    return { status: res.status, body: (await res.json()) as { status: string; data?: any } };
  };
  assert.deepEqual(await get('/api/v1/format_query?query=sum(rate(x[5m]))by(job)'), { status: 200, body: { status: 'success', data: 'sum by (job) (rate(x[5m]))' } });
  assert.equal((await get('/api/v1/parse_query?query=up')).body.data.type, 'vectorSelector');
  assert.deepEqual(await get('/api/v1/metadata'), { status: 200, body: { status: 'success', data: {} } });
  assert.deepEqual(await get('/api/v1/query_exemplars?query=promtool_seen'), { status: 200, body: { status: 'success', data: [] } });
  assert.equal((await get('/api/v1/status/buildinfo')).body.data.application, 'obspath');
  assert.equal(typeof (await get('/api/v1/status/runtimeinfo')).body.data.storageRetention, 'string');
});
