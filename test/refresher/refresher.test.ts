// The token refresher as users run it: real `obspath issuer` and `obspath token-refresher` processes, and
// Debian's Prometheus as the upstream, all on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS } from '../../tools/testing/remote-write.js';
import { metricValue, startIssuerProc, startRefresherProc, type IssuerProc, type RefresherProc } from '../../tools/testing/stack.js';

const SECRET = 'fm-client-secret-7f3a9';
const clients = [
  { clientID: 'fleet-manager', clientSecret: SECRET, scopes: ['metrics:read', 'metrics:write'], audience: ['observatorium-telemeter'] },
  { clientID: 'short-lived', clientSecret: SECRET, tokenTTL: '2s', audience: ['observatorium-telemeter'] },
];
let dir: { path: string; cleanup: () => Promise<void> };
let prom: Backend;
let issuer: IssuerProc;
const outputs: Array<() => string> = [];
const started: Array<{ stop(): Promise<void> }> = [];

function track<T extends { stop(): Promise<void>; proc: { output(): string } }>(p: T): T {
  started.push(p);
  outputs.push(() => p.proc.output());
  return p;
}

before(async () => {
  dir = await tempDir();
  prom = await startPrometheus();
  issuer = track(await startIssuerProc({ dir: dir.path, clients }));
});

after(async () => {
  await Promise.all(started.map((p) => p.stop()));
  await prom.stop();
  await dir.cleanup();
});

async function get(url: string, init?: RequestInit) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: res.status, text, json, headers: res.headers };
}

test('proxied query and remote write reach Prometheus with the token, and the written sample reads back', async () => {
  const r = track(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'fleet-manager', clientSecret: SECRET, upstreamUrl: prom.url, args: ['--oidc.audience', 'observatorium-telemeter', '--oidc.scope', 'metrics:read,metrics:write'] }));
  const now = Date.now();
  const body = encodeTestWriteRequest([{ labels: { __name__: 'obspath_refresher_test', job: 'rw' }, samples: [[now, 42]] }]);
  const write = await fetch(`${r.proxyUrl}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body });
  assert.equal(write.status, 204, await write.text());
  const q = await get(`${r.proxyUrl}/api/v1/query?query=obspath_refresher_test&time=${now / 1000}`);
  assert.equal(q.status, 200);
  const result = (q.json!.data as { result: { metric: Record<string, string>; value: [number, string] }[] }).result;
  assert.equal(result.length, 1);
  assert.equal(result[0]!.value[1], '42');
  // Form-encoded POST, as Grafana sends it, passes through too.
  const post = await get(`${r.proxyUrl}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=obspath_refresher_test&time=${now / 1000}` });
  assert.equal(post.status, 200);
  // Upstream errors pass through unchanged (status and body).
  const bad = await get(`${r.proxyUrl}/api/v1/query?query=sum(`);
  assert.equal(bad.status, 400);
  assert.equal(bad.json!.errorType, 'bad_data');
  assert.ok(bad.headers.get('x-request-id'));
  const ready = await get(`${r.internalUrl}/ready`);
  assert.equal(ready.status, 200);
  const metrics = (await get(`${r.internalUrl}/metrics`)).text;
  assert.equal(metricValue(metrics, 'token_refresher_up'), 1);
  assert.ok((metricValue(metrics, 'token_refresher_token_expiry_timestamp_seconds') ?? 0) > now / 1000);
  assert.ok((metricValue(metrics, 'http_requests_total{code="200",handler="proxy",method="GET"}') ?? 0) >= 1);
  assert.equal(metricValue(metrics, 'http_requests_total{code="204",handler="proxy",method="POST"}'), 1);
  await r.stop();
});

test('the upstream path is the --url path joined with the request path, and the caller\'s Authorization is replaced', async () => {
  const port = await freePort();
  const seen: { url?: string; auth?: string; prefix?: string } = {};
  const { createServer: createHttp } = await import('node:http');
  const echo = createHttp((req, res) => {
    seen.url = req.url;
    seen.auth = req.headers.authorization;
    seen.prefix = req.headers['x-forwarded-prefix'] as string;
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' }).end('ok');
  });
  await new Promise<void>((r) => echo.listen(port, '127.0.0.1', r));
  const r = track(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'fleet-manager', clientSecret: SECRET, upstreamUrl: `http://127.0.0.1:${port}/api/metrics/v1/managedkafka` }));
  const res = await get(`${r.proxyUrl}/api/v1/query_range?query=up&step=30`, { headers: { authorization: 'Bearer caller-token' } });
  assert.equal(res.status, 200);
  assert.equal(seen.url, '/api/metrics/v1/managedkafka/api/v1/query_range?query=up&step=30');
  assert.match(seen.auth ?? '', /^Bearer ey/);
  assert.notEqual(seen.auth, 'Bearer caller-token');
  assert.equal(seen.prefix, '/');
  await r.stop();
  echo.close();
});

