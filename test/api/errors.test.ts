// Every refusal of `obspath api`, against real processes: JWT attacks and token problems (401 with the
// reason, never 500), unknown tenant (404), RBAC (403), issuer down (503, then recovery), rate limits and
// the in-flight cap (429), body limit (413), deadline (504), backend refused (502), key rotation, SIGHUP
// reload, and the metrics that count all of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT, importPKCS8, base64url, exportJWK } from 'jose';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS } from '../../tools/testing/remote-write.js';
import { metricValue, startIssuerProc, type IssuerProc } from '../../tools/testing/stack.js';
import { AUDIENCE, CLIENTS, RBAC_YAML, TENANT_A, call, getToken, startApiProc, tenantsYaml, type ApiProc } from '../../tools/testing/api.js';

let dir: { path: string; cleanup: () => Promise<void> };
let issuer: IssuerProc;
let other: IssuerProc;
let prom: Backend;
let api: ApiProc;
let slow: Server;
let slowUrl: string;
let privatePem: string;
let publicPem: string;
const stops: Array<() => Promise<void>> = [];

before(async () => {
  dir = await tempDir('obspath-api-err-');
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await writeFile(join(dir.path, 'key.pem'), privatePem, { mode: 0o600 });
  // A backend that answers after 1.5 s (for the deadline and in-flight tests).
  slow = createServer((req, res) => {
    req.resume();
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resultType":"vector","result":[]}}'), 1500);
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  slowUrl = `http://127.0.0.1:${(slow.address() as { port: number }).port}`;
  [issuer, other, prom] = await Promise.all([
    startIssuerProc({ dir: dir.path, clients: CLIENTS, extraArgs: ['--signing-key', join(dir.path, 'key.pem')] }),
    startIssuerProc({ dir: dir.path, clients: CLIENTS }),
    startPrometheus(),
  ]);
  stops.push(() => issuer.stop(), () => other.stop(), () => prom.stop());
  const rateLimits = '    rateLimits:\n      - endpoint: "/api/metrics/v1/alpha/api/v1/labels"\n        limit: 2\n        window: 30s\n';
  api = await startApiProc({
    dir: dir.path, issuerUrl: issuer.issuerUrl, tenants: tenantsYaml(issuer.issuerUrl, { rateLimits }),
    args: ['--metrics.read.endpoint', prom.url, '--metrics.write.endpoint', `${prom.url}/api/v1/write`, '--oidc.clock-skew', '0s', '--web.max-body-size', '4KiB'],
  });
  stops.push(() => api.stop());
});

after(async () => {
  await Promise.all(stops.map((s) => s()));
  await new Promise((r) => slow.close(r));
  await dir.cleanup();
});

const queryUrl = () => `${api.url}/api/metrics/v1/${TENANT_A.name}/api/v1/query?query=up`;

async function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key = privatePem): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'alpha-writer', groups: ['alpha-rw'], ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'file-key', ...header })
    .setIssuer(String(claims.iss ?? issuer.issuerUrl))
    .setAudience(String(claims.aud ?? AUDIENCE))
    .setIssuedAt(now)
    .setExpirationTime(Number(claims.exp ?? now + 300))
    .sign(await importPKCS8(key, 'RS256'));
}

function raw(header: object, payload: object, sig: string): string {
  return `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}.${sig}`;
}

async function expect401(token: string | undefined, reason: string, what: string, headers: Record<string, string> = {}) {
  const r = await call(queryUrl(), { token, headers });
  assert.equal(r.status, 401, `${what}: ${r.status} ${r.text}`);
  assert.equal(r.json?.errorType, 'unauthorized', what);
  assert.equal(r.json?.hop, 'auth', what);
  assert.equal(r.json?.reason, reason, `${what}: ${r.text}`);
  assert.match(r.json!.error as string, /^auth: /);
  assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm="alpha"/, what);
  assert.ok(r.headers.get('x-request-id'), what);
}

test('a forged token signed with the real key verifies (the attack tests below are meaningful)', async () => {
  const r = await call(queryUrl(), { token: await forge({}) });
  assert.equal(r.status, 200, r.text);
});

