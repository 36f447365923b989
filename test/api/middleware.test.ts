// The API's middlewares one by one, in-process (fastify inject): each answers its own refusal (status,
// headers, Prometheus-shaped body naming the hop, the reject reason counted), and they run in the Go
// API's order: tenant -> authentication -> rate limit -> authorization -> enforcement + backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, snapshot, startHarness } from './chain-harness.js';
import type { OidcAuthenticator } from '../../src/api/authentication/oidc.js';

const Q = '/api/metrics/v1/alpha/api/v1/query?query=up';

test('tenant: an unknown tenant is 404 naming it, before any token is looked at', async () => {
  const h = await startHarness();
  const r = await h.app.inject({ url: '/api/metrics/v1/nope/api/v1/query?query=up', headers: { 'x-request-id': 'rid-1' } });
  assert.equal(r.statusCode, 404);
  assert.deepEqual(r.json(), { status: 'error', errorType: 'not_found', error: 'api: unknown tenant "nope": not in the tenants configuration', hop: 'api', reason: 'unknown_tenant', tenant: 'nope', requestId: 'rid-1' });
  assert.equal(await h.rejected('not_found'), 1);
  assert.equal(h.backend.reads.length, 0);
  await h.app.close();
});

test('tenant: the request keeps the configuration it started with across a reload', async () => {
  const h = await startHarness();
  // The reload lands while the caller is being authenticated: RBAC must still be the old snapshot's.
  const auth = h.config.snapshot.tenants.get('alpha')!.auth as OidcAuthenticator;
  const authenticate = auth.authenticate.bind(auth);
  auth.authenticate = async (token: string) => {
    h.config.snapshot = snapshot({ rbac: { roles: [], roleBindings: [] } });
    return authenticate(token);
  };
  const r = await h.app.inject({ url: Q, headers: bearer('ok-reader') });
  assert.equal(r.statusCode, 200, r.body);
  const after = await h.app.inject({ url: Q, headers: bearer('ok-reader') });
  assert.equal(after.statusCode, 403, 'the next request sees the new configuration');
  await h.app.close();
});

test('authentication: a token the authenticator holds is admitted without verifying, with its cached identity', async () => {
  const h = await startHarness();
  const auth = h.config.snapshot.tenants.get('alpha')!.auth as OidcAuthenticator;
  const verified: string[] = [];
  const authenticate = auth.authenticate.bind(auth);
  auth.authenticate = (token: string) => {
    verified.push(token);
    return authenticate(token);
  };
  // The cache knows "ok-cached" as the reader (read only) and nothing else.
  auth.cachedIdentity = (token: string) => (token === 'ok-cached' ? { subject: 'reader', groups: [], expiresAt: Date.now() + 60_000 } : undefined);
  assert.equal((await h.app.inject({ url: Q, headers: bearer('ok-cached') })).statusCode, 200);
  const write = await h.app.inject({ method: 'POST', url: '/api/metrics/v1/alpha/api/v1/receive', headers: { ...bearer('ok-cached'), 'content-type': 'application/x-protobuf' }, payload: Buffer.from([1]) });
  assert.equal(write.statusCode, 403, 'RBAC decides on the cached identity');
  assert.equal(write.json().subject, 'reader');
  assert.deepEqual(verified, [], 'a cached token is not verified again');
  // A token not held goes through verification, and its refusal is still the 401 it was.
  assert.equal((await h.app.inject({ url: Q, headers: bearer('forged') })).statusCode, 401);
  assert.deepEqual(verified, ['forged']);
  assert.equal(h.backend.reads.length, 1);
  await h.app.close();
});

