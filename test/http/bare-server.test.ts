// The bare node:http server (src/http/bare-server.ts) that the token refresher's proxy runs on: the same
// contract as createHttpApp (request ids, JSON errors naming the hop, draining, TLS with reload), plus the
// paths it adds: a caller that goes away reaches the handler (onAbort), and a request body the handler left
// partly read is drained so that the kept-alive connection serves the next request.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { copyFileSync } from 'node:fs';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { Registry } from 'prom-client';
import { BareServer, type BareHandler } from '../../src/http/bare-server.js';
import { HttpError } from '../../src/http/errors.js';
import { listen } from '../../src/http/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir, waitUntil } from '../../tools/testing/net.js';
import { loopbackServerCert, makeCa, type Ca } from '../../tools/testing/tls.js';

const logger = createLogger({ component: 'test', level: 'silent' });
let dir: { path: string; cleanup: () => Promise<void> };
let ca: Ca;
before(async () => {
  dir = await tempDir('obspath-bare-');
  ca = makeCa(dir.path);
});
after(async () => dir.cleanup());

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function call(url: string, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: HttpAgent } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${opts.path ?? '/'}`, { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function serve(handler: BareHandler, answered?: Array<[number, string]>): Promise<{ server: BareServer; url: string }> {
  const server = new BareServer({ logger, hop: 'token-refresher', onAnswered: (status, method) => answered?.push([status, method]) }, handler);
  const { url } = await listen(server, '127.0.0.1:0');
  return { server, url };
}

test('request ids in and out, JSON errors naming the hop, bad targets answered as fastify did, answers counted', async () => {
  const answered: Array<[number, string]> = [];
  const { server, url } = await serve((ex) => {
    if (ex.req.url === '/boom') throw new HttpError(503, 'token_unavailable', 'no token', { hop: 'token-refresher', reason: 'invalid_client', headers: { 'retry-after': '1' } });
    if (ex.req.url === '/crash') return Promise.reject(new Error('kaput'));
    ex.writeHead(200, { 'content-type': 'text/plain' });
    ex.res.end('ok');
  }, answered);
  try {
    const ok = await call(url, { path: '/x', headers: { 'x-request-id': 'abc-123' } });
    assert.deepEqual([ok.status, ok.body, ok.headers['x-request-id']], [200, 'ok', 'abc-123']);
    const fresh = await call(url, { path: '/x', headers: { 'x-request-id': 'bad id with spaces' } });
    assert.match(String(fresh.headers['x-request-id']), /^[0-9a-f-]{36}$/);

    const boom = await call(url, { path: '/boom', headers: { 'x-request-id': 'id-1' } });
    assert.equal(boom.status, 503);
    assert.equal(boom.headers['retry-after'], '1');
    assert.deepEqual(JSON.parse(boom.body), { status: 'error', errorType: 'token_unavailable', error: 'no token', hop: 'token-refresher', reason: 'invalid_client', requestId: 'id-1' });

    const crash = await call(url, { path: '/crash' });
    const crashBody = JSON.parse(crash.body) as Record<string, unknown>;
    assert.deepEqual([crash.status, crashBody.errorType, crashBody.hop, crashBody.requestId], [500, 'internal', 'token-refresher', crash.headers['x-request-id']]);
    assert.match(String(crashBody.error), /internal error: kaput/);

    const badEncoding = await call(url, { path: '/api/v1/label/%zz/values' });
    const badBody = JSON.parse(badEncoding.body) as Record<string, unknown>;
    assert.deepEqual([badEncoding.status, badBody.errorType, badBody.hop, badBody.requestId], [400, 'bad_data', 'token-refresher', badEncoding.headers['x-request-id']]);
    assert.equal(answered.length, 5);
    assert.deepEqual(answered[2], [503, 'GET']);
  } finally {
    await server.close();
  }
});

test('Node\'s refusals (malformed request) get the JSON shape too', async () => {
  const { server, url } = await serve((ex) => {
    ex.res.end();
  });
  try {
    const port = Number(new URL(url).port);
    const raw = await new Promise<string>((resolve, reject) => {
      const s = netConnect(port, '127.0.0.1', () => s.write('NOT HTTP\r\n\r\n'));
      let text = '';
      s.on('data', (c) => (text += String(c)));
      s.on('close', () => resolve(text));
      s.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.match(raw, /"hop":"token-refresher"/);
  } finally {
    await server.close();
  }
});

test('a caller that goes away before the answer reaches onAbort; nothing is counted as answered', async () => {
  const answered: Array<[number, string]> = [];
  let aborted = 0;
  const { server, url } = await serve((ex) => {
    ex.onAbort = () => aborted++;
    // Never answers: the caller gives up.
  }, answered);
  try {
    const req = httpRequest(`${url}/slow`);
    req.on('error', () => {});
    req.end();
    await new Promise((r) => setTimeout(r, 200));
    req.destroy();
    await waitUntil(() => aborted === 1, 5000, 'onAbort after the caller left');
    assert.equal(answered.length, 0);
  } finally {
    await server.close();
  }
});

test('a body the handler left partly read is drained: the kept-alive connection serves the next request', { timeout: 30_000 }, async () => {
  const { server, url } = await serve((ex) => {
    // Reads one chunk at most, then answers (as an upstream that refuses early).
    ex.req.once('data', () => ex.req.pause());
    ex.writeHead(401, { 'content-type': 'text/plain' });
    ex.res.end('no');
  });
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  try {
    const big = Buffer.alloc(4 << 20, 1);
    for (let i = 0; i < 3; i++) {
      const r = await call(url, { method: 'POST', path: '/up', body: big, agent });
      assert.equal(r.status, 401);
    }
    assert.equal((await call(url, { path: '/after', agent })).status, 401);
  } finally {
    agent.destroy();
    await server.close();
  }
});

test('draining: an answer in flight when close() begins is sent with Connection: close, and close() waits for it', async () => {
  let release: (() => void) | undefined;
  const { server, url } = await serve((ex) => {
    release = () => {
      ex.writeHead(200, { 'content-type': 'text/plain' });
      ex.res.end('late');
    };
  });
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  try {
    const pending = call(url, { path: '/slow', agent });
    await waitUntil(() => release !== undefined, 5000, 'the request reached the handler');
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(closed, false, 'close() waits for the request in flight');
    release!();
    const r = await pending;
    assert.deepEqual([r.status, r.body, r.headers.connection], [200, 'late', 'close']);
    await closing;
  } finally {
    agent.destroy();
  }
});

test('TLS: served, and the certificate is reloaded from disk', async () => {
  const first = loopbackServerCert(ca, 'bare-a');
  const second = loopbackServerCert(ca, 'bare-b');
  const certFile = join(dir.path, 'bare.crt');
  const keyFile = join(dir.path, 'bare.key');
  copyFileSync(first.certFile, certFile);
  copyFileSync(first.keyFile, keyFile);
  const registry = new Registry();
  const settings = { certFile, keyFile, minVersion: 'VersionTLS12', maxVersion: 'VersionTLS13', cipherSuites: [], clientAuthType: 'NoClientCert', reloadIntervalMs: 100 } as const;
  const server = new BareServer({ logger, hop: 'token-refresher', tls: { settings: { ...settings, cipherSuites: [] }, listener: 'web', registry } }, (ex) => {
    ex.writeHead(200, { 'content-type': 'text/plain' });
    ex.res.end('tls');
  });
  const { url } = await listen(server, '127.0.0.1:0');
  const serial = () => new Promise<string>((resolve, reject) => {
    const req = httpsRequest(`${url}/`, { agent: new HttpsAgent({ ca: ca.cert, keepAlive: false }) }, (res) => {
      const s = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
      res.resume();
      res.on('end', () => resolve(s));
    });
    req.on('error', reject);
    req.end();
  });
  try {
    assert.ok(url.startsWith('https://'));
    const before = await serial();
    copyFileSync(second.keyFile, keyFile);
    copyFileSync(second.certFile, certFile);
    let now = before;
    await waitUntil(async () => (now = await serial()) !== before, 10_000, 'the reloaded certificate served');
    assert.match(await registry.getSingleMetricAsString('obspath_tls_certificate_reloads_total'), /listener="web",result="success"\} 1/);
  } finally {
    await server.close();
  }
});

test('the access log: one line per answer with the request id first, the same whether the handler logged or not', async () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ component: 'token-refresher', level: 'info', destination });
  const server = new BareServer({ logger: log, hop: 'token-refresher' }, (ex) => {
    if (ex.req.url === '/talk') ex.log.info('handler line');
    if (ex.req.url === '/fail') throw new HttpError(502, 'upstream_unreachable', 'down', { hop: 'token-refresher' });
    ex.writeHead(200, {});
    ex.res.end();
  });
  const { url } = await listen(server, '127.0.0.1:0');
  try {
    await call(url, { path: '/quiet?q=1', headers: { 'x-request-id': 'quiet-1' } });
    await call(url, { path: '/talk', headers: { 'x-request-id': 'talk-1' } });
    await call(url, { path: '/fail', headers: { 'x-request-id': 'fail-1' } });
    await waitUntil(() => lines.filter((l) => l.includes('"msg":"request"')).length === 3, 5000, `access lines\n${lines.join('')}`);
  } finally {
    await server.close();
  }
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const access = parsed.filter((l) => l.msg === 'request');
  const keys = ['level', 'time', 'component', 'reqId', 'method', 'path', 'status', 'durationMs', 'remote', 'msg'];
  for (const l of access) assert.deepEqual(Object.keys(l), keys);
  assert.deepEqual(access.map((l) => [l.level, l.reqId, l.path, l.status, l.remote]), [
    ['info', 'quiet-1', '/quiet', 200, '127.0.0.1'], ['info', 'talk-1', '/talk', 200, '127.0.0.1'], ['warn', 'fail-1', '/fail', 502, '127.0.0.1'],
  ]);
  assert.equal(parsed.find((l) => l.msg === 'handler line')?.reqId, 'talk-1');
});
