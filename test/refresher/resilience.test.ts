// The refresher when the issuer fails: frozen (SIGSTOP) or dead, callers get a 503 at once and the issuer
// sees a few token requests a second at most; and when the API rejects a token signed by a key the issuer
// no longer publishes, the refresher fetches a new token once and retries. Real issuer, refresher and API
// processes on 127.0.0.1; a counting TCP proxy in front of the issuer counts its token requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { tempDir, waitUntil } from '../../tools/testing/net.js';
import { startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS } from '../../tools/testing/remote-write.js';
import { metricValue, startIssuerProc, startRefresherProc, type IssuerProc } from '../../tools/testing/stack.js';
import { CLIENTS, SECRET, startApiProc } from '../../tools/testing/api.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';

let dir: { path: string; cleanup: () => Promise<void> };
let echo: Server;
let echoUrl: string;
const cleanups: Array<() => Promise<void>> = [];

before(async () => {
  dir = await tempDir();
  echo = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoUrl = `http://127.0.0.1:${(echo.address() as { port: number }).port}`;
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  echo.close();
  await dir.cleanup();
});

/** An issuer reached only through a counting proxy (its discovery names the proxy's address). */
async function countedIssuer(clients: Parameters<typeof startIssuerProc>[0]['clients']): Promise<{ issuer: IssuerProc; proxy: CountingProxy; issuerUrl: string }> {
  const { freePort } = await import('../../tools/testing/net.js');
  const port = await freePort();
  const proxy = await startCountingProxy(port);
  const issuer = await startIssuerProc({ dir: dir.path, clients, port, extraArgs: ['--public-url', `http://127.0.0.1:${proxy.port}`] });
  cleanups.push(async () => {
    issuer.proc.child.kill('SIGCONT');
    await issuer.stop();
    await proxy.close();
  });
  return { issuer, proxy, issuerUrl: `http://127.0.0.1:${proxy.port}/auth/realms/redhat-external` };
}

