// The doctor's fault matrix (run by test/stack/faults.test.ts, on the same stack per fault as the alert checks: one
// stack start per fault instead of two): for every fault of `obspath up`'s catalog, the dashboard user and the probe
// drive traffic for a few seconds, then the doctor (`--env local`, in-process) runs, and its top verdict is held to
// the catalog's `verdict`, confirmed, with the evidence that proves it. A healthy stack is diagnosed three times
// without a single warning. Run times are measured and bounded (issue 7: < 3 s healthy, < 10 s when hops hang).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localDoctorOptions } from '../../src/doctor/local/options.js';
import { ESCALATE_CAUSES } from '../../src/doctor/escalation.js';
import { renderReport } from '../../src/doctor/render.js';
import type { DoctorReport } from '../../src/doctor/report.js';
import { runDoctor } from '../../src/doctor/run.js';
import type { Fault, FaultName, RunningStack } from '../../src/stack/index.js';

/** What the top verdict's evidence must say for each fault: the fact that proves it, not just the label. */
const EVIDENCE: Record<FaultName, RegExp> = {
  'wrong-url-host': /connection refused .*while the Observatorium API answers at/,
  'wrong-url-path': /path is "\/api\/metrics\/v2\/managedkafka"/,
  'wrong-url-tenant': /tenant is "managedkafka-stage", expected "managedkafka"/,
  'missing-client-id': /client ID: empty/,
  'wrong-client-secret': /grant with the refresher's credentials failed: invalid_client/,
  'issuer-down': /OIDC discovery with the refresher's credentials failed: issuer_unreachable/,
  'issuer-slow': /OIDC discovery with the refresher's credentials failed: issuer_timeout/,
  'refresher-down': /token-refresher process keeps exiting soon after start/,
  'refresher-blackholed': /accepts connections but its HTTP server never answers .*while the refresher itself answers/,
  'api-down': /connection refused .*the Observatorium API does not accept connections at its address/,
  'api-5xx': /the Observatorium API answers 500 internal/,
  'backend-down': /the API's backend fails: 502 upstream_unreachable/,
  'backend-slow': /the API's backend fails: 504 upstream_timeout/,
  'rate-limited': /rate-limits the tenant \(429\)/,
  'audience-mismatch': /aud is \[other-audience\], the tenant expects "observatorium-telemeter"/,
};
/** Faults where a hop hangs: the doctor's run is bounded by its timeouts, not by the hop. */
const HANGING: ReadonlySet<string> = new Set(['refresher-blackholed', 'backend-slow', 'issuer-slow']);
const timings: { name: string; ms: number }[] = [];

/** The doctor's run times so far, for the file's `after`. */
export function doctorTimings(): string {
  const lines = timings.map((t) => `  ${t.name.padEnd(28)} ${String(t.ms).padStart(6)} ms`).join('\n');
  return `doctor run times (in-process, --env local):\n${lines}\n`;
}

/**
 * Before a diagnosis: every component that should be ready is (a lost port or a crash makes every verdict
 * meaningless: say so, with its log), and a few seconds of traffic, at least two dashboard requests answered (or
 * failed) at the fleet manager.
 */
async function readyWithTraffic(stack: RunningStack, dataDir: string): Promise<void> {
  const unexpected = stack.notReady;
  if (unexpected.length > 0) {
    const logs = await Promise.all(unexpected.map(async (c) => `${c}: ${(await readFile(join(dataDir, 'logs', `${c}.log`), 'utf8').catch(() => '(no log)')).slice(-1500)}`));
    assert.fail(`not ready after 30 s: ${unexpected.join(', ')}\n${logs.join('\n')}`);
  }
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && Object.values(stack.userTraffic.stats()).reduce((a, b) => a + b, 0) < 2) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 1000));
}

async function diagnose(dataDir: string, name: string): Promise<DoctorReport> {
  const t0 = performance.now();
  const report = await runDoctor(await localDoctorOptions({ dataDir, escalationUrl: 'https://example.invalid/escalation-policy' }));
  timings.push({ name, ms: Math.round(performance.now() - t0) });
  return report;
}

function summary(r: DoctorReport): string {
  return [...r.checks.map((c) => `${c.step} ${c.status}: ${c.summary}`), ...r.verdicts.map((v) => `verdict ${v.cause} (${v.confidence}): ${v.because.join(' | ')}`)].join('\n');
}

const CLI = new URL('./doctor-cli-main.ts', import.meta.url).pathname;
/** Async on purpose: the stack's stand-ins and data plane live in this process and must keep answering. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'doctor', ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

export const HEALTHY_TITLE = 'doctor: a healthy stack: three runs, no warning, no verdict, under 3 s each; the CLI exits 0';

export async function assertHealthyDiagnosis(stack: RunningStack, dataDir: string): Promise<void> {
  await readyWithTraffic(stack, dataDir);
  for (let i = 1; i <= 3; i++) {
    const r = await diagnose(dataDir, `healthy #${i}`);
    assert.equal(r.status, 'ok', summary(r));
    assert.deepEqual(r.verdicts, []);
    assert.equal(r.escalation, undefined);
    assert.ok(r.checks.every((c) => c.status === 'ok'), summary(r));
    assert.ok(timings.at(-1)!.ms < 3000, `healthy run took ${timings.at(-1)!.ms} ms`);
  }
  const c = await cli(['--env', 'local', '--data', dataDir]);
  assert.equal(c.code, 0, c.stderr + c.stdout);
  assert.match(c.stdout, /\[OK\]   5    Observatorium instance is up/);
  assert.ok(!c.stdout.includes(stack.plan.secrets.fleetManager));
}

export const faultTitle = (fault: Fault): string => `doctor: top verdict ${fault.verdict}, confirmed, with its evidence`;

export async function assertFaultDiagnosis(fault: Fault, stack: RunningStack, dataDir: string): Promise<void> {
  await readyWithTraffic(stack, dataDir);
  const r = await diagnose(dataDir, fault.name);
  const why = summary(r);
  assert.equal(r.status, 'fail', why);
  const top = r.verdicts[0];
  assert.ok(top, why);
  assert.equal(top.cause, fault.verdict, why);
  assert.equal(top.confidence, 'confirmed', why);
  assert.match(top.because.join('\n'), EVIDENCE[fault.name], why);
  assert.equal(r.escalation !== undefined, ESCALATE_CAUSES.has(top.cause), 'escalation block iff the cause is on Observatorium\'s side');
  if (HANGING.has(fault.name)) assert.ok(timings.at(-1)!.ms < 10_000, `${fault.name}: ${timings.at(-1)!.ms} ms`);
  // The refresher's client secret (and the token) never reach any format.
  for (const format of ['human', 'json', 'markdown'] as const) {
    const text = renderReport(r, format);
    assert.ok(!text.includes(stack.plan.secrets.fleetManager), `${format} output leaks the client secret`);
    assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./.test(text), `${format} output leaks a token`);
  }
  if (fault.name === 'missing-client-id') assert.ok(r.verdicts.some((v) => v.cause === 'refresher-crashloop'), `the crash loop is reported too\n${why}`);
  if (fault.name === 'api-5xx') {
    const c = await cli(['--env', 'local', '--data', dataDir, '-o', 'markdown', '--escalation-url', 'https://example.invalid/policy']);
    assert.equal(c.code, 1, c.stderr);
    assert.match(c.stdout, /1\. \*\*observatorium-down\*\* \(confirmed/);
    assert.match(c.stdout, /### Escalation: Control Plane team[\s\S]*https:\/\/example\.invalid\/policy/);
  }
}
