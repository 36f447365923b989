// Live fault injection through the console's JSON API, in one healthy `obspath up` stack: every catalog fault
// is injected, the fleet manager records the documented code (as test/stack/faults.test.ts asserts with a stack
// started per fault), the fault is cleared and the path answers 200 again. Only the affected components are
// restarted: every other one keeps its pid. `obspath fault` runs against the same stack. The supervisor's
// replace and remove are tested on plain processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { DEMO_INSTANCES, FAULTS, type Fault, type FaultName, type RunningStack } from '../../src/stack/index.js';
import { LogMux } from '../../src/stack/log-stream.js';
import { Supervisor } from '../../src/stack/supervisor.js';
import { withFaultStack } from '../../tools/testing/fault-stack.js';
import { waitUntil } from '../../tools/testing/net.js';
import { startObspath } from '../../tools/testing/procs.js';

/** What the plan changes per fault: components restarted (new args, env or config) and stopped; the rest keep running. */
const AFFECTED: Record<FaultName, { restarted: string[]; stopped: string[] }> = {
  'wrong-url-host': { restarted: ['token-refresher'], stopped: [] },
  'wrong-url-path': { restarted: ['token-refresher'], stopped: [] },
  'wrong-url-tenant': { restarted: ['token-refresher'], stopped: [] },
  'missing-client-id': { restarted: ['token-refresher'], stopped: [] },
  'wrong-client-secret': { restarted: ['token-refresher'], stopped: [] },
  'issuer-down': { restarted: ['token-refresher'], stopped: [] },
  'issuer-slow': { restarted: ['token-refresher'], stopped: [] },
  'refresher-down': { restarted: ['token-refresher'], stopped: [] },
  'refresher-blackholed': { restarted: ['fleet-manager'], stopped: [] },
  'api-down': { restarted: [], stopped: ['api'] },
  'api-5xx': { restarted: ['token-refresher', 'probe'], stopped: ['api'] },
  'backend-down': { restarted: [], stopped: ['store'] },
  'backend-slow': { restarted: ['api'], stopped: [] },
  'rate-limited': { restarted: ['api'], stopped: [] },
  'audience-mismatch': { restarted: ['token-refresher'], stopped: [] },
};

interface ApiAnswer { status: number; body: Record<string, unknown> & { data?: { fault?: { active: boolean; since?: string }; change?: { restarted: string[]; stopped: string[] } } } }

async function call(stack: RunningStack, method: 'GET' | 'POST' | 'DELETE', path: string): Promise<ApiAnswer> {
  const res = await request(`${stack.console.url}${path}`, { method, headersTimeout: 60_000, bodyTimeout: 60_000 });
  return { status: res.statusCode, body: (await res.body.json()) as ApiAnswer['body'] };
}

/** Sum of a counter's series whose labels include `match` (as test/stack/faults.test.ts counts them). */
function counterSum(text: string, name: string, match: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(match).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const REQUESTS = 'kas_fleet_manager_observatorium_request_count';
const FAILURES = 'kas_fleet_manager_observatorium_request_failures_total';

async function fleetMetrics(stack: RunningStack): Promise<string> {
  const res = await request(`http://127.0.0.1:${stack.plan.ports.fleetManagerMetrics}/metrics`, { headersTimeout: 5000, bodyTimeout: 5000 });
  return res.body.text();
}

async function fleetCount(stack: RunningStack, name: string, match: Record<string, string>): Promise<number> {
  return counterSum(await fleetMetrics(stack), name, match);
}

/**
 * A dashboard user as fast as the test needs: a metrics query to the fleet manager every 250 ms (up to four in
 * flight: a black-holed refresher holds each for the fleet manager's 5 s timeout), beside the stack's own user.
 */
function driveUser(stack: RunningStack): { stop(): void } {
  const { plan } = stack;
  let token: string | undefined;
  let inFlight = 0;
  const one = async () => {
    token ??= ((await (await request(`${plan.issuerUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`demo-user:${plan.secrets.demoUser}`).toString('base64')}` },
      body: 'grant_type=client_credentials',
    })).body.json()) as { access_token: string }).access_token;
    const res = await request(`${plan.url(plan.ports.fleetManager)}/api/kafkas_mgmt/v1/kafkas/${DEMO_INSTANCES[0]!.id}/metrics/query`, { headers: { authorization: `Bearer ${token}` }, headersTimeout: 20_000, bodyTimeout: 20_000 });
    await res.body.dump();
  };
  const timer = setInterval(() => {
    if (inFlight >= 4) return;
    inFlight++;
    one().catch(() => undefined).finally(() => inFlight--);
  }, 250);
  return { stop: () => clearInterval(timer) };
}