test('authentication: missing and malformed headers are 401 with a Bearer challenge', async () => {
  const h = await startHarness();
  const none = await h.app.inject({ url: Q });
  assert.equal(none.statusCode, 401);
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="alpha"');
  assert.equal(none.json().reason, 'missing_token');
  assert.equal(none.json().hop, 'auth');
  assert.equal(none.json().error, 'auth: no bearer token for tenant "alpha": send Authorization: Bearer <token>');
  for (const header of ['Basic abc', 'Bearer', 'Bearer a b', 'token']) {
    const bad = await h.app.inject({ url: Q, headers: { authorization: header } });
    assert.equal(bad.statusCode, 401, header);
    assert.equal(bad.json().reason, 'malformed_header', header);
    assert.equal(bad.headers['www-authenticate'], 'Bearer realm="alpha", error="invalid_request"');
  }
  assert.equal(await h.rejected('auth'), 5);
  await h.app.close();
});

test('authentication: X-Forwarded-Access-Token stands in for Authorization', async () => {
  const h = await startHarness();
  const r = await h.app.inject({ url: Q, headers: { 'x-forwarded-access-token': 'ok-reader' } });
  assert.equal(r.statusCode, 200, r.body);
  await h.app.close();
});

test('authentication: an invalid token is 401 invalid_token with a header-safe description; unavailable keys are 503', async () => {
  const h = await startHarness();
  const bad = await h.app.inject({ url: Q, headers: bearer('forged') });
  assert.equal(bad.statusCode, 401);
  assert.equal(bad.json().reason, 'bad_signature');
  assert.equal(bad.json().error, 'auth: invalid token for tenant "alpha" (bad_signature): signature "does not" verify\n');
  assert.equal(bad.headers['www-authenticate'], `Bearer realm="alpha", error="invalid_token", error_description="bad_signature: signature 'does not' verify'"`);
  const down = await h.app.inject({ url: Q, headers: bearer('down') });
  assert.equal(down.statusCode, 503);
  assert.equal(down.headers['retry-after'], '5');
  assert.equal(down.json().errorType, 'unavailable');
  assert.equal(down.json().reason, 'jwks_unreachable');
  assert.equal(await h.rejected('auth'), 1);
  assert.equal(await h.rejected('auth_unavailable'), 1);
  await h.app.close();
});

test('rate limit: a spent budget is 429 with Retry-After and X-RateLimit-*; only authenticated requests spend it', async () => {
  const h = await startHarness({ snapshot: snapshot({ rateLimits: [{ endpoint: /\/api\/v1\/query$/, limit: 2, windowMs: 60_000 }] }) });
  // Authentication runs first: refused tokens do not take from the budget.
  for (let i = 0; i < 3; i++) assert.equal((await h.app.inject({ url: Q, headers: bearer('forged') })).statusCode, 401);
  assert.equal((await h.app.inject({ url: Q, headers: bearer('ok-reader') })).statusCode, 200);
  assert.equal((await h.app.inject({ url: Q, headers: bearer('ok-reader') })).statusCode, 200);
  const over = await h.app.inject({ url: Q, headers: bearer('ok-reader') });
  assert.equal(over.statusCode, 429);
  assert.equal(over.json().reason, 'rate_limited');
  assert.match(over.json().error, /^api: rate limit of tenant "alpha" exceeded: 2 requests per 60s on /);
  assert.equal(over.headers['x-ratelimit-limit'], '2');
  assert.equal(over.headers['x-ratelimit-remaining'], '0');
  assert.ok(Number(over.headers['retry-after']) >= 1);
  assert.ok(over.headers['x-ratelimit-reset'] !== undefined);
  // Another endpoint has no limit.
  assert.equal((await h.app.inject({ url: '/api/metrics/v1/alpha/api/v1/labels', headers: bearer('ok-reader') })).statusCode, 200);
  assert.equal(await h.rejected('ratelimit'), 1);
  await h.app.close();
});

test('rate limit runs before authorization: forbidden callers spend the budget too', async () => {
  const h = await startHarness({ snapshot: snapshot({ rateLimits: [{ endpoint: /.*/, limit: 1, windowMs: 60_000 }] }) });
  assert.equal((await h.app.inject({ url: Q, headers: bearer('ok-stranger') })).statusCode, 403);
  assert.equal((await h.app.inject({ url: Q, headers: bearer('ok-stranger') })).statusCode, 429);
  await h.app.close();
});

