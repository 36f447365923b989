// TLS clients (src/http/tls-client.ts, net-errors.ts): the failures a client meets are named (unknown CA,
// host-name mismatch, expired, a refused client certificate), and the real chain refresher -> API -> store
// runs over TLS with --upstream.ca-file and --metrics.tls.*, the store wanting a client certificate.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { classifyNetworkError, describeNetFailure, type TlsFailureCause } from '../../src/http/net-errors.js';
import { loadClientTls } from '../../src/http/tls-client.js';
import { CLIENTS, SECRET, TENANT_A, startApiProc } from '../../tools/testing/api.js';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, type Proc } from '../../tools/testing/procs.js';
import { startIssuerProc, startRefresherProc, type IssuerProc } from '../../tools/testing/stack.js';
import { issueCert, loopbackServerCert, makeCa, type Ca, type CertFiles } from '../../tools/testing/tls.js';

let dir: { path: string; cleanup: () => Promise<void> };
let ca: Ca;
let issuer: IssuerProc;

before(async () => {
  dir = await tempDir('obspath-tlsc-');
  ca = makeCa(dir.path);
  issuer = await startIssuerProc({ dir: dir.path, clients: CLIENTS });
});
after(async () => {
  await issuer?.stop();
  await dir.cleanup();
});

/** A bare Node https server with `cert` (no checks of ours, so an expired certificate can be served). */
async function rawServer(cert: CertFiles, opts: { requestCert?: boolean } = {}): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: cert.cert, key: cert.key, ca: ca.cert, requestCert: opts.requestCert ?? false, rejectUnauthorized: opts.requestCert ?? false }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port };
}

async function failureOf(port: number, connect: Record<string, unknown>): Promise<{ cause?: TlsFailureCause; text: string }> {
  const agent = new Agent({ connect });
  try {
    await request(`https://127.0.0.1:${port}/`, { dispatcher: agent });
    return { text: 'no failure' };
  } catch (err) {
    const f = classifyNetworkError(err);
    return { cause: f.tls, text: describeNetFailure(f) };
  } finally {
    await agent.close();
  }
}

test('TLS failures are named: unknown authority, host-name mismatch, expired; a refused client is a handshake failure or a reset', async () => {
  const good = loopbackServerCert(ca, 'c-good');
  const wrongHost = issueCert(ca, 'c-wronghost', { cn: 'elsewhere.example', dns: ['elsewhere.example'], usage: 'server' });
  const expired = issueCert(ca, 'c-expired', { cn: 'localhost', ips: ['127.0.0.1'], usage: 'server', notBefore: new Date('2020-01-01'), notAfter: new Date('2020-01-02') });
  const servers = await Promise.all([rawServer(good), rawServer(wrongHost), rawServer(expired), rawServer(good, { requestCert: true })]);
  try {
    const [g, w, e, m] = servers.map((s) => s.port) as [number, number, number, number];
    const unknown = await failureOf(g, {});
    assert.equal(unknown.cause, 'unknown_authority', unknown.text);
    assert.match(unknown.text, /^tls: certificate signed by an unknown authority \(give the CA file\) \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)$/);
    assert.deepEqual(await failureOf(w, { ca: ca.cert }), { cause: 'hostname_mismatch', text: 'tls: certificate is not valid for this host name (ERR_TLS_CERT_ALTNAME_INVALID)' });
    assert.deepEqual(await failureOf(e, { ca: ca.cert }), { cause: 'expired', text: 'tls: certificate has expired (CERT_HAS_EXPIRED)' });
    // A server refusing the client (no certificate): under TLS 1.2 a generic handshake alert; under TLS 1.3
    // the refusal arrives after the client's handshake is done, and undici sees a reset.
    assert.equal((await failureOf(m, { ca: ca.cert, maxVersion: 'TLSv1.2' })).text, 'tls: TLS handshake failed (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE)');
    assert.equal((await failureOf(m, { ca: ca.cert })).text, 'reset (UND_ERR_SOCKET)');
    assert.equal((await failureOf(g, { ca: ca.cert })).text, 'no failure');
  } finally {
    for (const s of servers) s.server.close();
  }
});

test('client TLS files are checked at start, naming the flag', () => {
  const flags = { ca: '--metrics.tls.ca-file', cert: '--metrics.tls.cert-file', key: '--metrics.tls.key-file' };
  const client = issueCert(ca, 'c-client', { cn: 'api', usage: 'client' });
  assert.equal(loadClientTls({}, flags), undefined);
  assert.throws(() => loadClientTls({ certFile: client.certFile }, flags), /--metrics.tls.key-file is required with --metrics.tls.cert-file/);
  assert.throws(() => loadClientTls({ caFile: join(dir.path, 'nope.crt') }, flags), /--metrics.tls.ca-file: cannot read .*nope\.crt: ENOENT/);
  assert.throws(() => loadClientTls({ caFile: client.keyFile }, flags), /--metrics.tls.ca-file .*no PEM certificate found/);
  const ok = loadClientTls({ caFile: ca.certFile, certFile: client.certFile, keyFile: client.keyFile }, flags)!;
  assert.ok(ok.ca && ok.cert && ok.key);
});

