// Every listener's TLS (src/http/tls.ts, tls-reload.ts): served with observatorium's settings, refused at
// start with a bad certificate, reloaded from disk under load without a failed request, client-auth types.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { createHttpApp, listen } from '../../src/http/server.js';
import { TlsConfigError, type ServerTlsSettings } from '../../src/http/tls.js';
import { listenerTls } from '../../src/http/tls-flags.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir, waitUntil } from '../../tools/testing/net.js';
import { issueCert, loopbackServerCert, makeCa, type Ca } from '../../tools/testing/tls.js';
import { join } from 'node:path';
import { startObspath } from '../../tools/testing/procs.js';

const logger = createLogger({ component: 'test', level: 'silent' });
let dir: { path: string; cleanup: () => Promise<void> };
let ca: Ca;

before(async () => {
  dir = await tempDir('obspath-tls-');
  ca = makeCa(dir.path);
});
after(async () => dir.cleanup());

function settings(certFile: string, keyFile: string, extra: Partial<ServerTlsSettings> = {}): ServerTlsSettings {
  return { certFile, keyFile, minVersion: 'VersionTLS13', maxVersion: 'VersionTLS13', cipherSuites: [], clientAuthType: 'NoClientCert', reloadIntervalMs: 0, ...extra };
}

async function app(s: ServerTlsSettings, registry?: Registry): Promise<{ app: FastifyInstance; url: string }> {
  const a = createHttpApp({ logger, hop: 'api', accessLog: false, tls: { settings: s, listener: 'web', registry } });
  a.get('/hello', async () => ({ hello: 'tls' }));
  const { url } = await listen(a, '127.0.0.1:0');
  return { app: a, url };
}

/** One HTTPS GET; resolves with the status and the certificate the server showed. */
function get(url: string, opts: { ca?: string; cert?: string; key?: string; agent?: HttpsAgent; maxVersion?: 'TLSv1.2' } = {}): Promise<{ status: number; peer: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: opts.ca ?? ca.cert, cert: opts.cert, key: opts.key, agent: opts.agent ?? false, maxVersion: opts.maxVersion }, (res) => {
      const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, peer }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a listener with a certificate serves HTTPS (TLS 1.3 by default) and names https in its URL', async () => {
  const cert = loopbackServerCert(ca, 'web');
  const { app: a, url } = await app(settings(cert.certFile, cert.keyFile));
  try {
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await get(`${url}/hello`);
    assert.equal(res.status, 200);
    await assert.rejects(get(`${url}/hello`, { maxVersion: 'TLSv1.2' }), /protocol version|alert|SSL/i, 'a TLS 1.2 client is refused under --tls.min-version VersionTLS13');
  } finally {
    await a.close();
  }
});

test('a bad certificate is a clear error at start: expired, not yet valid, key of another certificate, garbage', () => {
  const expired = issueCert(ca, 'expired', { cn: 'localhost', dns: ['localhost'], notBefore: new Date('2020-01-01'), notAfter: new Date('2020-01-02') });
  assert.throws(() => createHttpApp({ logger, hop: 'api', tls: { settings: settings(expired.certFile, expired.keyFile), listener: 'web' } }), (e: Error) => e instanceof TlsConfigError && /expired at 2020-01-02/.test(e.message));
  const future = issueCert(ca, 'future', { cn: 'localhost', notBefore: new Date(Date.now() + 86400_000), notAfter: new Date(Date.now() + 2 * 86400_000) });
  assert.throws(() => createHttpApp({ logger, hop: 'api', tls: { settings: settings(future.certFile, future.keyFile), listener: 'web' } }), /not valid before/);
  const other = loopbackServerCert(ca, 'other');
  assert.throws(() => createHttpApp({ logger, hop: 'api', tls: { settings: settings(expired.certFile, other.keyFile), listener: 'web' } }), /is not the key of the certificate/);
  const garbage = join(dir.path, 'garbage.crt');
  writeFileSync(garbage, 'not a certificate');
  assert.throws(() => createHttpApp({ logger, hop: 'api', tls: { settings: settings(garbage, other.keyFile), listener: 'web' } }), /no PEM certificate found/);
  assert.throws(() => createHttpApp({ logger, hop: 'api', tls: { settings: settings(join(dir.path, 'missing.crt'), other.keyFile), listener: 'web' } }), /cannot read certificate .*ENOENT/);
  assert.throws(() => createHttpApp({ logger, hop: 'api', tls: { settings: settings(other.certFile, other.keyFile, { cipherSuites: ['TLS_BOGUS'] }), listener: 'web' } }), /unknown or unsupported cipher suite "TLS_BOGUS"/);
  assert.throws(() => listenerTls({ tlsServerCertFile: other.certFile, tlsMinVersion: 'VersionTLS13', tlsMaxVersion: 'VersionTLS13', tlsCipherSuites: [], tlsClientAuthType: 'NoClientCert', tlsReloadInterval: 0 }, 'web'), /--tls.server.key-file is required with --tls.server.cert-file/);
});

