// The instrumented Observatorium client against Debian's Prometheus, through the real token refresher, and
// against small loopback servers for the cases Prometheus cannot produce (405 fallback, warnings, silence, TLS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { ObservatoriumClient, ObservatoriumError } from '../../src/client/index.js';
import { freePort, tempDir } from '../../tools/testing/net.js';
import { startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS } from '../../tools/testing/remote-write.js';
import { metricValue, startIssuerProc, startRefresherProc, type IssuerProc } from '../../tools/testing/stack.js';

const SECRET = 'client-test-secret-4411';
let dir: { path: string; cleanup: () => Promise<void> };
let prom: Backend;
let issuer: IssuerProc;
const cleanups: Array<() => Promise<unknown>> = [];
const NOW = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;

before(async () => {
  dir = await tempDir();
  [prom, issuer] = await Promise.all([
    startPrometheus(),
    startIssuerProc({ dir: dir.path, clients: [{ clientID: 'kfm', clientSecret: SECRET, audience: ['observatorium-telemeter'] }] }),
  ]);
  // Ten minutes of one series at 30 s, and a NaN / +Inf series, written with remote write.
  const samples: Array<[number, number]> = Array.from({ length: 21 }, (_, i) => [NOW - 10 * 60_000 + i * 30_000, i]);
  const body = encodeTestWriteRequest([
    { labels: { __name__: 'client_test_gauge', namespace: 'kafka-abc', pod: 'p0' }, samples },
    { labels: { __name__: 'client_test_special', kind: 'nan' }, samples: [[NOW, NaN]] },
    { labels: { __name__: 'client_test_special', kind: 'inf' }, samples: [[NOW, Infinity]] },
  ]);
  const res = await fetch(`${prom.url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body });
  assert.equal(res.status, 204, await res.text());
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  await issuer.stop();
  await prom.stop();
  await dir.cleanup();
});

function newClient(baseUrl: string, opts: Partial<ConstructorParameters<typeof ObservatoriumClient>[0]> = {}) {
  const registry = opts.registry ?? new Registry();
  const client = new ObservatoriumClient({ baseUrl, registry, target: 'backend', ...opts });
  cleanups.push(() => client.close());
  return { client, registry };
}

async function rejection(p: Promise<unknown>): Promise<ObservatoriumError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ObservatoriumError, `expected ObservatoriumError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

function listenHttp(handler: (req: IncomingMessage, body: string, res: import('node:http').ServerResponse) => void): Promise<{ url: string; server: HttpServer }> {
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => handler(req, body, res));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    cleanups.push(() => new Promise((r) => { server.closeAllConnections(); server.close(r); }));
    resolve({ url: `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`, server });
  }));
}

