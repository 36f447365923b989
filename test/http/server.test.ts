import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { HttpError } from '../../src/http/errors.js';
import { classifyNetworkError } from '../../src/http/net-errors.js';
import { createHttpApp, listen, parseListenAddress } from '../../src/http/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePort } from '../../tools/testing/net.js';

const logger = createLogger({ component: 'test', level: 'silent' });

test('request ids are kept when sane, generated otherwise, and echoed on errors', async () => {
  const app = createHttpApp({ logger, hop: 'api' });
  app.get('/boom', async () => {
    throw new HttpError(503, 'token_unavailable', 'no token', { hop: 'token-refresher', reason: 'invalid_client', headers: { 'retry-after': '1' } });
  });
  app.get('/crash', async () => {
    throw new Error('kaput');
  });
  const a = await app.inject({ url: '/boom', headers: { 'x-request-id': 'abc-123' } });
  assert.equal(a.statusCode, 503);
  assert.equal(a.headers['x-request-id'], 'abc-123');
  assert.equal(a.headers['retry-after'], '1');
  assert.deepEqual(a.json(), { status: 'error', errorType: 'token_unavailable', error: 'no token', hop: 'token-refresher', reason: 'invalid_client', requestId: 'abc-123' });
  const b = await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'bad id with spaces' } });
  assert.equal(b.statusCode, 404);
  assert.match(String(b.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(b.json().errorType, 'not_found');
  assert.equal(b.json().requestId, b.headers['x-request-id']);
  const c = await app.inject({ url: '/crash' });
  assert.equal(c.statusCode, 500);
  assert.equal(c.json().status, 'error');
  await app.close();
});

test('oversized bodies get 413 in Prometheus error shape', async () => {
  const app = createHttpApp({ logger, hop: 'store', bodyLimit: 10 });
  app.post('/x', async () => ({ ok: true }));
  const r = await app.inject({ method: 'POST', url: '/x', payload: { much: 'too long for the limit' } });
  assert.equal(r.statusCode, 413);
  assert.equal(r.json().status, 'error');
  await app.close();
});

test('listen addresses parse like Go and bad ones are refused', () => {
  assert.deepEqual(parseListenAddress(':8080'), { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(parseListenAddress('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListenAddress('[::1]:9090'), { host: '::1', port: 9090 });
  assert.throws(() => parseListenAddress('8080'), /invalid listen address/);
  assert.throws(() => parseListenAddress('a:99999'), /out of range/);
});

test('listen reports the bound port', async () => {
  const app = createHttpApp({ logger, hop: 'api' });
  app.get('/', async () => 'hi');
  const addr = await listen(app, '127.0.0.1:0');
  assert.ok(addr.port > 0);
  const res = await fetch(addr.url);
  assert.equal(await res.text(), 'hi');
  await app.close();
});

test('transport errors are classified by cause', async () => {
  const port = await freePort();
  const refused = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
  assert.equal(classifyNetworkError(refused).reason, 'refused');

  const hang = createServer(() => undefined);
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  const hangPort = (hang.address() as { port: number }).port;
  const timedOut = await fetch(`http://127.0.0.1:${hangPort}/`, { signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
  assert.equal(classifyNetworkError(timedOut).reason, 'timeout');
  hang.close();

  assert.equal(classifyNetworkError(Object.assign(new Error('x'), { code: 'ENOTFOUND' })).reason, 'dns');
  assert.equal(classifyNetworkError(new Error('wrap', { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) })).reason, 'reset');
  assert.equal(classifyNetworkError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).reason, 'headers_timeout');
  assert.equal(classifyNetworkError(Object.assign(new Error('x'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).reason, 'tls');
  assert.equal(classifyNetworkError(new Error('plain')).reason, 'unknown');
});