test('the certificate is reloaded from disk under load without a failed request; a broken file keeps the old one', async () => {
  const first = loopbackServerCert(ca, 'reload-a');
  const second = loopbackServerCert(ca, 'reload-b');
  const certFile = join(dir.path, 'live.crt');
  const keyFile = join(dir.path, 'live.key');
  copyFileSync(first.certFile, certFile);
  copyFileSync(first.keyFile, keyFile);
  const registry = new Registry();
  const { app: a, url } = await app(settings(certFile, keyFile, { reloadIntervalMs: 100 }), registry);
  const keepAlive = new HttpsAgent({ keepAlive: true, maxSockets: 4, ca: ca.cert });
  const serials = new Set<string>();
  let failed = 0;
  let ok = 0;
  let stop = false;
  const load = async (agent?: HttpsAgent) => {
    while (!stop) {
      try {
        const r = await get(`${url}/hello`, { agent });
        if (r.status === 200) ok++;
        else failed++;
        serials.add(r.peer.serialNumber);
      } catch {
        failed++;
      }
    }
  };
  try {
    const workers = [load(keepAlive), load(keepAlive), load(), load()];
    await waitUntil(() => ok > 50, 20_000, 'requests before the swap');
    const serialA = new Set(serials);
    copyFileSync(second.keyFile, keyFile);
    copyFileSync(second.certFile, certFile);
    const serialB = new X509Certificate(second.cert).serialNumber;
    await waitUntil(() => serials.has(serialB), 20_000, 'a new connection served the new certificate');
    writeFileSync(certFile, 'broken');
    await waitUntil(async () => (await registry.getSingleMetricAsString('obspath_tls_certificate_reloads_total')).includes('result="failure"'), 20_000, 'the reload failure counted');
    const okBefore = ok;
    await waitUntil(() => ok > okBefore + 20, 20_000, 'requests after the broken file');
    stop = true;
    await Promise.all(workers);
    assert.equal(failed, 0, 'no request failed during the reloads');
    assert.ok(serialA.size >= 1 && !serialA.has(serialB));
    const m = await registry.getSingleMetricAsString('obspath_tls_certificate_reloads_total');
    assert.match(m, /listener="web",result="success"\} 1/);
    const r = await get(`${url}/hello`);
    assert.equal(r.peer.serialNumber, serialB, 'still the last good certificate after a broken file');
  } finally {
    stop = true;
    keepAlive.destroy();
    await a.close();
  }
});

/** A raw TLS handshake and one request; resolves with the status line or rejects with why it failed. */
function rawRequest(port: number, client?: { cert: string; key: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca: ca.cert, servername: 'localhost', ...client }, () => s.write('GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.on('error', reject);
    s.on('close', () => (data ? resolve(data.split('\r\n')[0]!) : reject(new Error('closed without an answer'))));
  });
}

test('client-auth types: RequireAndVerifyClientCert, RequireAnyClientCert, VerifyClientCertIfGiven', async () => {
  const server = loopbackServerCert(ca, 'auth-srv');
  const client = issueCert(ca, 'auth-client', { cn: 'client', usage: 'client' });
  const otherCa = makeCa(dir.path, 'other-ca');
  const stranger = issueCert(otherCa, 'stranger', { cn: 'stranger', usage: 'client' });
  const cases: Array<[ServerTlsSettings['clientAuthType'], { none: boolean; good: boolean; stranger: boolean }]> = [
    ['RequireAndVerifyClientCert', { none: false, good: true, stranger: false }],
    ['RequireAnyClientCert', { none: false, good: true, stranger: true }],
    ['VerifyClientCertIfGiven', { none: true, good: true, stranger: false }],
    ['RequestClientCert', { none: true, good: true, stranger: true }],
  ];
  for (const [type, want] of cases) {
    const { app: a, url } = await app(settings(server.certFile, server.keyFile, { clientAuthType: type, clientCaFile: ca.certFile }));
    const port = Number(new URL(url).port);
    try {
      for (const [who, cred] of [['none', undefined], ['good', client], ['stranger', stranger]] as const) {
        const got = await rawRequest(port, cred).then((line) => line.includes('200'), () => false);
        assert.equal(got, want[who], `${type}, client certificate ${who}`);
      }
    } finally {
      await a.close();
    }
  }
  assert.throws(() => createHttpApp({ logger, hop: 'api', tls: { settings: settings(server.certFile, server.keyFile, { clientAuthType: 'RequireAndVerifyClientCert' }), listener: 'web' } }), /needs --tls.server.client-ca-file/);
});

test('obspath store over TLS: served with the flags; an expired certificate exits 2 naming it', async () => {
  const cert = loopbackServerCert(ca, 'store');
  const expired = issueCert(ca, 'store-expired', { cn: 'localhost', notBefore: new Date('2020-01-01'), notAfter: new Date('2020-01-02') });
  const bad = startObspath(['store', '--storage.path', join(dir.path, 'bad-store'), '--web.listen', '127.0.0.1:0', '--tls.server.cert-file', expired.certFile, '--tls.server.key-file', expired.keyFile]);
  const code = await new Promise<number | null>((resolve) => bad.child.once('exit', (c) => resolve(c)));
  assert.equal(code, 2, bad.output());
  assert.match(bad.output(), /obspath store: certificate .*store-expired\.crt expired at 2020-01-02/);

  const proc = startObspath(['store', '--storage.path', join(dir.path, 'store'), '--web.listen', '127.0.0.1:0', '--tls.server.cert-file', cert.certFile, '--tls.server.key-file', cert.keyFile]);
  try {
    await waitUntil(() => /"url":"https:\/\/127\.0\.0\.1:\d+"/.test(proc.output()), 20_000, 'store started');
    const url = /"url":"(https:\/\/127\.0\.0\.1:\d+)"/.exec(proc.output())![1]!;
    const res = await get(`${url}/-/ready`);
    assert.equal(res.status, 200);
  } finally {
    await proc.stop();
  }
});