test('query, query_range, scalar, string, series, labels and label values against Prometheus, typed', async () => {
  const { client, registry } = newClient(prom.url);
  const v = await client.queryVector('client_test_gauge{namespace="kafka-abc"}', { timeMs: NOW });
  assert.equal(v.data.result.length, 1);
  assert.deepEqual(v.data.result[0], { metric: { __name__: 'client_test_gauge', namespace: 'kafka-abc', pod: 'p0' }, timestampMs: NOW, value: 20 });

  const m = await client.queryRange('client_test_gauge', { startMs: NOW - 10 * 60_000, endMs: NOW, stepS: 60 });
  assert.equal(m.data.resultType, 'matrix');
  assert.deepEqual(m.data.result[0]!.values.map((p) => p.value), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  assert.equal(m.data.result[0]!.values[0]!.timestampMs, NOW - 10 * 60_000);

  const special = await client.queryVector('client_test_special', { timeMs: NOW });
  const byKind = Object.fromEntries(special.data.result.map((s) => [s.metric.kind, s.value]));
  assert.ok(Number.isNaN(byKind.nan));
  assert.equal(byKind.inf, Infinity);

  const scalar = await client.query('1.5', { timeMs: NOW });
  assert.deepEqual(scalar.data, { resultType: 'scalar', result: { timestampMs: NOW, value: 1.5 } });
  const str = await client.query('"hello"', { timeMs: NOW });
  assert.deepEqual(str.data, { resultType: 'string', result: { timestampMs: NOW, value: 'hello' } });

  const series = await client.series(['client_test_gauge'], { startMs: NOW - 60_000, endMs: NOW });
  assert.deepEqual(series.data, [{ __name__: 'client_test_gauge', namespace: 'kafka-abc', pod: 'p0' }]);
  const labels = await client.labels({ matchers: ['client_test_gauge'], startMs: NOW - 60_000, endMs: NOW });
  assert.deepEqual(labels.data, ['__name__', 'namespace', 'pod']);
  const values = await client.labelValues('kind', { matchers: ['client_test_special'], startMs: NOW - 60_000, endMs: NOW });
  assert.deepEqual(values.data, ['inf', 'nan']);

  await assert.rejects(client.queryRange('1', { startMs: NOW - 60_000, endMs: NOW, stepS: 30 }).then(() => client.queryVector('1')), /expected vector/);

  const text = await registry.metrics();
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="200",method="POST",path="/api/v1/query"}'), 5);
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="200",method="POST",path="/api/v1/query_range"}'), 2);
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="200",method="GET",path="/api/v1/label/kind/values"}'), 1);
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_duration_bucket{le="0.1",code="200",method="POST",path="/api/v1/query"}'), 5);
  assert.match(text, /kas_fleet_manager_observatorium_request_duration_bucket\{le="30",/);
});

test('Prometheus error bodies become typed errors with errorType, status and who answered', async () => {
  const { client, registry } = newClient(prom.url);
  const err = await rejection(client.query('sum(', { timeMs: NOW }));
  assert.equal(err.kind, 'http');
  assert.equal(err.status, 400);
  assert.equal(err.errorType, 'bad_data');
  assert.equal(err.hop, undefined);
  assert.match(err.message, /^bad_data: .*parse error/);
  assert.equal(err.describe(), 'metrics backend answered 400 bad_data');
  assert.equal(metricValue(await registry.metrics(), 'kas_fleet_manager_observatorium_request_count{code="400",method="POST",path="/api/v1/query"}'), 1);

  // A non-API page (HTML 404) is client_golang's client_error, with the body excerpt kept.
  const wrong = newClient(`${prom.url}/nothing-here`).client;
  const e404 = await rejection(wrong.query('up'));
  assert.equal(e404.status, 404);
  assert.equal(e404.errorType, 'client_error');
});

test('POST answered 405 or 501 is retried as GET with the form in the query string; both attempts counted, path without query', async () => {
  const seen: string[] = [];
  const { url } = await listenHttp((req, body, res) => {
    seen.push(`${req.method} ${req.url} ${body}`);
    if (req.method === 'POST') {
      res.writeHead(req.url!.includes('query_range') ? 501 : 405).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
      status: 'success', warnings: ['partial response'], infos: ['info one'],
      data: req.url!.includes('query_range')
        ? { resultType: 'matrix', result: [{ metric: { a: 'b' }, values: [[1700000000, '-Inf'], [1700000030.5, '2']] }] }
        : { resultType: 'vector', result: [{ metric: {}, value: [1700000000.123, '+Inf'] }] },
    }));
  });
  const { client, registry } = newClient(url);
  const v = await client.queryVector('up{a="b c"}', { timeMs: 1_700_000_000_000 });
  assert.deepEqual(v.data.result, [{ metric: {}, timestampMs: 1_700_000_000_123, value: Infinity }]);
  assert.deepEqual(v.warnings, ['partial response']);
  assert.deepEqual(v.infos, ['info one']);
  const m = await client.queryRange('up', { startMs: 1_700_000_000_000, endMs: 1_700_000_030_000, stepS: 30 });
  assert.deepEqual(m.data.result[0]!.values, [{ timestampMs: 1_700_000_000_000, value: -Infinity }, { timestampMs: 1_700_000_030_500, value: 2 }]);
  assert.equal(seen[0], 'POST /api/v1/query query=up%7Ba%3D%22b+c%22%7D&time=1700000000');
  assert.equal(seen[1], 'GET /api/v1/query?query=up%7Ba%3D%22b+c%22%7D&time=1700000000 ');
  const text = await registry.metrics();
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="405",method="POST",path="/api/v1/query"}'), 1);
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="200",method="GET",path="/api/v1/query"}'), 1);
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="501",method="POST",path="/api/v1/query_range"}'), 1);
  assert.doesNotMatch(text, /path="[^"]*\?/);
});