test('token rotation under sustained load gives zero non-2xx', async () => {
  const r = track(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'short-lived', clientSecret: SECRET, upstreamUrl: prom.url }));
  const codes = new Map<number, number>();
  const deadline = Date.now() + 12_000;
  const worker = async () => {
    while (Date.now() < deadline) {
      const res = await fetch(`${r.proxyUrl}/api/v1/query?query=vector(1)`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      codes.set(res.status, (codes.get(res.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const metrics = (await get(`${r.internalUrl}/metrics`)).text;
  const refreshes = metricValue(metrics, 'token_refresher_token_refresh_total{result="success"}') ?? 0;
  const total = [...codes.values()].reduce((a, b) => a + b, 0);
  console.log(`rotation under load: ${total} requests, codes ${JSON.stringify(Object.fromEntries(codes))}, ${refreshes} token refreshes`);
  assert.ok(refreshes >= 6, `expected >= 6 tokens (>= 5 rotations), got ${refreshes}`);
  assert.deepEqual([...codes.keys()], [200]);
  assert.ok(total > 100);
  await r.stop();
});

test('issuer down at start: the refresher stays up, not ready, then ready within 2 s of the issuer coming up', async () => {
  const port = await freePort();
  const issuerUrl = `http://127.0.0.1:${port}/auth/realms/redhat-external`;
  const r = track(await startRefresherProc({ issuerUrl, clientId: 'fleet-manager', clientSecret: SECRET, upstreamUrl: prom.url, waitReady: false }));
  await new Promise((res) => setTimeout(res, 1500));
  assert.equal(r.proc.child.exitCode, null, 'the refresher must not exit on an issuer outage');
  const ready = await get(`${r.internalUrl}/ready`);
  assert.equal(ready.status, 503);
  assert.equal(ready.json!.reason, 'token_unavailable');
  assert.equal(ready.json!.cause, 'issuer_unreachable');
  const proxied = await get(`${r.proxyUrl}/api/v1/query?query=up`);
  assert.equal(proxied.status, 503);
  assert.equal(proxied.json!.errorType, 'token_unavailable');
  assert.equal(proxied.json!.reason, 'issuer_unreachable');
  assert.equal(proxied.json!.hop, 'token-refresher');
  const late = track(await startIssuerProc({ dir: dir.path, clients, port }));
  const upAt = Date.now();
  await waitUntil(() => httpOk(`${r.internalUrl}/ready`), 5000, 'ready after the issuer came up');
  const took = Date.now() - upAt;
  console.log(`ready ${took} ms after the issuer answered`);
  assert.ok(took <= 2000, `ready took ${took} ms`);
  await r.stop();
  await late.stop();
});

test('wrong client secret: 503 token_unavailable with invalid_client, never an empty 502', async () => {
  const r = track(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'fleet-manager', clientSecret: 'not-the-secret', upstreamUrl: prom.url, waitReady: false }));
  await waitUntil(async () => (await get(`${r.internalUrl}/ready`)).json?.cause === 'invalid_client', 5000, 'invalid_client');
  const res = await get(`${r.proxyUrl}/api/v1/query?query=up`);
  assert.equal(res.status, 503);
  assert.equal(res.json!.status, 'error');
  assert.equal(res.json!.errorType, 'token_unavailable');
  assert.equal(res.json!.reason, 'invalid_client');
  assert.match(String(res.json!.error), /401 invalid_client/);
  const metrics = (await get(`${r.internalUrl}/metrics`)).text;
  assert.ok((metricValue(metrics, 'token_refresher_token_refresh_errors_total{reason="invalid_client"}') ?? 0) >= 1);
  assert.equal(metricValue(metrics, 'token_refresher_up'), 0);
  assert.equal(metricValue(metrics, 'http_requests_total{code="503",handler="proxy",method="GET"}'), 1);
  await r.stop();
});

test('issuer killed mid-run: still serving until the token expires, then 503, then recovery after restart', async () => {
  const own = track(await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'c', clientSecret: SECRET, tokenTTL: '4s' }] }));
  const r = track(await startRefresherProc({ issuerUrl: own.issuerUrl, clientId: 'c', clientSecret: SECRET, upstreamUrl: prom.url }));
  await own.proc.kill('SIGKILL');
  const killedAt = Date.now();
  const expiry = metricValue((await get(`${r.internalUrl}/metrics`)).text, 'token_refresher_token_expiry_timestamp_seconds')! * 1000;
  // Until one second before expiry (the skew), requests keep working with the held token.
  while (Date.now() < expiry - 1500) {
    const res = await get(`${r.proxyUrl}/api/v1/query?query=vector(1)`);
    assert.equal(res.status, 200, `at ${Date.now() - killedAt} ms after the kill: ${res.text}`);
    await new Promise((s) => setTimeout(s, 200));
  }
  await waitUntil(async () => (await get(`${r.proxyUrl}/api/v1/query?query=vector(1)`)).status === 503, 5000, '503 after expiry');
  const res = await get(`${r.proxyUrl}/api/v1/query?query=vector(1)`);
  assert.equal(res.json!.errorType, 'token_unavailable');
  assert.equal(res.json!.reason, 'issuer_unreachable');
  assert.equal((await get(`${r.internalUrl}/ready`)).status, 503);
  const again = track(await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'c', clientSecret: SECRET, tokenTTL: '4s' }], port: own.port }));
  await waitUntil(async () => (await get(`${r.proxyUrl}/api/v1/query?query=vector(1)`)).status === 200, 5000, 'recovery');
  await r.stop();
  await again.stop();
});

