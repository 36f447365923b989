// Every hop's configured deadline fires on time, not on undici's coarse (~1 s step) timers: a black-hole
// peer (accepts, never answers) behind each hop, the answer time minus the deadline printed and bounded.
// Real issuer, token-refresher and API processes on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { tempDir, waitUntil } from '../../tools/testing/net.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS } from '../../tools/testing/remote-write.js';
import { metricValue, startIssuerProc, startRefresherProc, type IssuerProc } from '../../tools/testing/stack.js';
import { CLIENTS, SECRET, getToken, startApiProc } from '../../tools/testing/api.js';

// Above 1 s, where undici's timers step coarsely; well below any test timeout.
const DEADLINE_MS = 1500;
// Generous for a loaded 2-core machine; the target is 50 ms, the old overshoot up to ~500 ms and more.
const BOUND_MS = 300;

let dir: { path: string; cleanup: () => Promise<void> };
let issuer: IssuerProc;
let blackHole: Server;
let blackHoleUrl: string;
const sockets: Socket[] = [];
const stops: Array<() => Promise<void>> = [];

before(async () => {
  dir = await tempDir();
  issuer = await startIssuerProc({ dir: dir.path, clients: CLIENTS });
  blackHole = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
  blackHoleUrl = `http://127.0.0.1:${(blackHole.address() as { port: number }).port}`;
});

after(async () => {
  for (const stop of stops) await stop();
  // A failed before() leaves some of these unset; what did start is still stopped, so the file can end.
  await (issuer as IssuerProc | undefined)?.stop();
  for (const s of sockets) s.destroy();
  (blackHole as Server | undefined)?.close();
  await dir.cleanup();
});

/** Prints the errors (answer time minus deadline) and checks each is within [0, BOUND_MS). */
function checkErrors(hop: string, answeredAfterMs: number[]): void {
  const errors = answeredAfterMs.map((t) => t - DEADLINE_MS);
  const sorted = [...errors].sort((a, b) => a - b);
  console.log(`${hop}: deadline ${DEADLINE_MS} ms; error (answer - deadline) over ${errors.length}: min ${sorted[0]!.toFixed(1)} ms, median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; all: ${errors.map((e) => e.toFixed(0)).join(', ')}`);
  for (const e of errors) assert.ok(e >= -2 && e < BOUND_MS, `${hop}: answered ${e.toFixed(1)} ms off its deadline`);
}

async function timed(url: string, init: RequestInit = {}): Promise<{ ms: number; status: number; json: Record<string, unknown> }> {
  const t0 = performance.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const json = (await res.json()) as Record<string, unknown>;
  return { ms: performance.now() - t0, status: res.status, json };
}

test('token-refresher --upstream.timeout: 504 upstream_timeout on time', async () => {
  const r = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'alpha-writer', clientSecret: SECRET, upstreamUrl: blackHoleUrl, args: ['--upstream.timeout', `${DEADLINE_MS}ms`] });
  stops.push(() => r.stop());
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const a = await timed(`${r.proxyUrl}/api/v1/query?query=up`);
    assert.equal(a.status, 504);
    assert.deepEqual([a.json.errorType, a.json.reason, a.json.hop], ['upstream_timeout', 'headers_timeout', 'token-refresher']);
    times.push(a.ms);
  }
  checkErrors('token-refresher upstream timeout', times);
});

test('API --metrics.write-timeout: reads and writes get 504 upstream_timeout from the backend hop on time', async () => {
  const api = await startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, waitReady: false, args: ['--metrics.read.endpoint', blackHoleUrl, '--metrics.write.endpoint', blackHoleUrl, '--metrics.write-timeout', `${DEADLINE_MS}ms`] });
  stops.push(() => api.stop());
  const token = await getToken(issuer.issuerUrl, 'alpha-writer');
  const auth = { authorization: `Bearer ${token}` };
  const query = `${api.url}/api/metrics/v1/alpha/api/v1/query?query=up`;
  // The tenant is ready once the API holds the issuer's keys; until then: 503 from the auth hop.
  await waitUntil(async () => (await timed(query, { headers: auth })).status === 504, 20_000, 'the API to reach its backend');
  const times: number[] = [];
  for (let i = 0; i < 4; i++) {
    const a = await timed(query, { headers: auth });
    assert.equal(a.status, 504);
    assert.deepEqual([a.json.errorType, a.json.reason, a.json.hop], ['upstream_timeout', 'timeout', 'backend']);
    times.push(a.ms);
  }
  const body = encodeTestWriteRequest([{ labels: { __name__: 'deadline_test', job: 'd' }, samples: [[Date.now(), 1]] }]);
  for (let i = 0; i < 3; i++) {
    const a = await timed(`${api.url}/api/metrics/v1/alpha/api/v1/receive`, { method: 'POST', headers: { ...REMOTE_WRITE_HEADERS, ...auth }, body });
    assert.equal(a.status, 504);
    assert.equal(a.json.hop, 'backend');
    times.push(a.ms);
  }
  checkErrors('API backend deadline (4 reads, 3 writes)', times);
});

test('token-refresher --oidc.timeout: each token attempt against a black-hole issuer ends on time', async () => {
  const r = await startRefresherProc({ issuerUrl: `${blackHoleUrl}/auth/realms/redhat-external`, clientId: 'alpha-writer', clientSecret: SECRET, upstreamUrl: blackHoleUrl, waitReady: false, args: ['--oidc.timeout', `${DEADLINE_MS}ms`] });
  stops.push(() => r.stop());
  // Each attempt's duration, from the refresher's own histogram: the sum grows by one attempt at a time.
  const durations: number[] = [];
  let seen = { count: 0, sum: 0 };
  const until = Date.now() + 20_000;
  while (durations.length < 3 && Date.now() < until) {
    const text = await (await fetch(`${r.internalUrl}/metrics`)).text();
    const count = metricValue(text, 'token_refresher_token_refresh_duration_seconds_count') ?? 0;
    const sum = metricValue(text, 'token_refresher_token_refresh_duration_seconds_sum') ?? 0;
    if (count === seen.count + 1) durations.push((sum - seen.sum) * 1000);
    seen = { count, sum };
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.ok(durations.length >= 3, `attempts seen: ${durations.length}`);
  const ready = (await (await fetch(`${r.internalUrl}/ready`)).json()) as { cause?: string };
  assert.equal(ready.cause, 'issuer_timeout');
  checkErrors('token-refresher token attempt (--oidc.timeout)', durations);
});