test('JWT attacks and token problems are 401 with the reason, never 500', async () => {
  const now = Math.floor(Date.now() / 1000);
  const good = await forge({});
  const [h, p, s] = good.split('.');
  const claims = { iss: issuer.issuerUrl, aud: AUDIENCE, sub: 'alpha-writer', groups: ['alpha-rw'], exp: now + 300 };
  await expect401(undefined, 'missing_token', 'no token');
  await expect401(undefined, 'malformed_header', 'basic auth', { authorization: 'Basic YTpi' });
  await expect401('a.b.c', 'malformed', 'garbage');
  await expect401(raw({ alg: 'none', typ: 'JWT' }, claims, ''), 'alg_not_allowed', 'alg none');
  const hsInput = `${base64url.encode(JSON.stringify({ alg: 'HS256', kid: 'file-key' }))}.${base64url.encode(JSON.stringify(claims))}`;
  await expect401(`${hsInput}.${base64url.encode(createHmac('sha256', publicPem).update(hsInput).digest())}`, 'alg_not_allowed', 'HS256 signed with the public key');
  await expect401(`${h}.${base64url.encode(JSON.stringify({ ...claims, groups: ['beta-rw', 'alpha-rw'], sub: 'admin' }))}.${s}`, 'bad_signature', 'tampered payload');
  await expect401(`${h}.${p}.${s!.slice(0, -4)}AAAA`, 'bad_signature', 'tampered signature');
  const foreign = await getToken(other.issuerUrl, 'alpha-writer');
  await expect401(foreign, 'unknown_key', 'kid of another issuer');
  const [, fp, fs] = foreign.split('.');
  await expect401(`${h}.${fp}.${fs}`, 'bad_signature', 'another issuer\'s token relabelled with our kid');
  const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const jwk = await exportJWK(await importPKCS8(attacker, 'RS256', { extractable: true }));
  await expect401(await forge({}, { jwk: { kty: jwk.kty, n: jwk.n, e: jwk.e } }, attacker), 'bad_signature', 'embedded jwk header');
  await expect401(await forge({}, { kid: undefined, jku: 'http://127.0.0.1:1/jwks' }, attacker), 'bad_signature', 'jku header and no kid');
  await expect401(await forge({}, { pad: 'x'.repeat(10_000) }), 'too_large', 'oversized header');
  await expect401(await forge({ exp: now - 60 }), 'expired', 'expired');
  await expect401(await forge({ nbf: now + 600 }), 'not_yet_valid', 'nbf in the future');
  await expect401(await forge({ iss: 'http://127.0.0.1:1/auth/realms/evil' }), 'wrong_issuer', 'wrong issuer');
  await expect401(await forge({ aud: 'someone-else' }), 'wrong_audience', 'wrong audience (forged)');
  await expect401(await getToken(issuer.issuerUrl, 'other-aud'), 'wrong_audience', 'wrong audience (real token)');
  await expect401(await forge({ sub: '' }), 'missing_claim', 'empty subject');
  const m = await call(`${api.internalUrl}/metrics`);
  assert.ok((metricValue(m.text, `observatorium_api_requests_rejected_total{reason="auth",handler="query",tenant="${TENANT_A.id}"}`) ?? 0) >= 18, `auth rejections counted: ${m.text.split("\n").filter((l) => l.startsWith("observatorium_api_requests_rejected")).join("\n")}`);
  assert.equal(metricValue(m.text, `http_requests_total{group="metricsv1",handler="query",code="500",method="GET",tenant="${TENANT_A.id}"}`), undefined);
});

test('a cached token still expires on time', async () => {
  const token = await getToken(issuer.issuerUrl, 'short', { fresh: true });
  const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
  assert.equal((await call(queryUrl(), { token })).status, 200);
  assert.equal((await call(queryUrl(), { token })).status, 200);
  await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()) + 300));
  await expect401(token, 'expired', 'cached token past exp');
});