test('upstream on a closed port: 502 upstream_unreachable, reason refused', async () => {
  const port = await freePort();
  const r = track(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'fleet-manager', clientSecret: SECRET, upstreamUrl: `http://127.0.0.1:${port}` }));
  const res = await get(`${r.proxyUrl}/api/v1/query?query=up`);
  assert.equal(res.status, 502);
  assert.equal(res.json!.errorType, 'upstream_unreachable');
  assert.equal(res.json!.reason, 'refused');
  assert.equal(res.json!.hop, 'token-refresher');
  await r.stop();
});

test('upstream that accepts and never answers: 504 upstream_timeout within the timeout', async () => {
  const sockets: Socket[] = [];
  const blackHole: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((res) => blackHole.listen(0, '127.0.0.1', res));
  const port = (blackHole.address() as { port: number }).port;
  const r = track(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'fleet-manager', clientSecret: SECRET, upstreamUrl: `http://127.0.0.1:${port}`, args: ['--upstream.timeout', '1s'] }));
  const t0 = Date.now();
  const res = await get(`${r.proxyUrl}/api/v1/query?query=up`);
  const took = Date.now() - t0;
  assert.equal(res.status, 504);
  assert.equal(res.json!.errorType, 'upstream_timeout');
  assert.equal(res.json!.reason, 'headers_timeout');
  assert.ok(took >= 900 && took < 3000, `took ${took} ms`);
  const metrics = (await get(`${r.internalUrl}/metrics`)).text;
  assert.equal(metricValue(metrics, 'token_refresher_upstream_failures_total{reason="timeout"}'), 1);
  await r.stop();
  for (const s of sockets) s.destroy();
  blackHole.close();
});

test('a caller that goes away: the upstream call is cut, nothing counted as an upstream failure, the refresher keeps serving', async () => {
  // An upstream that answers only after 1.5 s, and notes when the refresher's connection closes first.
  let cut = 0;
  const slow = createHttpServer((req, res) => {
    const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}'), 1500);
    res.on('close', () => {
      if (!res.writableFinished) cut++;
      clearTimeout(timer);
    });
  });
  await new Promise<void>((res) => slow.listen(0, '127.0.0.1', res));
  const port = (slow.address() as { port: number }).port;
  const r = track(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'fleet-manager', clientSecret: SECRET, upstreamUrl: `http://127.0.0.1:${port}` }));
  try {
    const leaving = await Promise.allSettled(Array.from({ length: 5 }, () => fetch(`${r.proxyUrl}/api/v1/query?query=up`, { signal: AbortSignal.timeout(300) })));
    assert.ok(leaving.every((x) => x.status === 'rejected'));
    await waitUntil(() => cut === 5, 5000, `the refresher cut its 5 upstream calls (cut ${cut})`);
    const res = await get(`${r.proxyUrl}/api/v1/query?query=up`);
    assert.equal(res.status, 200, res.text);
    const metrics = (await get(`${r.internalUrl}/metrics`)).text;
    assert.doesNotMatch(metrics, /^token_refresher_upstream_failures_total\{/m);
    assert.equal(metricValue(metrics, 'http_requests_total{code="200",handler="proxy",method="GET"}'), 1);
  } finally {
    await r.stop();
    slow.close();
  }
});

test('--file mode writes a verifiable token atomically and replaces it on refresh; key rotation at the issuer is followed', async () => {
  const file = join(dir.path, 'token');
  const r = track(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'short-lived', clientSecret: SECRET, args: ['--file', file] }));
  await waitUntil(() => readFileSync(file, 'utf8').startsWith('ey'), 5000, 'token file');
  const first = readFileSync(file, 'utf8');
  const jwks = createRemoteJWKSet(new URL(`${issuer.issuerUrl}/jwks`), { cooldownDuration: 0 });
  const { payload } = await jwtVerify(first, jwks, { issuer: issuer.issuerUrl, audience: 'observatorium-telemeter' });
  assert.equal(payload.client_id, 'short-lived');
  const rotated = (await (await fetch(`${issuer.baseUrl}/admin/rotate-keys`, { method: 'POST' })).json()) as { kid: string };
  await waitUntil(() => decodeProtectedHeader(readFileSync(file, 'utf8')).kid === rotated.kid, 5000, 'token signed with the rotated key');
  await jwtVerify(readFileSync(file, 'utf8'), jwks, { issuer: issuer.issuerUrl });
  assert.notEqual(readFileSync(file, 'utf8'), first);
  await r.stop();
});