const pids = (stack: RunningStack) => new Map(stack.supervisor.status().map((c) => [c.name, c.pid]));

/** Every component the change did not name still runs with the pid it had; the named ones do not. */
function assertOnlyAffectedRestarted(before: Map<string, number | undefined>, after: Map<string, number | undefined>, affected: string[], what: string): void {
  for (const [name, pid] of before) {
    if (affected.includes(name)) continue;
    assert.equal(after.get(name), pid, `${what}: ${name} was not to be restarted`);
  }
  for (const name of affected) if (before.has(name) && after.has(name)) assert.notEqual(after.get(name), before.get(name), `${what}: ${name} runs a new process`);
}

/** Injects, waits for the code, clears, waits for 200; returns how long each step took (ms). */
async function injectAndClear(stack: RunningStack, fault: Fault, dataDir: string): Promise<number[]> {
  const expected = AFFECTED[fault.name];
  const before = pids(stack);
  const steps: number[] = [];
  let last = Date.now();
  const step = () => { steps.push(Date.now() - last); last = Date.now(); };
  const injected = await call(stack, 'POST', `/api/v1/faults/${fault.name}`);
  assert.equal(injected.status, 200, JSON.stringify(injected.body));
  assert.equal(injected.body.data?.fault?.active, true);
  assert.ok(injected.body.data?.fault?.since, 'since');
  assert.deepEqual(injected.body.data?.change?.restarted, expected.restarted, `${fault.name}: restarted`);
  assert.deepEqual(injected.body.data?.change?.stopped, expected.stopped, `${fault.name}: stopped`);
  const during = pids(stack);
  assertOnlyAffectedRestarted(before, during, [...expected.restarted, ...expected.stopped], `inject ${fault.name}`);
  for (const name of expected.stopped) assert.ok(!during.has(name), `${name} stopped`);
  step();
  // stack.json follows at once: what `obspath doctor --env local` reads is the live plan.
  const file = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8')) as { faults: string[]; refresher: { args: string[] }; api: { args: string[] } };
  assert.deepEqual(file.faults, [fault.name], 'stack.json names the active fault');
  const argsOf = (name: string) => stack.plan.components.find((c) => c.name === name)?.args ?? [];
  assert.deepEqual([file.refresher.args, file.api.args], [argsOf('token-refresher'), argsOf('api')], 'stack.json has the live arguments');
  // Counted from here: a restarted fleet manager starts its counters at 0.
  // Both counts come from one scrape: read apart, a failure landing between the reads counts in one and not the other.
  const codeAndReason = async (): Promise<[number, number]> => {
    const text = await fleetMetrics(stack);
    return [counterSum(text, REQUESTS, { code: fault.fleetCode }), fault.failureReason ? counterSum(text, FAILURES, { reason: fault.failureReason }) : 0];
  };
  const [codeBefore, reasonBefore] = await codeAndReason();
  let seen: [number, number] = [codeBefore, reasonBefore];
  await waitUntil(async () => (seen = await codeAndReason())[0] > codeBefore, 30_000, `${fault.name}: code ${fault.fleetCode} at the fleet manager`);
  if (fault.failureReason) assert.ok(seen[1] > reasonBefore, `${fault.name}: failure reason ${fault.failureReason} (${reasonBefore} -> ${seen[1]}, code ${fault.fleetCode} ${codeBefore} -> ${seen[0]})`);
  step();

  const cleared = await call(stack, 'DELETE', `/api/v1/faults/${fault.name}`);
  step();
  assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
  assert.equal(cleared.body.data?.fault?.active, false);
  const restoredNames = [...expected.restarted, ...expected.stopped];
  assert.deepEqual([...(cleared.body.data?.change?.restarted ?? [])].sort(), [...restoredNames].sort(), `${fault.name}: clear restarts what inject changed`);
  assertOnlyAffectedRestarted(during, pids(stack), restoredNames, `clear ${fault.name}`);
  const okBefore = await fleetCount(stack, REQUESTS, { code: '200' });
  await waitUntil(async () => (await fleetCount(stack, REQUESTS, { code: '200' })) > okBefore, 30_000, `${fault.name} cleared: 200 at the fleet manager again`);
  step();
  return steps;
}