async function startTlsStore(cert: CertFiles): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const proc = startObspath(['store', '--storage.path', join(dir.path, `store-${port}`), '--web.listen', `127.0.0.1:${port}`, '--tls.server.cert-file', cert.certFile, '--tls.server.key-file', cert.keyFile,
    '--tls.client-auth-type', 'RequireAndVerifyClientCert', '--tls.server.client-ca-file', ca.certFile, '--log.level', 'warn']);
  const url = `https://127.0.0.1:${port}`;
  const client = issueCert(ca, `store-probe-${port}`, { cn: 'probe', usage: 'client' });
  const agent = new Agent({ connect: { ca: ca.cert, cert: client.cert, key: client.key } });
  const ready = async () => request(`${url}/-/ready`, { dispatcher: agent }).then((r) => (r.body.resume(), r.statusCode === 200), () => false);
  try {
    await waitUntil(ready, 20_000, `store ready\n${proc.output()}`);
  } catch (err) {
    await proc.stop();
    throw err;
  } finally {
    await agent.close();
  }
  return { proc, url };
}

test('refresher -> API -> store, every hop over TLS, the store wanting the API\'s client certificate; a missing CA is a named 502', async () => {
  const serverCert = loopbackServerCert(ca, 'e2e-server');
  const apiClient = issueCert(ca, 'e2e-api-client', { cn: 'api', usage: 'client' });
  const running: Array<{ stop(): Promise<void> }> = [];
  const started = <T extends { stop(): Promise<void> }>(x: T): T => (running.push(x), x);
  try {
    const store = started(await startTlsStore(serverCert).then((x) => ({ ...x, stop: () => x.proc.stop() })));
    const tlsArgs = ['--tls.server.cert-file', serverCert.certFile, '--tls.server.key-file', serverCert.keyFile];
    const backend = ['--metrics.read.endpoint', store.url, '--metrics.write.endpoint', `${store.url}/api/v1/write`, '--metrics.tls.ca-file', ca.certFile];
    const api = started(await startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, waitReady: false, args: [...tlsArgs, ...backend, '--metrics.tls.cert-file', apiClient.certFile, '--metrics.tls.key-file', apiClient.keyFile] }));
    const apiNoClientCert = started(await startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, waitReady: false, args: [...tlsArgs, ...backend] }));
    const apiUrl = (a: { url: string }) => `${a.url.replace('http:', 'https:')}/api/metrics/v1/${TENANT_A.name}`;
    const refresher = started(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'alpha-writer', clientSecret: SECRET, upstreamUrl: apiUrl(api), args: ['--upstream.ca-file', ca.certFile, '--log.level', 'warn'] }));
    const noCa = started(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'alpha-writer', clientSecret: SECRET, upstreamUrl: apiUrl(api), args: ['--log.level', 'warn'] }));
    const toNoClientCert = started(await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'alpha-writer', clientSecret: SECRET, upstreamUrl: apiUrl(apiNoClientCert), args: ['--upstream.ca-file', ca.certFile, '--log.level', 'warn'] }));
    await waitUntil(() => httpOk(`${api.internalUrl}/ready`), 20_000, `api ready over TLS to the store\n${api.proc.output()}`);
    const ok = await fetch(`${refresher.proxyUrl}/api/v1/query?query=vector(1)`);
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal(((await ok.json()) as { status: string }).status, 'success');

    const unknownCa = await fetch(`${noCa.proxyUrl}/api/v1/query?query=vector(1)`);
    const body = (await unknownCa.json()) as Record<string, string>;
    assert.equal(unknownCa.status, 502);
    assert.equal(body.hop, 'token-refresher');
    assert.equal(body.tls, 'unknown_authority');
    assert.match(body.error!, /cannot reach upstream .*: tls: certificate signed by an unknown authority/);

    const refused = await fetch(`${toNoClientCert.proxyUrl}/api/v1/query?query=vector(1)`);
    const refusedBody = (await refused.json()) as Record<string, string>;
    assert.equal(refused.status, 502, JSON.stringify(refusedBody));
    assert.equal(refusedBody.hop, 'backend');
    // TLS 1.3: the store's refusal arrives after the handshake, so the API sees the connection closed.
    assert.match(refusedBody.error!, /cannot reach backend .*: (tls: the server refused our client certificate|reset)/);
  } finally {
    await Promise.all(running.map((r) => r.stop()));
  }
});