test('2xx bodies that are not Prometheus JSON, or "status":"error" in a 200, are typed too', async () => {
  const { url } = await listenHttp((req, _b, res) => {
    if (req.url!.includes('query_range')) res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    else res.writeHead(200).end(JSON.stringify({ status: 'error', errorType: 'execution', error: 'query timed out' }));
  });
  const { client } = newClient(url);
  const html = await rejection(client.queryRange('up', { startMs: 0, endMs: 1000, stepS: 1 }));
  assert.equal(html.kind, 'bad_response');
  assert.match(html.describe(), /metrics backend answered 200 with an unreadable body: not a Prometheus API answer: <html>login/);
  const exec = await rejection(client.query('up'));
  assert.deepEqual([exec.kind, exec.status, exec.errorType, exec.message], ['http', 200, 'execution', 'execution: query timed out']);
});

test('nothing listening: code 0, reason refused, counted once per attempt', async () => {
  const port = await freePort();
  const { client, registry } = newClient(`http://127.0.0.1:${port}`, { target: 'token-refresher' });
  const err = await rejection(client.queryRange('up', { startMs: 0, endMs: 1000, stepS: 1 }));
  assert.deepEqual([err.kind, err.status, err.reason, err.hop, err.code], ['network', 0, 'refused', 'token-refresher', 'ECONNREFUSED']);
  assert.equal(err.describe(), 'no response from token refresher: connection refused (refused)');
  const text = await registry.metrics();
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="0",method="POST",path="/api/v1/query_range"}'), 1);
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_failures_total{path="/api/v1/query_range",reason="refused"}'), 1);
});

test('a peer that accepts and never answers: code 0, reason timeout, within the timeout; a cancelled call is "aborted"', async () => {
  const sockets: Socket[] = [];
  const silent: Server = createNetServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  cleanups.push(async () => { sockets.forEach((s) => s.destroy()); await new Promise((r) => silent.close(r)); });
  const url = `http://127.0.0.1:${(silent.address() as import('node:net').AddressInfo).port}`;
  const { client, registry } = newClient(url, { target: 'token-refresher', timeoutMs: 400 });
  const t0 = Date.now();
  const err = await rejection(client.query('up'));
  const took = Date.now() - t0;
  assert.ok(took >= 390 && took < 1500, `took ${took} ms`);
  assert.deepEqual([err.status, err.reason, err.errorType], [0, 'timeout', 'timeout']);
  assert.equal(err.describe(), 'no response from token refresher after 400ms (timeout)');

  const ac = new AbortController();
  setTimeout(() => ac.abort(), 50);
  const aborted = await rejection(client.query('up', { signal: ac.signal }));
  assert.equal(aborted.reason, 'aborted');
  const text = await registry.metrics();
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="0",method="POST",path="/api/v1/query"}'), 2);
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_failures_total{path="/api/v1/query",reason="timeout"}'), 1);
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_failures_total{path="/api/v1/query",reason="aborted"}'), 1);
  assert.match(text, /kas_fleet_manager_observatorium_request_duration_bucket\{le="1",code="0",method="POST",path="\/api\/v1\/query"\} 2/);
});

