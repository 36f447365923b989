import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { DoctorReport } from '../../src/doctor/report.js';

const MAIN = new URL('./doctor-cli-main.ts', import.meta.url).pathname;
const FIXTURE = new URL('../fixtures/doctor/incident/', import.meta.url).pathname;

function doctor(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'doctor', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...env }, timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('cli: snapshot diagnosis as JSON exits 1 and names the causes', () => {
  const r = doctor(['--snapshot', FIXTURE, '-o', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as DoctorReport;
  // The faults along the path from the fleet manager; the crash loop after the unreachable issuer that explains it.
  assert.deepEqual(report.verdicts.map((v) => [v.cause, v.role]), [
    ['network-policy-blocks', 'top'], ['wrong-observatorium-url', 'also'], ['issuer-unreachable', 'also'], ['refresher-crashloop', 'explained'],
  ]);
});

test('cli: --no-cluster checks the environment and never prints the secret', () => {
  const r = doctor(['--no-cluster', '--env', 'stage'], {
    OBSERVATORIUM_URL: 'https://observatorium-mst.api.stage.openshift.com/api/metrics/v1/managedkafka',
    CLIENT_ID: 'kas-fleet-manager', CLIENT_SECRET: 'env-secret-value-123', ISSUER_URL: 'https://sso.redhat.com/auth/realms/redhat-external', OIDC_AUDIENCE: 'observatorium-telemeter',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[OK\]   2    Observatorium URL is correct/);
  assert.match(r.stdout, /\[OK\]   3    Client ID, client secret and issuer URL are populated/);
  assert.ok(!r.stdout.includes('env-secret-value-123'));
  assert.ok(!r.stdout.includes('\x1b['), 'no colours when stdout is not a TTY');
});

test('cli: bad usage exits 2 with one clear message; no kubeconfig says what to do', () => {
  const bad = doctor(['--no-cluster', '--log-tail', 'lots']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--log-tail \(flag --log-tail\): must be a positive integer, got "lots"/);
  const none = doctor([], { KUBECONFIG: '/nonexistent/kubeconfig' });
  assert.equal(none.code, 2, 'could not run: exit 2, not 1 (which means a problem was found)');
  assert.match(none.stderr, /no kubeconfig found .*--snapshot DIR/);
});

test('cli: --no-cluster with nothing to check says so and exits 2, not "no fault found"', () => {
  const r = doctor(['--no-cluster']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /Verdict: nothing could be checked/);
  assert.doesNotMatch(r.stdout, /no fault found/);
  assert.match(r.stderr, /obspath doctor: nothing could be checked: give a kubeconfig context, --snapshot DIR, --env local/);
  const json = doctor(['--no-cluster', '-o', 'json']);
  assert.equal(json.code, 2);
  assert.ok((JSON.parse(json.stdout) as DoctorReport).checks.every((c) => c.status === 'skipped'));
});
