// The doctor against faults injected by hand into a running `obspath up` stack (not through --fault): the
// issuer restarted on a new signing key (the old one gone from its JWKS), the issuer's clock set back ten
// minutes (Debian's libfaketime preloaded into the issuer process), the tenant removed from the API's tenants file and the
// refresher's client removed from RBAC (each followed by SIGHUP to the API). Each asserts the top verdict and
// the evidence that proves it; a healthy stack gives no verdict, three times. The measured matrix is printed.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse, stringify } from 'yaml';
import { localDoctorOptions } from '../../src/doctor/local/options.js';
import type { DoctorReport } from '../../src/doctor/report.js';
import { runDoctor } from '../../src/doctor/run.js';
import { startStack, TENANT, type RunningStack } from '../../src/stack/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePortRange, tempDir, waitUntil } from '../../tools/testing/net.js';

const matrix: { fault: string; expected: string; got: string; ms: number }[] = [];

after(() => {
  const rows = matrix.map((m) => `  ${m.fault.padEnd(34)} ${m.expected.padEnd(22)} ${m.got.padEnd(34)} ${String(m.ms).padStart(6)} ms`);
  process.stdout.write(`hand-injected faults (fault, expected, got, doctor run time):\n${rows.join('\n')}\n`);
});

async function withStack(opts: { wrap?: Record<string, string[]> }, fn: (s: RunningStack, dataDir: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  const out = new PassThrough();
  out.resume();
  const stack = await startStack({ dataDir: dir.path, basePort: await freePortRange(10), out, logger: createLogger({ component: 'up', level: 'warn', destination: out }), logLevel: 'warn', readyTimeoutMs: 30_000, wrap: opts.wrap });
  try {
    if (stack.notReady.length > 0) {
      const logs = await Promise.all(stack.notReady.map(async (c) => `${c}: ${(await readFile(join(dir.path, 'logs', `${c}.log`), 'utf8').catch(() => '(no log)')).slice(-1500)}`));
      assert.fail(`not ready after 30 s: ${stack.notReady.join(', ')}\n${logs.join('\n')}`);
    }
    await fn(stack, dir.path);
  } finally {
    await stack.stop();
    await dir.cleanup();
  }
}

async function diagnose(dataDir: string): Promise<{ report: DoctorReport; ms: number }> {
  const t0 = performance.now();
  const report = await runDoctor(await localDoctorOptions({ dataDir }));
  return { report, ms: Math.round(performance.now() - t0) };
}

/** Each step's summary, the verdicts, and the log samples behind step 1's findings (what a failure needs to be read). */
function summary(r: DoctorReport): string {
  const samples = r.checks.find((c) => c.id === 'logs')?.evidence.flatMap((e) => (Array.isArray(e.data?.samples) ? (e.data.samples as string[]).map((x) => `  sample: ${x}`) : [])) ?? [];
  return [...r.checks.map((c) => `${c.step} ${c.status}: ${c.summary}`), ...r.verdicts.map((v) => `verdict ${v.cause} (${v.confidence}): ${v.because.join(' | ')}`), ...samples].join('\n');
}

/** Runs the doctor, records the row, and returns the report with its one-line summary for assertions. */
async function diagnoseFault(dataDir: string, fault: string, expected: string): Promise<{ r: DoctorReport; why: string }> {
  const { report: r, ms } = await diagnose(dataDir);
  const top = r.verdicts[0];
  matrix.push({ fault, expected, got: top ? `${top.cause} (${top.confidence})` : 'no verdict', ms });
  return { r, why: summary(r) };
}

const pidOf = (s: RunningStack, name: string) => s.supervisor.status().find((c) => c.name === name)?.pid;

/** The answer of a query through the refresher, as the fleet manager would get it. */
async function queryThroughRefresher(s: RunningStack): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${s.plan.ports.refresher}/api/v1/query?query=vector(1)`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

/** A client-credentials token from the stack's issuer. */
async function clientToken(s: RunningStack, id: string, secret: string): Promise<string> {
  const res = await fetch(`${s.plan.issuerUrl}/token`, {
    method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', audience: 'observatorium-telemeter' }),
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
  });
  const body = await res.json() as { access_token?: string };
  assert.ok(body.access_token, JSON.stringify(body));
  return body.access_token;
}

/**
 * Debian's libfaketime (package faketime, installed by scripts/install-test-deps.sh), preloaded with `env`, which
 * execs: the supervised child is the issuer itself and stopping the stack stops it (the `faketime` command forks,
 * and its child would outlive the stack).
 */
function faketimeLibrary(): string {
  const files = execFileSync('dpkg', ['-L', 'libfaketime'], { encoding: 'utf8' }).split('\n');
  const lib = files.find((f) => f.endsWith('/libfaketime.so.1'));
  assert.ok(lib, 'libfaketime.so.1 is not installed: run scripts/install-test-deps.sh');
  return lib;
}

async function editYaml(file: string, edit: (doc: Record<string, unknown>) => void): Promise<void> {
  const doc = parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(doc);
  await writeFile(file, stringify(doc));
}

describe('doctor --env local against faults injected by hand', { concurrency: 2 }, () => {
  it('a healthy stack: three runs, no verdict', async () => {
    await withStack({}, async (_s, dataDir) => {
      for (let i = 1; i <= 3; i++) {
        const { report: r, ms } = await diagnose(dataDir);
        matrix.push({ fault: `healthy #${i}`, expected: 'no verdict', got: r.verdicts[0] ? r.verdicts[0].cause : 'no verdict', ms });
        assert.deepEqual(r.verdicts, [], summary(r));
        assert.equal(r.status, 'ok', summary(r));
      }
    });
  });

  it('the issuer restarted on a new signing key: stale-signing-key', async () => {
    await withStack({}, async (s, dataDir) => {
      assert.equal((await queryThroughRefresher(s)).status, 200);
      const before = pidOf(s, 'issuer');
      // The issuer keeps its keys in memory: a restart publishes a new key and drops the one the refresher's token names.
      process.kill(before!, 'SIGKILL');
      await waitUntil(async () => { const p = pidOf(s, 'issuer'); return p !== undefined && p !== before && (await fetch(`${s.plan.issuerUrl.replace(/\/auth.*/, '')}/health`).then((r) => r.ok, () => false)); }, 20_000);
      // The API keeps verifying with the keys it holds until a token with an unknown key id makes it refetch the
      // JWKS: another client's fresh token does, as it would in production. From then on the old key is unknown.
      const fresh = await clientToken(s, 'data-plane', s.plan.secrets.dataPlane);
      const direct = await fetch(`http://127.0.0.1:${s.plan.ports.api}/api/metrics/v1/${TENANT}/api/v1/query?query=vector(1)`, { headers: { authorization: `Bearer ${fresh}` } });
      assert.equal(direct.status, 200, await direct.text());
      const log = join(dataDir, 'logs', 'token-refresher.log');
      await waitUntil(async () => /upstream rejected the access token[^\n]*"reason":"unknown_key"|"reason":"unknown_key"[^\n]*upstream rejected the access token/.test(await readFile(log, 'utf8').catch(() => '')), 45_000);
      const { r, why } = await diagnoseFault(dataDir, 'issuer restarted on a new key', 'stale-signing-key');
      assert.equal(r.verdicts[0]?.cause, 'stale-signing-key', why);
      assert.match(r.verdicts[0]!.because.join('\n'), /unknown_key/, why);
      // The refresher renewed its token and retried: the path works again.
      assert.equal((await queryThroughRefresher(s)).status, 200);
    });
  });

  it('the issuer\'s clock ten minutes behind (libfaketime): clock-skew', async () => {
    await withStack({ wrap: { issuer: ['env', `LD_PRELOAD=${faketimeLibrary()}`, 'FAKETIME=-10m'] } }, async (s, dataDir) => {
      const q = await queryThroughRefresher(s);
      assert.equal(q.status, 401, q.body);
      assert.match(q.body, /"reason":"expired"/);
      const { r, why } = await diagnoseFault(dataDir, 'issuer clock -10 min (libfaketime)', 'clock-skew');
      assert.equal(r.verdicts[0]?.cause, 'clock-skew', why);
      assert.equal(r.verdicts[0]?.confidence, 'confirmed', why);
      assert.match(r.verdicts[0]!.because.join('\n'), /issuer's clock is 60\d s behind this machine's/, why);
      assert.ok(!r.verdicts.some((v) => v.cause === 'audience-mismatch' || v.cause === 'issuer-unreachable'), why);
    });
  });

  it('the tenant removed from the API\'s tenants file, SIGHUP: tenant-not-registered', async () => {
    await withStack({}, async (s, dataDir) => {
      await editYaml(join(dataDir, 'config', 'tenants.yaml'), (doc) => {
        for (const t of doc.tenants as { name: string; id: string }[]) { t.name = `${t.name}-retired`; t.id = `${t.id}-retired`; }
      });
      process.kill(pidOf(s, 'api')!, 'SIGHUP');
      await waitUntil(async () => (await queryThroughRefresher(s)).status === 404, 10_000);
      const { r, why } = await diagnoseFault(dataDir, 'tenant removed from tenants.yaml + SIGHUP', 'tenant-not-registered');
      assert.equal(r.verdicts[0]?.cause, 'tenant-not-registered', why);
      assert.equal(r.verdicts[0]?.confidence, 'confirmed', why);
      assert.match(r.verdicts[0]!.because.join('\n'), new RegExp(`names the expected tenant "${TENANT}"`), why);
      assert.ok(!r.verdicts.some((v) => v.cause === 'issuer-mismatch' || v.cause === 'wrong-observatorium-url'), why);
    });
  });

  it('the refresher\'s client removed from RBAC, SIGHUP: rbac-denied', async () => {
    await withStack({}, async (s, dataDir) => {
      await editYaml(join(dataDir, 'config', 'rbac.yaml'), (doc) => {
        for (const b of doc.roleBindings as { subjects: { name: string }[] }[]) b.subjects = b.subjects.filter((x) => x.name !== 'kas-fleet-manager');
      });
      process.kill(pidOf(s, 'api')!, 'SIGHUP');
      await waitUntil(async () => (await queryThroughRefresher(s)).status === 403, 10_000);
      // The fleet manager's failures (forbidden/rbac_denied) reach its log: step 1 recognises them.
      await waitUntil(async () => /rbac_denied/.test(await readFile(join(dataDir, 'logs', 'fleet-manager.log'), 'utf8').catch(() => '')), 15_000);
      const { r, why } = await diagnoseFault(dataDir, 'client removed from rbac.yaml + SIGHUP', 'rbac-denied');
      assert.equal(r.verdicts[0]?.cause, 'rbac-denied', why);
      assert.equal(r.verdicts[0]?.confidence, 'confirmed', why);
      assert.ok(r.checks.find((c) => c.id === 'logs')!.evidence.some((e) => /403 forbidden \(rbac_denied\)/.test(e.text)), why);
      assert.ok(!r.checks.find((c) => c.id === 'logs')!.evidence.some((e) => /matching no known signature/.test(e.text)), why);
    });
  });
});
