// The doctor's finer readings without a stack: 401s by reason (and the stale key confirmed only by a fresh
// token that works), the clock comparison of a fresh token and the issuer's Date header, tenant-not-registered
// from the URL probe, and probe timeouts derived from the hops' own deadlines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { ObservatoriumError, type ClientErrorFields } from '../../src/client/index.js';
import { clockSkewFinding } from '../../src/doctor/checks/clock-skew.js';
import { deadlinesFromArgs } from '../../src/doctor/live/hop-deadlines.js';
import { classifyCallError, urlNamesExpectedTenant } from '../../src/doctor/live/observatorium-health.js';
import { runLiveObservatoriumUrlCheck } from '../../src/doctor/live/observatorium-url.js';
import { DEFAULT_TIMEOUTS, liveCheckBoundMs, MAX_QUERY_MS, timeoutsFromHops } from '../../src/doctor/live/targets.js';

function httpError(fields: Partial<ClientErrorFields>): ObservatoriumError {
  return new ObservatoriumError({ kind: 'http', status: 401, errorType: 'unauthorized', hop: 'auth', target: 'token-refresher', method: 'GET', path: '/api/v1/query', durationMs: 3, timeoutMs: 4000, ...fields }, 'x');
}

test('401 by reason: each its own cause, or evidence only', () => {
  const cause = (reason: string | undefined, via: 'refresher' | 'direct' = 'refresher', ctx = {}) => classifyCallError(httpError({ reason }), via, ctx)?.cause;
  assert.equal(cause('unknown_key'), 'stale-signing-key');
  assert.equal(cause('bad_signature'), 'stale-signing-key');
  assert.equal(cause('expired'), 'clock-skew');
  assert.equal(cause('not_yet_valid'), 'clock-skew');
  assert.equal(cause('wrong_audience'), 'audience-mismatch');
  assert.equal(cause('wrong_issuer'), 'issuer-mismatch');
  assert.equal(cause('missing_token'), undefined);
  assert.equal(cause('missing_claim'), undefined);
  // A 401 without a reason (a Go API) is the audience only while step 3 has not shown that the audience matches.
  assert.equal(cause(undefined), 'audience-mismatch');
  assert.equal(cause(undefined, 'refresher', { audienceMatches: true }), undefined);
  assert.match(classifyCallError(httpError({ reason: 'unknown_key' }), 'refresher')!.what, /no longer publishes/);
});

test('404 unknown tenant: not registered when the URL is the API\'s own with the expected tenant, else the URL', () => {
  const e = httpError({ status: 404, errorType: 'not_found', hop: 'api', reason: 'unknown_tenant' });
  assert.equal(classifyCallError(e, 'direct', { urlNamesExpectedTenant: true })?.cause, 'tenant-not-registered');
  assert.equal(classifyCallError(e, 'direct', {})?.cause, 'wrong-observatorium-url');
  const api = 'http://127.0.0.1:9092/api/metrics/v1/managedkafka';
  assert.equal(urlNamesExpectedTenant({ observatoriumUrl: `${api}/`, expectedObservatoriumUrl: api, tenant: 'managedkafka' }), true);
  assert.equal(urlNamesExpectedTenant({ observatoriumUrl: `${api}-stage`, expectedObservatoriumUrl: api, tenant: 'managedkafka' }), false);
  assert.equal(urlNamesExpectedTenant({ observatoriumUrl: api.replace('9092', '9099'), expectedObservatoriumUrl: api, tenant: 'managedkafka' }), false);
});

test('clock: a fresh token expired on arrival, with the issuer\'s Date header agreeing, is confirmed skew', () => {
  const now = Date.parse('2026-12-03T16:00:00Z');
  const behind = clockSkewFinding({ receivedAtMs: now, iat: now / 1000 - 600, exp: now / 1000 - 300, issuerDate: { dateMs: now - 600_000, receivedAtMs: now } });
  assert.equal(behind?.confidence, 'confirmed');
  assert.equal(behind?.offsetSec, -600);
  assert.match(behind!.text, /600 s behind this machine's.*expired on arrival/);
  // Ahead without nbf: tokens still verify (the API does not check iat), so only a warning.
  const ahead = clockSkewFinding({ receivedAtMs: now, iat: now / 1000 + 120, exp: now / 1000 + 420 });
  assert.equal(ahead?.confidence, 'possible');
  assert.match(ahead!.text, /120 s ahead of/);
  const nbf = clockSkewFinding({ receivedAtMs: now, iat: now / 1000 + 120, nbf: now / 1000 + 120, exp: now / 1000 + 420 });
  assert.equal(nbf?.confidence, 'confirmed');
  assert.match(nbf!.text, /not yet valid/);
  // Clocks within the API's tolerance: nothing to say.
  assert.equal(clockSkewFinding({ receivedAtMs: now, iat: now / 1000 - 3, exp: now / 1000 + 297, issuerDate: { dateMs: now - 1000, receivedAtMs: now } }), undefined);
});

test('step 2: the API\'s own URL naming the expected tenant, answered 404 unknown tenant, is tenant-not-registered', async () => {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', errorType: 'not_found', error: 'api: unknown tenant "managedkafka": not in the tenants configuration', hop: 'api', reason: 'unknown_tenant' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/metrics/v1/managedkafka`;
  try {
    const base = { origin: 'test', tenant: 'managedkafka', expectedObservatoriumUrl: url, timeouts: DEFAULT_TIMEOUTS };
    const r = await runLiveObservatoriumUrlCheck({ ...base, observatoriumUrl: url, tenantsFile: 'tenants.yaml', tenantInTenantsFile: false });
    assert.deepEqual(r.suspects.map((s) => [s.cause, s.confidence]), [['tenant-not-registered', 'confirmed']]);
    assert.ok(r.evidence.some((e) => /tenants file tenants\.yaml has no tenant "managedkafka"/.test(e.text)));
    // Another tenant in the URL: the URL is wrong, whatever the tenants file says.
    const other = await runLiveObservatoriumUrlCheck({ ...base, tenant: 'telemeter', observatoriumUrl: url });
    assert.equal(other.suspects[0]?.cause, 'wrong-observatorium-url');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('timeouts: each query waits a margin above the hop it calls, capped; the run bound follows', () => {
  const local = timeoutsFromHops(deadlinesFromArgs(['token-refresher', '--upstream.timeout', '4s'], ['api', '--metrics.write-timeout=3s']));
  assert.equal(local.refresherQueryMs, 5000);
  assert.equal(local.queryMs, 4000);
  assert.equal(local.basis?.length, 2);
  assert.equal(liveCheckBoundMs(local), 10_000);
  // A production refresher waits 110 s for Observatorium: the doctor gives up first, and says so.
  const prod = timeoutsFromHops(deadlinesFromArgs(['--upstream.timeout=110s'], []));
  assert.equal(prod.refresherQueryMs, MAX_QUERY_MS);
  assert.equal(prod.queryMs, DEFAULT_TIMEOUTS.queryMs);
  assert.match(prod.basis!.join(), /capped at 15000 ms/);
  // Nothing known: the defaults.
  assert.deepEqual(timeoutsFromHops(deadlinesFromArgs([], [])), { ...DEFAULT_TIMEOUTS, queryMs: DEFAULT_TIMEOUTS.queryMs, refresherQueryMs: DEFAULT_TIMEOUTS.queryMs, basis: [] });
});
