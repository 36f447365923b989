// The live status on a real stack: every hop ok when healthy, GET /api/v1/status and /api/v1/events as the contract
// says, a component stopped through the supervisor turns its hop down within seconds with an event, a killed one
// restarts with an event. One stack for every case.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { startStack, type RunningStack } from '../../src/stack/index.js';
import type { StackEvent } from '../../src/stack/events.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePortRange, tempDir, waitUntil } from '../../tools/testing/net.js';

interface StatusBody {
  status: string;
  data: { hops: Array<{ hop: string; state: string; reason: string; since: string }>; faults: string[]; alerts: unknown[]; verdict: unknown };
}

let stack: RunningStack;
let dir: { path: string; cleanup: () => Promise<void> };
const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${stack.console.url}${path}`);
  return { status: res.status, body: (await res.json()) as T };
};
const hopStates = async () => Object.fromEntries((await getJson<StatusBody>('/api/v1/status')).body.data.hops.map((h) => [h.hop, h.state]));

/** Waits until every hop is ok; the failure names those that are not, with their reasons. */
async function allOk(timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let hops: StatusBody['data']['hops'] = [];
  while (Date.now() < deadline) {
    hops = (await getJson<StatusBody>('/api/v1/status')).body.data.hops;
    if (hops.every((h) => h.state === 'ok')) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`${what}: ${JSON.stringify(hops.filter((h) => h.state !== 'ok'))}`);
}

before(async () => {
  dir = await tempDir();
  const out = new PassThrough();
  out.resume();
  stack = await startStack({ dataDir: dir.path, basePort: await freePortRange(13), out, logger: createLogger({ component: 'up', level: 'warn', destination: out }), logLevel: 'warn', readyTimeoutMs: 30_000 });
  assert.deepEqual(stack.notReady, []);
});

after(async () => {
  await stack?.stop();
  await dir?.cleanup();
});

test('a healthy stack: every hop ok within 30 s, and the status JSON has the contract\'s shape', async () => {
  const t0 = Date.now();
  let states: Record<string, string> = {};
  await waitUntil(async () => {
    states = await hopStates();
    return Object.values(states).every((s) => s === 'ok');
  }, 30_000, `every hop ok: ${JSON.stringify(states)}`);
  console.log(`every hop ok ${((Date.now() - t0) / 1000).toFixed(1)} s after the stack was ready`);
  const { status, body } = await getJson<StatusBody>('/api/v1/status');
  assert.equal(status, 200);
  assert.equal(body.status, 'success');
  assert.deepEqual(body.data.hops.map((h) => h.hop), ['user', 'fleet-manager', 'network', 'token-refresher', 'issuer', 'api', 'store', 'probe']);
  for (const h of body.data.hops) {
    assert.equal(typeof h.reason, 'string');
    assert.ok(h.reason.length > 10, `${h.hop}: a human reason`);
    assert.ok(!Number.isNaN(Date.parse(h.since)) && h.since.endsWith('Z'), `${h.hop}: since is ISO 8601: ${h.since}`);
  }
  assert.deepEqual(body.data.faults, []);
  assert.ok(Array.isArray(body.data.alerts));
  assert.equal(body.data.verdict, null, 'no alert fired, so doctor serve has no verdict');
});

test('GET /api/v1/events: the start event, ?since= filters, junk since is a Prometheus-shaped 400', async () => {
  const all = await getJson<{ status: string; data: { events: StackEvent[]; lastSeq: number } }>('/api/v1/events');
  assert.equal(all.status, 200);
  assert.equal(all.body.data.events[0]?.kind, 'start');
  assert.match(all.body.data.events[0]!.text, /stack ready in/);
  assert.equal(all.body.data.lastSeq, all.body.data.events.at(-1)!.seq);
  const none = await getJson<{ data: { events: StackEvent[]; lastSeq: number } }>(`/api/v1/events?since=${all.body.data.lastSeq}`);
  assert.deepEqual(none.body.data.events, []);
  const bad = await getJson<Record<string, unknown>>('/api/v1/events?since=yesterday');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.status, 'error');
  assert.equal(bad.body.errorType, 'bad_data');
  assert.equal(bad.body.hop, 'console');
  assert.match(String(bad.body.error), /since/);
});

test('a fault injected live turns its hop non-ok within seconds, with an event; cleared, every hop is ok again', async () => {
  await allOk(30_000, 'every hop ok first');
  const since = stack.events.lastSeq;
  const t0 = Date.now();
  const inject = await fetch(`${stack.console.url}/api/v1/faults/wrong-client-secret`, { method: 'POST' });
  assert.equal(inject.status, 200, await inject.text());
  await waitUntil(async () => (await hopStates())['token-refresher'] === 'down', 15_000, 'token-refresher down');
  console.log(`wrong-client-secret: token-refresher down ${((Date.now() - t0) / 1000).toFixed(1)} s after the inject request`);
  const e = stack.events.since(since).find((x) => x.kind === 'hop-state' && x.hop === 'token-refresher' && /-> down/.test(x.text));
  assert.ok(e, `a hop-state event: ${JSON.stringify(stack.events.since(since))}`);
  const t1 = Date.now();
  const clear = await fetch(`${stack.console.url}/api/v1/faults/wrong-client-secret`, { method: 'DELETE' });
  assert.equal(clear.status, 200, await clear.text());
  await allOk(30_000, 'every hop ok after the clear');
  console.log(`wrong-client-secret cleared: every hop ok ${((Date.now() - t1) / 1000).toFixed(1)} s after the clear request`);
});

test('a component killed: the supervisor restarts it and a restart event says so', async () => {
  const since = stack.events.lastSeq;
  const pid = stack.supervisor.status().find((c) => c.name === 'probe')!.pid!;
  process.kill(pid, 'SIGKILL');
  await waitUntil(() => stack.events.since(since).some((e) => e.kind === 'restart' && /^probe restarted/.test(e.text)), 10_000, `a restart event: ${JSON.stringify(stack.events.since(since))}`);
});

test('a component stopped through the supervisor: its hop is down within a few seconds, with an event', async () => {
  await waitUntil(async () => (await hopStates()).api === 'ok', 30_000, 'api ok first');
  const since = stack.events.lastSeq;
  const t0 = Date.now();
  await stack.supervisor.stopOne('api');
  await waitUntil(async () => (await hopStates()).api === 'down', 5000, 'api down within 5 s');
  const ms = Date.now() - t0;
  console.log(`api hop down ${ms} ms after the supervisor stopped it`);
  const e = stack.events.since(since).find((x) => x.kind === 'hop-state' && x.hop === 'api');
  assert.ok(e, `a hop-state event for api: ${JSON.stringify(stack.events.since(since))}`);
  assert.match(e.text, /^api: ok -> down \(.*not running/);
  const api = (await getJson<StatusBody>('/api/v1/status')).body.data.hops.find((h) => h.hop === 'api')!;
  assert.ok(Date.parse(api.since) >= t0 - 1000, 'since is when it went down');
});