test('headers arrive but the body stalls: the real status is recorded, the call fails as a timeout naming it', async () => {
  const { url, server } = await listenHttp((_req, _b, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"status":"success","data":');
  });
  const { client, registry } = newClient(url, { target: 'token-refresher', timeoutMs: 300 });
  const err = await rejection(client.query('up'));
  server.closeAllConnections();
  assert.deepEqual([err.kind, err.status, err.reason], ['network', 200, 'timeout']);
  assert.equal(err.describe(), 'token refresher answered 200 but its body did not arrive in full within 300ms (timeout)');
  const text = await registry.metrics();
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="200",method="POST",path="/api/v1/query"}'), 1);
  assert.doesNotMatch(text, /request_failures_total\{/, 'failures count only requests without a response (code 0)');
});

test('TLS: a self-signed server is a tls failure; --observatorium-ignore-ssl applies to that client only', async () => {
  const key = join(dir.path, 'key.pem');
  const cert = join(dir.path, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => { server.closeAllConnections(); server.close(r); }));
  const url = `https://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  const registry = new Registry();
  const strict = newClient(url, { registry }).client;
  const err = await rejection(strict.query('1'));
  assert.deepEqual([err.status, err.reason], [0, 'tls']);
  const insecure = newClient(url, { registry, insecureSkipVerify: true }).client;
  assert.equal((await insecure.query('1')).data.resultType, 'scalar');
  // The strict client (and the process) still verify: skipping was scoped to the other client.
  assert.equal((await rejection(strict.query('1'))).reason, 'tls');
  await assert.rejects(fetch(url), /fetch failed/);
  const text = await registry.metrics();
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_failures_total{path="/api/v1/query",reason="tls"}'), 2);
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="200",method="POST",path="/api/v1/query"}'), 1);
  // A CA file works instead of skipping verification.
  assert.equal((await newClient(url, { registry, ca: readFileSync(cert) }).client.query('1')).data.resultType, 'scalar');
});

test('through the real token refresher: answers from Prometheus; a wrong secret is 503 token_unavailable (invalid_client) from the refresher', async () => {
  const good = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'kfm', clientSecret: SECRET, upstreamUrl: prom.url, args: ['--oidc.audience', 'observatorium-telemeter', '--log.level', 'warn'] });
  const bad = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'kfm', clientSecret: 'not-the-secret', upstreamUrl: prom.url, waitReady: false, args: ['--log.level', 'warn'] });
  cleanups.push(() => good.stop(), () => bad.stop());
  const registry = new Registry();
  const viaGood = newClient(good.proxyUrl, { registry, target: 'token-refresher' }).client;
  const r = await viaGood.queryRange('client_test_gauge', { startMs: NOW - 60_000, endMs: NOW, stepS: 30 });
  assert.deepEqual(r.data.result[0]!.values.map((p) => p.value), [18, 19, 20]);
  const e400 = await rejection(viaGood.query('sum('));
  assert.equal(e400.describe(), 'upstream of the token refresher answered 400 bad_data');

  const viaBad = newClient(bad.proxyUrl, { registry, target: 'token-refresher' }).client;
  const err = await rejection(viaBad.query('up'));
  assert.deepEqual([err.status, err.errorType, err.hop, err.reason], [503, 'token_unavailable', 'token-refresher', 'invalid_client']);
  assert.equal(err.describe(), 'token refresher answered 503 token_unavailable (invalid_client)');
  assert.ok(err.upstreamRequestId, 'the refresher request id is kept to find its log line');
  const text = await registry.metrics();
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="503",method="POST",path="/api/v1/query"}'), 1);
  assert.equal(metricValue(text, 'kas_fleet_manager_observatorium_request_count{code="200",method="POST",path="/api/v1/query_range"}'), 1);
});

test('two clients registered into one registry share the series', async () => {
  const registry = new Registry();
  const a = newClient(prom.url, { registry }).client;
  const b = newClient(prom.url, { registry }).client;
  await a.query('1');
  await b.query('1');
  assert.equal(metricValue(await registry.metrics(), 'kas_fleet_manager_observatorium_request_count{code="200",method="POST",path="/api/v1/query"}'), 2);
  assert.throws(() => new ObservatoriumClient({ baseUrl: 'ftp://x', registry }), /http/);
});