test('a slow issuer is cut off by --oidc.timeout: 503 issuer_timeout, and the process keeps serving its answer fast', async () => {
  const slow = track(await startIssuerProc({ dir: dir.path, clients, extraArgs: ['--token-delay', '3s'] }));
  const r = track(await startRefresherProc({ issuerUrl: slow.issuerUrl, clientId: 'fleet-manager', clientSecret: SECRET, upstreamUrl: prom.url, waitReady: false, args: ['--oidc.timeout', '500ms'] }));
  await waitUntil(async () => (await get(`${r.internalUrl}/ready`)).json?.cause === 'issuer_timeout', 5000, 'issuer_timeout');
  const t0 = Date.now();
  const res = await get(`${r.proxyUrl}/api/v1/query?query=up`);
  assert.ok(Date.now() - t0 < 1000, 'a request never waits longer than one bounded token call');
  assert.equal(res.status, 503);
  assert.equal(res.json!.reason, 'issuer_timeout');
  await r.stop();
  await slow.stop();
});

test('large bodies stream both ways unchanged', async () => {
  const { createServer: createHttp } = await import('node:http');
  const { createHash } = await import('node:crypto');
  const up = createHttp((req, res) => {
    const h = createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => { h.update(c); n += c.length; });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-received-bytes': String(n), 'x-received-sha256': h.digest('hex') });
      // 8 MiB response in 64 KiB chunks.
      const chunk = Buffer.alloc(64 * 1024, 7);
      let left = 128;
      const pump = () => { while (left > 0) { left--; if (!res.write(chunk)) return void res.once('drain', pump); } res.end(); };
      pump();
    });
  });
  await new Promise<void>((ok) => up.listen(0, '127.0.0.1', ok));
  const port = (up.address() as { port: number }).port;
  const r = track(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'fleet-manager', clientSecret: SECRET, upstreamUrl: `http://127.0.0.1:${port}` }));
  const payload = Buffer.alloc(5 * 1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  const res = await fetch(`${r.proxyUrl}/api/v1/receive`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array(payload) });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-received-bytes'), String(payload.length));
  assert.equal(res.headers.get('x-received-sha256'), createHash('sha256').update(payload).digest('hex'));
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(body.length, 8 * 1024 * 1024);
  assert.ok(body.every((b) => b === 7));
  await r.stop();
  up.close();
});

test('a missing required value fails at start with a message naming it', async () => {
  const proc = startObspath(['token-refresher', '--oidc.issuer-url', issuer.issuerUrl, '--url', prom.url], { CLIENT_ID: '', CLIENT_SECRET: '', OIDC_CLIENT_ID: '', OIDC_CLIENT_SECRET: '' });
  const code = await new Promise<number | null>((res) => proc.child.once('exit', (c) => res(c)));
  assert.equal(code, 2);
  assert.match(proc.output(), /--oidc\.client-id \(not set: use --oidc\.client-id or env OIDC_CLIENT_ID or env CLIENT_ID\)/);
  assert.match(proc.output(), /--oidc\.client-secret/);
  const none = startObspath(['token-refresher', '--oidc.issuer-url', issuer.issuerUrl, '--oidc.client-id', 'x'], { CLIENT_SECRET: 'y', URL: '', UPSTREAM_URL: '', OBSERVATORIUM_URL: '', FILE: '' });
  assert.equal(await new Promise<number | null>((res) => none.child.once('exit', (c) => res(c))), 2);
  assert.match(none.output(), /nothing to do: give --url/);
});

test('the client secret never appears in any log line or in /metrics', async () => {
  // Runs last: every process above (including the failing ones) has written its logs by now.
  const r = track(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'fleet-manager', clientSecret: SECRET, upstreamUrl: prom.url, args: ['--log.level', 'debug'] }));
  await get(`${r.proxyUrl}/api/v1/query?query=up`);
  const metrics = (await get(`${r.internalUrl}/metrics`)).text;
  assert.ok(!metrics.includes(SECRET));
  const all = outputs.map((o) => o()).join('\n');
  assert.ok(all.length > 1000, 'the processes wrote logs');
  assert.ok(!all.includes(SECRET), 'a log line contains the client secret');
  assert.ok(!all.includes(Buffer.from(`fleet-manager:${SECRET}`).toString('base64')), 'a log line contains the basic-auth header');
});