async function everyFault(stack: RunningStack, dataDir: string): Promise<void> {
  const user = driveUser(stack);
  try {
    const list = await call(stack, 'GET', '/api/v1/faults');
    assert.equal(list.status, 200);
    const faults = (list.body.data as unknown as { faults: { name: string; active: boolean; fleetCode: string }[] }).faults;
    assert.deepEqual(faults.map((f) => f.name), FAULTS.map((f) => f.name));
    assert.ok(faults.every((f) => !f.active));
    const durations: string[] = [];
    for (const fault of FAULTS) {
      // A failed fault is cleared, so that the next subtest starts healthy.
      const steps = await injectAndClear(stack, fault, dataDir).catch(async (err: unknown) => {
        await call(stack, 'DELETE', `/api/v1/faults/${fault.name}`);
        throw err;
      });
      const total = steps.reduce((a, b) => a + b, 0);
      durations.push(`${fault.name} ${(total / 1000).toFixed(1)} s (${steps.map((ms) => (ms / 1000).toFixed(1)).join('/')})`);
    }
    process.stdout.write(`# s per fault (inject answered / code seen / clear answered / 200 seen): ${durations.join(', ')}\n`);
    const kinds = stack.events.since(0).filter((e) => e.kind === 'fault-injected' || e.kind === 'fault-cleared');
    assert.equal(kinds.length, FAULTS.length * 2, 'one event per inject and per clear');
    assert.match(kinds[0]!.text, /^fault wrong-url-host injected: restarted token-refresher$/);
  } finally {
    user.stop();
  }
}

async function refusalsAndCombinations(stack: RunningStack): Promise<void> {
  const unknown = await call(stack, 'POST', '/api/v1/faults/no-such-fault');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.errorType, 'not_found');
  assert.equal(unknown.body.hop, 'console');
  assert.deepEqual(unknown.body.faults, FAULTS.map((f) => f.name));
  assert.match(String(unknown.body.error), /unknown fault "no-such-fault"; known faults: wrong-url-host, /);
  assert.equal((await call(stack, 'DELETE', '/api/v1/faults/no-such-fault')).status, 404);

  const first = await call(stack, 'POST', '/api/v1/faults/issuer-down');
  assert.equal(first.status, 200);
  const again = await call(stack, 'POST', '/api/v1/faults/issuer-down');
  assert.equal(again.status, 200);
  assert.equal(again.body.data?.fault?.active, true);
  assert.equal(again.body.data?.change, undefined, 'nothing changed the second time');

  const conflict = await call(stack, 'POST', '/api/v1/faults/api-5xx');
  assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
  assert.equal(conflict.body.hop, 'console');
  assert.deepEqual(conflict.body.conflicts, ['issuer-down', 'api-5xx']);
  assert.match(String(conflict.body.error), /issuer-down.*api-5xx|api-5xx.*issuer-down/);

  // Two faults that combine: both active, each cleared on its own.
  assert.equal((await call(stack, 'POST', '/api/v1/faults/backend-down')).status, 200);
  const both = await call(stack, 'GET', '/api/v1/faults');
  const active = (both.body.data as unknown as { faults: { name: string; active: boolean }[] }).faults.filter((f) => f.active).map((f) => f.name);
  assert.deepEqual(active, ['issuer-down', 'backend-down']);
  assert.equal((await call(stack, 'DELETE', '/api/v1/faults/issuer-down')).status, 200);
  const notActive = await call(stack, 'DELETE', '/api/v1/faults/issuer-down');
  assert.equal(notActive.status, 200);
  assert.equal(notActive.body.data?.change, undefined);
  assert.deepEqual(stack.plan.faults, ['backend-down']);
  assert.equal((await call(stack, 'DELETE', '/api/v1/faults/backend-down')).status, 200);
}

/** Runs `obspath fault ...` without blocking this process (the stack under test answers from it). */
async function fault(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = startObspath(['fault', ...args]);
  let stdout = '';
  let stderr = '';
  proc.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)));
  await proc.kill(); // exited already: this only drops its exit hook
  return { code, stdout, stderr };
}