/** Sends requests from `workers` loops until `until`; returns every answer's status, reason and time. */
async function hammer(url: string, until: number, workers = 4) {
  const answers: { status: number; reason?: string; ms: number; at: number }[] = [];
  const loop = async () => {
    while (Date.now() < until) {
      const t0 = performance.now();
      const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
      const text = await res.text();
      const ms = performance.now() - t0;
      let reason: string | undefined;
      if (res.status !== 200) reason = (JSON.parse(text) as { reason?: string }).reason;
      answers.push({ status: res.status, reason, ms, at: Date.now() });
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
  return answers;
}

test('frozen issuer (SIGSTOP), token expired: every request is answered at once (503 with the reason), the issuer sees few token requests, SIGCONT recovers', async () => {
  const { issuer, proxy, issuerUrl } = await countedIssuer([{ clientID: 'c', clientSecret: SECRET, tokenTTL: '3s' }]);
  // A long --oidc.timeout: before the fix, requests after expiry waited on the pending token request for it.
  const r = await startRefresherProc({ issuerUrl, clientId: 'c', clientSecret: SECRET, upstreamUrl: echoUrl, args: ['--oidc.timeout', '3s'] });
  cleanups.push(() => r.stop());
  issuer.proc.child.kill('SIGSTOP');
  const frozenAt = Date.now();
  const answers = await hammer(`${r.proxyUrl}/api/v1/query?query=up`, frozenAt + 8000);
  const frozenFor = (Date.now() - frozenAt) / 1000;
  const tokenRequests = proxy.between(frozenAt, Date.now());
  const failed = answers.filter((a) => a.status !== 200);
  const worst = Math.max(...answers.map((a) => a.ms));
  const worst503 = Math.max(...failed.map((a) => a.ms));
  const reasons = [...new Set(failed.map((a) => a.reason))];
  console.log(`frozen issuer: ${answers.length} requests in ${frozenFor.toFixed(1)} s (${answers.length - failed.length} x 200 before expiry, ${failed.length} x 503 ${JSON.stringify(reasons)}); ` +
    `worst answer ${worst.toFixed(1)} ms (worst 503 ${worst503.toFixed(1)} ms); ${tokenRequests} token requests reached the frozen issuer = ${(tokenRequests / frozenFor).toFixed(2)}/s, most in any 1 s: ${proxy.maxInWindow(1000, frozenAt)}`);
  assert.ok(failed.length > 50, `requests after expiry: ${failed.length}`);
  assert.ok(failed.every((a) => a.status === 503), 'only 503 token_unavailable after expiry');
  assert.ok(reasons.every((x) => x === 'token_expired' || x === 'issuer_timeout'), `reasons ${JSON.stringify(reasons)}`);
  assert.ok(reasons.includes('issuer_timeout'), 'the issuer\'s reason is reported once the pending request timed out');
  // Far below the 3 s a request waited on the pending token request before; generous for a loaded machine.
  assert.ok(worst < 1000, `worst answer ${worst.toFixed(1)} ms: a request waited on the issuer`);
  assert.ok(tokenRequests >= 2 && proxy.maxInWindow(1000, frozenAt) <= 5, `token requests: ${tokenRequests}`);
  issuer.proc.child.kill('SIGCONT');
  const contAt = Date.now();
  await waitUntil(async () => (await fetch(`${r.proxyUrl}/api/v1/query?query=up`)).status === 200, 10_000, 'recovery after SIGCONT');
  console.log(`frozen issuer: serving again ${Date.now() - contAt} ms after SIGCONT`);
});

test('dead issuer (connections refused): retries keep a floor around expiry and after it, and callers get 503 at once', async () => {
  const { issuer, proxy, issuerUrl } = await countedIssuer([{ clientID: 'c', clientSecret: SECRET, tokenTTL: '3s' }]);
  const r = await startRefresherProc({ issuerUrl, clientId: 'c', clientSecret: SECRET, upstreamUrl: echoUrl });
  cleanups.push(() => r.stop());
  const expiry = metricValue(await (await fetch(`${r.internalUrl}/metrics`)).text(), 'token_refresher_token_expiry_timestamp_seconds')! * 1000;
  await issuer.proc.kill('SIGKILL');
  const killedAt = Date.now();
  // Spans the refresh window, the last 500 ms before expiry (where the delay used to be 0) and after expiry.
  const answers = await hammer(`${r.proxyUrl}/api/v1/query?query=up`, Math.max(expiry + 4000, killedAt + 5000));
  const span = (Date.now() - killedAt) / 1000;
  const tokenRequests = proxy.between(killedAt, Date.now());
  const nearExpiry = proxy.between(expiry - 1000, expiry + 1000);
  const failed = answers.filter((a) => a.status !== 200);
  const worst = Math.max(...answers.map((a) => a.ms));
  const attempts = metricValue(await (await fetch(`${r.internalUrl}/metrics`)).text(), 'token_refresher_token_refresh_total{result="error"}');
  console.log(`dead issuer: ${tokenRequests} token requests (refresher's own count of failed attempts: ${attempts}) in ${span.toFixed(1)} s = ${(tokenRequests / span).toFixed(2)}/s, most in any 1 s: ${proxy.maxInWindow(1000, killedAt)}, ` +
    `${nearExpiry} in the 2 s around expiry; ${failed.length} x 503, worst answer ${worst.toFixed(1)} ms (a ${answers.find((a) => a.ms === worst)!.status}, ${answers.find((a) => a.ms === worst)!.at - expiry} ms from expiry)`);
  assert.ok(tokenRequests >= (attempts ?? 0) - 1, 'the proxy saw the refresher\'s attempts');
  assert.ok(tokenRequests >= 3, 'the refresher keeps trying');
  assert.ok(proxy.maxInWindow(1000, killedAt) <= 5, `at most a few token requests a second (floor 250 ms), got ${proxy.maxInWindow(1000, killedAt)}`);
  assert.ok(failed.length > 20 && failed.every((a) => a.status === 503 && a.reason === 'issuer_unreachable'), JSON.stringify(failed.slice(0, 3)));
  const slowest = answers.find((a) => a.ms === worst)!;
  assert.ok(worst < 1000, `worst answer ${worst.toFixed(1)} ms: ${JSON.stringify(slowest)}`);
});

test('the API rejects a token signed by a key the issuer no longer publishes: the refresher fetches a new token once and the request succeeds', async () => {
  const prom: Backend = await startPrometheus();
  cleanups.push(() => prom.stop());
  const issuer = await startIssuerProc({ dir: dir.path, clients: CLIENTS, extraArgs: ['--keys.retain', '1s'] });
  cleanups.push(() => issuer.stop());
  const jwksKids = async () => ((await (await fetch(`${issuer.issuerUrl}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  const firstKid = (await jwksKids())[0]!;
  const api = await startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, args: ['--metrics.read.endpoint', prom.url, '--metrics.write.endpoint', `${prom.url}/api/v1/write`, '--oidc.jwks-refresh-interval', '300ms'] });
  cleanups.push(() => api.stop());
  const r = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'alpha-writer', clientSecret: SECRET, upstreamUrl: `${api.url}/api/metrics/v1/alpha`, args: ['--log.level', 'info'] });
  cleanups.push(() => r.stop());
  const metrics = async () => (await fetch(`${r.internalUrl}/metrics`)).text();
  const query = () => fetch(`${r.proxyUrl}/api/v1/query?query=vector(1)`, { signal: AbortSignal.timeout(10_000) });
  assert.equal((await query()).status, 200);

  // Retire the refresher's key past its retention: the API drops it from its key set.
  const retire = async (kid: string) => {
    await fetch(`${issuer.baseUrl}/admin/rotate-keys`, { method: 'POST' });
    await waitUntil(async () => !(await jwksKids()).includes(kid), 5000, `key ${kid} out of the JWKS`);
    await new Promise((res) => setTimeout(res, 800)); // the API's periodic JWKS refresh (300 ms) picks it up
  };
  await retire(firstKid);
  const concurrent = await Promise.all([query(), query(), query()]);
  assert.deepEqual(concurrent.map((x) => x.status), [200, 200, 200]);
  let m = await metrics();
  // Each request sent with the old token is retried once; one sent after the renewal needs no retry (a race the
  // test does not control), so 1 to 3 retries, and exactly one new token for all three.
  const retries = metricValue(m, 'token_refresher_upstream_retries_total{reason="unknown_key"}') ?? 0;
  assert.ok(retries >= 1 && retries <= 3, `retries: ${retries}`);
  assert.equal(metricValue(m, 'token_refresher_token_refresh_total{result="success"}'), 2, 'one new token for the three concurrent requests');

  // A small remote-write body is buffered, so it is replayed after the token is renewed.
  const secondKid = (await jwksKids())[0]!;
  await retire(secondKid);
  const body = encodeTestWriteRequest([{ labels: { __name__: 'obspath_retry_test', job: 'rw' }, samples: [[Date.now(), 7]] }]);
  const write = await fetch(`${r.proxyUrl}/api/v1/receive`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body });
  assert.ok(write.status >= 200 && write.status < 300, `${write.status} ${await write.text()}`);
  m = await metrics();
  assert.equal(metricValue(m, 'token_refresher_upstream_retries_total{reason="unknown_key"}'), retries + 1);

  // A streamed body (chunked, no length) cannot be replayed: the 401 passes through, and the token is renewed
  // for the next request.
  await retire((await jwksKids())[0]!);
  const chunked = await fetch(`${r.proxyUrl}/api/v1/receive`, {
    method: 'POST', headers: REMOTE_WRITE_HEADERS, body: new Blob([body]).stream(), duplex: 'half',
  } as RequestInit);
  const rejected = (await chunked.json()) as { reason?: string; hop?: string };
  assert.equal(chunked.status, 401);
  assert.deepEqual([rejected.hop, rejected.reason], ['auth', 'unknown_key']);
  await waitUntil(async () => metricValue(await metrics(), 'token_refresher_token_refresh_total{result="success"}') === 4, 5000, 'the token renewed after the streamed request');
  assert.equal((await query()).status, 200);
  m = await metrics();
  assert.equal(metricValue(m, 'token_refresher_upstream_retries_total{reason="unknown_key"}'), retries + 1, 'no retry for the streamed body, none needed after it');
  assert.match(r.proc.output(), /upstream rejected the access token; retrying once with a new token/);
  assert.match(r.proc.output(), /streamed request body, so not retried/);
  console.log(`401 retry: 3 concurrent requests with a token of a retired key -> 1 new token, ${retries} retries, 3 x 200; remote write replayed -> 200; chunked body -> 401 passed through`);
});
