// Issue 10 "Data safety": property-based fuzzing (fast-check, fixed seed) of the real issuer, API and
// store. Before the fuzzing a canary series is written; every case must get a well-formed answer (no
// 5xx, no hang, JSON errors naming the hop) with every process alive; after it the canary holds the
// same samples, also after a store restart, and a write at the current time is still accepted.
// FUZZ_SEED / FUZZ_RUNS override the seed and the runs per property; the figures are printed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SEED, exchange, formatReport, runProperty, runsFor, totalViolations, type PropertyReport, type PropertySpec } from './harness.js';
import { canaryTime, compress, encodeSeries, type RwLabel, type RwSeries } from './gen-remote-write.js';
import { BETA_ONLY_METRIC, TENANT, jwt, params, promqlMutated, promqlValid, remoteWrite, type Ctx } from './properties.js';
import { startFuzzStack, type FuzzStack } from './stack.js';

const CANARY: RwLabel[] = [{ name: '__name__', value: 'fuzz_canary' }, { name: 'instance', value: 'canary' }, { name: 'job', value: 'fuzz' }];
const CANARY_SAMPLES = 20;
// Values that a lossy path would change: fractions, tiny and large magnitudes, negative zero.
const canaryValue = (k: number) => [0.1, -2.5, 1.5e-7, 12345678.875, -0, 42, 3.141592653589793][k % 7]! * (1 + Math.floor(k / 7));

const HEADERS = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };

let stack: FuzzStack;
let ctx: Ctx;
let canaryBefore: string;
const reports: PropertyReport[] = [];

async function write(tenant: string, token: string, series: RwSeries[]) {
  return exchange(`${stack.api.url}/api/metrics/v1/${tenant}/api/v1/receive`, { method: 'POST', headers: { ...HEADERS, authorization: `Bearer ${token}` }, body: compress(encodeSeries(series)) });
}

/** The canary's raw samples (a range selector at a fixed time), as the API returns them: "" when gone. */
async function readCanary(): Promise<string> {
  const at = (canaryTime(ctx.now, 0) + 1000) / 1000;
  const q = new URLSearchParams({ query: 'fuzz_canary{job="fuzz",instance="canary"}[30m]', time: String(at) });
  const a = await exchange(`${stack.api.url}/api/metrics/v1/${TENANT}/api/v1/query?${q}`, { headers: { authorization: `Bearer ${ctx.token}` } });
  assert.equal(a.status, 200, `canary read: ${a.status} ${a.text.slice(0, 300)}`);
  const result = (a.json?.data as { result: unknown[] }).result;
  assert.ok(result.length <= 1, `at most one canary series: ${a.text.slice(0, 300)}`);
  return result.length === 0 ? '' : JSON.stringify(result[0]);
}

/** Same samples as before the fuzzing; the message counts what was lost or changed. */
function assertCanary(now: string, when: string): void {
  if (now === canaryBefore) return;
  const points = (s: string) => new Map(s === '' ? [] : (JSON.parse(s) as { values: Array<[number, string]> }).values.map(([t, v]) => [t, v]));
  const [was, is] = [points(canaryBefore), points(now)];
  const lost = [...was.keys()].filter((t) => !is.has(t)).length;
  const changed = [...was].filter(([t, v]) => is.has(t) && is.get(t) !== v).length;
  const added = [...is.keys()].filter((t) => !was.has(t)).length;
  assert.fail(`canary ${when}: ${lost} of ${was.size} samples lost, ${changed} changed, ${added} added${now === '' ? ' (the series is gone)' : ''}\nbefore: ${canaryBefore}\nnow:    ${now}`);
}

before(async () => {
  stack = await startFuzzStack();
  const now = Date.now();
  ctx = { stack, now, canary: CANARY, token: await stack.token('alpha-writer') };
  const samples = Array.from({ length: CANARY_SAMPLES }, (_, k) => ({ value: canaryValue(k), timestamp: BigInt(canaryTime(now, CANARY_SAMPLES - 1 - k)) }));
  const w = await write(TENANT, ctx.token, [{ labels: CANARY, samples }]);
  assert.equal(w.status, 204, `canary write: ${w.status} ${w.text}`);
  const beta = await write('beta', await stack.token('beta-writer'), [{ labels: [{ name: '__name__', value: BETA_ONLY_METRIC }], samples: [{ value: 1, timestamp: BigInt(now - 30_000) }] }]);
  assert.equal(beta.status, 204, `beta series write: ${beta.status} ${beta.text}`);
  canaryBefore = await readCanary();
  const values = (JSON.parse(canaryBefore) as { values: unknown[] }).values;
  assert.equal(values.length, CANARY_SAMPLES, `every canary sample reads back before the fuzzing: ${canaryBefore}`);
  console.log(`fuzz seed ${SEED} (FUZZ_SEED to replay, FUZZ_RUNS to change the runs per property)`);
});

after(async () => {
  if (reports.length > 0) console.log(`\n== fuzz figures (seed ${SEED})\n${reports.map((r) => formatReport(r).split('\n')[0]).join('\n')}`);
  await stack?.stop();
});

async function property<T>(make: (c: Ctx) => PropertySpec<T>): Promise<void> {
  ctx.token = await stack.token('alpha-writer'); // tokens live 5 min; a slow run must not outlive one
  const r = await runProperty(make(ctx));
  reports.push(r);
  console.log(formatReport(r));
  assert.equal(totalViolations(r), 0, formatReport(r));
}

test('fuzz: valid PromQL from a typed grammar on query and query_range', () => property((c) => promqlValid(c, runsFor(400))));
test('fuzz: mutated and random PromQL on query and query_range', () => property((c) => promqlMutated(c, runsFor(500))));
test('fuzz: remote-write bodies', () => property((c) => remoteWrite(c, runsFor(400))));
test('fuzz: bearer tokens', () => property((c) => jwt(c, runsFor(400))));
test('fuzz: query parameters on every read endpoint', () => property((c) => params(c, runsFor(600))));

test('after the fuzzing: the canary is intact, also after a store restart; current writes are accepted; no process restarted', async () => {
  assert.deepEqual(stack.deadProcesses(), [], 'every process alive');
  const pids = stack.pids();
  assert.equal(pids.store, pids.storeNow, 'the store was not restarted during the fuzzing');
  assertCanary(await readCanary(), 'after the fuzzing');
  await stack.restartStore();
  assertCanary(await readCanary(), 'after a store restart');
  const w = await write(TENANT, ctx.token, [{ labels: [{ name: '__name__', value: 'fuzz_after' }], samples: [{ value: 1, timestamp: BigInt(Date.now()) }] }]);
  assert.equal(w.status, 204, `a write at the current time is accepted after the fuzzing: ${w.status} ${w.text}`);
  const q = await exchange(`${stack.api.url}/api/metrics/v1/${TENANT}/api/v1/query?query=fuzz_after`, { headers: { authorization: `Bearer ${ctx.token}` } });
  assert.equal((q.json?.data as { result: unknown[] } | undefined)?.result.length, 1, `the current write reads back: ${q.text.slice(0, 300)}`);
  assert.deepEqual(stack.deadProcesses(), [], 'every process alive at the end');
  console.log(`canary: ${CANARY_SAMPLES} samples identical after the fuzzing and after a store restart; current write accepted`);
});