test('authorization: 403 names the subject, its groups and the missing permission', async () => {
  const h = await startHarness();
  const w = await h.app.inject({ method: 'POST', url: '/api/metrics/v1/alpha/api/v1/receive', headers: { ...bearer('ok-reader:team-a,team-b'), 'content-type': 'application/x-protobuf' }, payload: Buffer.from([1]) });
  assert.equal(w.statusCode, 403);
  assert.deepEqual({ ...(w.json() as object), requestId: undefined }, {
    status: 'error', errorType: 'forbidden', error: 'auth: subject "reader" (groups: team-a, team-b) has no "write" permission on metrics of tenant "alpha"',
    hop: 'auth', reason: 'rbac_denied', subject: 'reader', tenant: 'alpha', permission: 'write', requestId: undefined,
  });
  assert.equal((await h.app.inject({ url: Q, headers: bearer('ok-reader') })).statusCode, 200);
  assert.equal((await h.app.inject({ url: Q, headers: bearer('ok-someone:writers') })).statusCode, 200);
  assert.equal(await h.rejected('rbac'), 1);
  assert.equal(h.backend.writes.length, 0);
  await h.app.close();
});

test('in-flight cap: requests beyond --middleware.concurrent-request-limit are 429 at once; the gauge follows', async () => {
  const h = await startHarness({ concurrentRequestLimit: 1 });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const read = h.backend.read.bind(h.backend);
  h.backend.read = async (call) => {
    await held;
    return read(call);
  };
  const first = h.app.inject({ url: Q, headers: bearer('ok-reader') });
  while ((await h.metrics.inflight.get()).values[0]!.value < 1) await new Promise((r) => setTimeout(r, 5));
  const second = await h.app.inject({ url: Q, headers: bearer('ok-reader') });
  assert.equal(second.statusCode, 429);
  assert.equal(second.headers['retry-after'], '1');
  assert.equal(second.json().error, 'api: server capacity exceeded: more than 1 requests in flight (--middleware.concurrent-request-limit)');
  release();
  assert.equal((await first).statusCode, 200);
  assert.equal((await h.app.inject({ url: Q, headers: bearer('ok-reader') })).statusCode, 200, 'the slot is free again');
  assert.equal((await h.metrics.inflight.get()).values[0]!.value, 0);
  assert.equal(await h.rejected('limit'), 1);
  await h.app.close();
});

test('errors: a body over --web.max-body-size is 413 naming the flag; a crash is 500; backend errors count as backend', async () => {
  const h = await startHarness({ maxBodySize: 64 });
  const big = await h.app.inject({ method: 'POST', url: '/api/metrics/v1/alpha/api/v1/query', headers: { ...bearer('ok-reader'), 'content-type': 'application/x-www-form-urlencoded' }, payload: `query=${'x'.repeat(100)}` });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().error, 'api: request body larger than 64 bytes (--web.max-body-size)');
  assert.equal(await h.rejected('limit'), 1);
  h.backend.read = async () => {
    throw new Error('kaput');
  };
  const crash = await h.app.inject({ url: Q, headers: bearer('ok-reader') });
  assert.equal(crash.statusCode, 500);
  assert.equal(crash.json().error, 'api: internal error: kaput');
  assert.equal(crash.json().hop, 'api');
  await h.app.close();
});

test('request metrics: every answer is counted with its handler, code, method and tenant', async () => {
  const h = await startHarness();
  await h.app.inject({ url: Q, headers: bearer('ok-reader') });
  await h.app.inject({ url: Q });
  await h.app.inject({ url: '/api/metrics/v1/nope/api/v1/labels' });
  const counts = (await h.metrics.http.requests.get()).values.map((v) => `${v.labels.handler} ${v.labels.code} ${v.labels.method} ${v.labels.tenant} ${v.value}`).sort();
  assert.deepEqual(counts, ['label_names 404 GET  1', 'query 200 GET aaaa-1111 1', 'query 401 GET aaaa-1111 1']);
  await h.app.close();
});