async function cliAgainstTheStack(stack: RunningStack, dataDir: string): Promise<void> {
  const list = await fault(['list', '--data', dataDir]);
  assert.equal(list.code, 0, list.stderr);
  for (const f of FAULTS) assert.match(list.stdout, new RegExp(`^${f.name} +- +${f.hop} `, 'm'));
  assert.match(list.stdout, /^active: none$/m);

  const pidsBefore = new Map(stack.supervisor.status().map((c) => [c.name, c.pid]));
  const injected = await fault(['inject', 'issuer-down', '--data', dataDir]);
  assert.equal(injected.code, 0, injected.stderr);
  assert.match(injected.stdout, /^injected issuer-down \(hop issuer\): restarted token-refresher$/m);
  assert.match(injected.stdout, /the fleet manager records 503; alerts: .*TokenRefresherDown.*; doctor verdict: issuer-unreachable/);
  assert.deepEqual(stack.plan.faults, ['issuer-down']);
  for (const c of stack.supervisor.status()) if (c.name !== 'token-refresher') assert.equal(c.pid, pidsBefore.get(c.name), `${c.name} kept running`);

  // None of these changes anything: they run side by side (each CLI start costs ~1 s on a busy machine).
  const [again, json, refused, unknown] = await Promise.all([
    fault(['inject', 'issuer-down', '--data', dataDir]),
    fault(['list', '--json', '--data', dataDir]),
    fault(['inject', 'api-5xx', '--data', dataDir]),
    fault(['inject', 'no-such-fault', '--data', dataDir]),
  ]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already active since \d{4}-/);
  const body = JSON.parse(json.stdout) as { data: { faults: { name: string; active: boolean }[] } };
  assert.deepEqual(body.data.faults.filter((f) => f.active).map((f) => f.name), ['issuer-down']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /obspath fault: cannot inject api-5xx while issuer-down is active: .*; clear issuer-down first/);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, new RegExp(`unknown fault "no-such-fault"; known faults: ${FAULTS.map((f) => f.name).join(', ')}`));

  const cleared = await fault(['clear', 'issuer-down', '--data', dataDir]);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.match(cleared.stdout, /^cleared issuer-down: restarted token-refresher$/m);
  assert.deepEqual(stack.plan.faults, []);
  assert.match((await fault(['clear', 'issuer-down', '--data', dataDir])).stdout, /it was not active/);
}

// One stack for all three (starting one costs ~20 s of the suite's budget).
test('live faults through the console API, in one running stack', { timeout: 900_000 }, async (t) => {
  await withFaultStack([], async ({ stack, dataDir }) => {
    await t.test('every catalog fault injected and cleared: the documented code, then 200; only the affected components restart', () => everyFault(stack, dataDir));
    await t.test('unknown names 404 with the catalog, injecting twice is idempotent, combinations the plan cannot express 409', () => refusalsAndCombinations(stack));
    await t.test('obspath fault list, inject, clear against the running stack; an unknown name exits 2 with the catalog', () => cliAgainstTheStack(stack, dataDir));
  });
});

test('supervisor: replace runs the new command line and leaves the others alone; remove forgets the component', async () => {
  const out = new PassThrough();
  out.resume();
  const sup = new Supervisor(new LogMux(out, false));
  const idle = (tag: string) => ['-e', `console.log(${JSON.stringify(tag)}); setInterval(() => {}, 1000)`];
  sup.start({ name: 'a', command: process.execPath, args: idle('a1'), restart: true });
  sup.start({ name: 'b', command: process.execPath, args: idle('b1'), restart: true });
  try {
    const before = new Map(sup.status().map((c) => [c.name, c.pid]));
    await sup.replace({ name: 'a', command: process.execPath, args: idle('a2'), restart: true });
    const after = new Map(sup.status().map((c) => [c.name, c.pid]));
    assert.notEqual(after.get('a'), before.get('a'));
    assert.equal(after.get('b'), before.get('b'));
    assert.throws(() => process.kill(before.get('a')!, 0), 'the old process is gone');
    assert.equal(sup.status().find((c) => c.name === 'a')?.running, true);
    await sup.remove('b');
    assert.deepEqual(sup.status().map((c) => c.name), ['a']);
    await sup.replace({ name: 'b', command: process.execPath, args: idle('b2'), restart: true });
    assert.deepEqual(sup.status().map((c) => c.name).sort(), ['a', 'b']);
  } finally {
    await sup.stopAll(2000);
  }
});