test('unknown tenant 404, RBAC 403 naming subject, tenant and permission, unknown path 404, wrong method 405', async () => {
  const writer = await getToken(issuer.issuerUrl, 'alpha-writer');
  const unknown = await call(`${api.url}/api/metrics/v1/gamma/api/v1/query?query=up`, { token: writer });
  assert.equal(unknown.status, 404);
  assert.match(unknown.json!.error as string, /unknown tenant "gamma"/);
  const nobody = await call(queryUrl(), { token: await getToken(issuer.issuerUrl, 'nobody') });
  assert.equal(nobody.status, 403);
  assert.equal(nobody.json!.errorType, 'forbidden');
  assert.match(nobody.json!.error as string, /subject "nobody" has no "read" permission on metrics of tenant "alpha"/);
  const readerWrite = await call(`${api.url}/api/metrics/v1/alpha/api/v1/receive`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: encodeTestWriteRequest([{ labels: { __name__: 'x' }, samples: [[Date.now(), 1]] }]), token: await getToken(issuer.issuerUrl, 'alpha-reader') });
  assert.equal(readerWrite.status, 403);
  assert.match(readerWrite.json!.error as string, /"alpha-reader" has no "write" permission/);
  const beta = await call(`${api.url}/api/metrics/v1/beta/api/v1/query?query=up`, { token: writer });
  assert.equal(beta.status, 403);
  for (const path of ['/api/metrics/v1/alpha/api/v1/status/config', '/api/metrics/v1/alpha/graph', '/api/metrics/v1/alpha/api/v1/query/x', '/federate']) {
    const r = await call(`${api.url}${path}`, { token: writer });
    assert.equal(r.status, 404, path);
    assert.equal(r.json!.status, 'error');
  }
  const del = await call(queryUrl(), { method: 'DELETE', token: writer });
  assert.equal(del.status, 405);
  assert.equal(del.headers.get('allow'), 'GET, POST');
  const badq = await call(`${api.url}/api/metrics/v1/alpha/api/v1/query?query=${encodeURIComponent('sum(rate(up[5m])')}`, { token: writer });
  assert.equal(badq.status, 400);
  assert.equal(badq.json!.errorType, 'bad_data');
  assert.match(badq.json!.error as string, /^invalid parameter "query": 1:\d+: parse error: /);
  const m = (await call(`${api.internalUrl}/metrics`)).text;
  assert.ok((metricValue(m, `observatorium_api_requests_rejected_total{reason="rbac",handler="query",tenant="${TENANT_A.id}"}`) ?? 0) >= 1);
  assert.ok((metricValue(m, 'observatorium_api_requests_rejected_total{reason="not_found",handler="query",tenant=""}') ?? 0) >= 1);
});

test('rate limit 429 with Retry-After; body limit 413; bad remote-write bodies 400', async () => {
  const token = await getToken(issuer.issuerUrl, 'alpha-writer');
  const labels = `${api.url}/api/metrics/v1/alpha/api/v1/labels`;
  assert.equal((await call(labels, { token })).status, 200);
  assert.equal((await call(labels, { token })).status, 200);
  const limited = await call(labels, { token });
  assert.equal(limited.status, 429);
  assert.equal(limited.json!.errorType, 'too_many_requests');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  assert.equal(limited.headers.get('x-ratelimit-limit'), '2');
  assert.equal((await call(queryUrl(), { token })).status, 200, 'other endpoints are not limited');
  const big = await call(`${api.url}/api/metrics/v1/alpha/api/v1/receive`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: randomBytes(8192), token });
  assert.equal(big.status, 413, big.text);
  assert.equal(big.json!.errorType, 'request_too_large');
  const junk = await call(`${api.url}/api/metrics/v1/alpha/api/v1/receive`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: Buffer.from('not snappy at all'), token });
  assert.equal(junk.status, 400, junk.text);
  assert.match(junk.json!.error as string, /snappy/);
  const m = (await call(`${api.internalUrl}/metrics`)).text;
  assert.equal(metricValue(m, `observatorium_api_requests_rejected_total{reason="ratelimit",handler="label_names",tenant="${TENANT_A.id}"}`), 1);
  assert.equal(metricValue(m, `observatorium_api_requests_rejected_total{reason="limit",handler="receive",tenant="${TENANT_A.id}"}`), 1);
});

test('issuer down at start: 503 and not ready, then ready and 200 once it is up; key rotation picked up', async () => {
  const port = await freePort();
  const late = `http://127.0.0.1:${port}/auth/realms/redhat-external`;
  const a = await startApiProc({ dir: dir.path, issuerUrl: late, args: ['--metrics.read.endpoint', prom.url], waitReady: false });
  let lateIssuer: IssuerProc | undefined;
  try {
    const ready = await call(`${a.internalUrl}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(ready.json!.reason, 'tenant_not_ready');
    const r = await call(`${a.url}/api/metrics/v1/alpha/api/v1/query?query=up`, { token: await forge({}) });
    assert.equal(r.status, 503, r.text);
    assert.equal(r.json!.hop, 'auth');
    assert.ok(r.headers.get('retry-after'));
    lateIssuer = await startIssuerProc({ dir: dir.path, clients: CLIENTS, port });
    await waitUntil(() => httpOk(`${a.internalUrl}/ready`), 15_000, 'api ready after the issuer came up');
    let token = await getToken(late, 'alpha-writer', { fresh: true });
    assert.equal((await call(`${a.url}/api/metrics/v1/alpha/api/v1/query?query=up`, { token })).status, 200);
    await fetch(`${lateIssuer.baseUrl}/admin/rotate-keys`, { method: 'POST' }).then((x) => x.arrayBuffer());
    token = await getToken(late, 'alpha-writer', { fresh: true });
    await waitUntil(async () => (await call(`${a.url}/api/metrics/v1/alpha/api/v1/query?query=up`, { token })).status === 200, 3000, 'rotated key accepted');
    const m = (await call(`${a.internalUrl}/metrics`)).text;
    assert.ok((metricValue(m, `observatorium_api_tenants_failed_registrations_total{tenant="${TENANT_A.id}",provider="oidc"}`) ?? 0) >= 1);
    // The issuer goes away: tokens signed with keys already held keep working.
    await lateIssuer.stop();
    assert.equal((await call(`${a.url}/api/metrics/v1/alpha/api/v1/query?query=up`, { token: await getToken(late, 'alpha-writer').catch(() => token) })).status, 200);
  } finally {
    await lateIssuer?.stop();
    await a.stop();
  }
});

test('backend refused 502, deadline 504, in-flight cap 429', async () => {
  const closed = await freePort();
  const token = await getToken(issuer.issuerUrl, 'alpha-writer');
  const [down, slowApi] = await Promise.all([
    startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, args: ['--metrics.read.endpoint', `http://127.0.0.1:${closed}`], waitReady: false }),
    startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, args: ['--metrics.read.endpoint', slowUrl, '--metrics.write-timeout', '700ms', '--middleware.concurrent-request-limit', '1'], waitReady: false }),
  ]);
  try {
    // Both are live; wait until their tenants are ready (the backends themselves never make them ready).
    for (const a of [down, slowApi]) await waitUntil(async () => (await call(`${a.internalUrl}/ready`)).json?.reason === 'backend_unreachable', 10_000, 'tenants ready');
    const r = await call(`${down.url}/api/metrics/v1/alpha/api/v1/query?query=up`, { token });
    assert.equal(r.status, 502, r.text);
    assert.equal(r.json!.errorType, 'upstream_unreachable');
    assert.equal(r.json!.hop, 'backend');
    assert.equal(r.json!.reason, 'refused');
    const ready = await call(`${down.internalUrl}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(ready.json!.reason, 'backend_unreachable');
    const q = `${slowApi.url}/api/metrics/v1/alpha/api/v1/query?query=up`;
    const [first, second] = await Promise.all([call(q, { token }), new Promise((res) => setTimeout(res, 200)).then(() => call(q, { token }))]);
    assert.equal(first.status, 504, first.text);
    assert.equal(first.json!.errorType, 'upstream_timeout');
    assert.equal(first.json!.hop, 'backend');
    assert.equal(second.status, 429, second.text);
    assert.match(second.json!.error as string, /capacity exceeded/);
    const m = (await call(`${slowApi.internalUrl}/metrics`)).text;
    assert.equal(metricValue(m, `http_requests_total{group="metricsv1",handler="query",code="504",method="GET",tenant="${TENANT_A.id}"}`), 1);
    assert.equal(metricValue(m, `observatorium_api_requests_rejected_total{reason="limit",handler="query",tenant="${TENANT_A.id}"}`), 1);
  } finally {
    await Promise.all([down.stop(), slowApi.stop()]);
  }
});

test('SIGHUP reloads RBAC without a restart; an invalid file keeps the previous configuration', async () => {
  const nobody = await getToken(issuer.issuerUrl, 'nobody');
  assert.equal((await call(queryUrl(), { token: nobody })).status, 403);
  await writeFile(api.rbacFile, `${RBAC_YAML}  - name: nobody-read\n    roles: [alpha-read]\n    subjects: [{ name: nobody, kind: user }]\n`);
  api.proc.child.kill('SIGHUP');
  await waitUntil(async () => (await call(queryUrl(), { token: nobody })).status === 200, 5000, 'nobody allowed after reload');
  await writeFile(api.rbacFile, 'roles: [{ name: x, bogus: 1 }]\n');
  api.proc.child.kill('SIGHUP');
  await waitUntil(async () => (metricValue((await call(`${api.internalUrl}/metrics`)).text, 'observatorium_api_config_reloads_total{result="failure"}') ?? 0) >= 1, 5000, 'failed reload counted');
  assert.equal((await call(queryUrl(), { token: nobody })).status, 200, 'previous configuration kept');
  assert.match(api.proc.output(), /rbac-\d+\.yaml[^\n]*roles\[0\][^\n]*configuration reload failed/);
});
