import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from '../../src/doctor/render.js';
import { buildReport, checkResult, deriveVerdicts, type DoctorReport } from '../../src/doctor/report.js';
import { runDoctor } from '../../src/doctor/run.js';
import { ROOT_CAUSE_IDS, ROOT_CAUSES } from '../../src/doctor/causes.js';

const NOW = new Date('2024-05-02T10:15:00Z');
const SECRET = 'cl1ent-s3cret-from-flag';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL3Nzby5yZWRoYXQuY29tL2F1dGgvcmVhbG1zL3JlZGhhdC1leHRlcm5hbCIsImF1ZCI6ImFjY291bnQifQ.c2lnbmF0dXJl';

function sample(): DoctorReport {
  const checks = [
    checkResult('logs', 'Fleet manager and token refresher logs', {
      status: 'fail', summary: '2 known error line(s)',
      evidence: [{ text: 'token-refresher: 2 x "oauth2: cannot fetch token: 401 / invalid_client"', data: { count: 2 } }],
      suspects: [{ cause: 'invalid-client-credentials', confidence: 'likely', because: '2 x invalid_client in the token-refresher log' }],
      fix: 'rotate the client secret',
    }),
    checkResult('observatorium-url', 'Observatorium URL is correct', { status: 'ok', summary: 'the URL is the stage Observatorium URL' }),
    checkResult('credentials', 'Client ID, client secret and issuer URL are populated', { status: 'warn', summary: 'no --oidc.audience', evidence: [{ text: 'pipe | in text' }] }),
    checkResult('network-policy', 'NetworkPolicy admits the fleet manager to the token refresher', { status: 'skipped', summary: 'cannot read networkpolicies: forbidden (403)' }),
  ];
  return buildReport({ kind: 'cluster', description: 'context stage (https://api.example:6443)', namespace: 'managed-services-stage' }, checks, { environment: 'stage', now: NOW });
}

test('json: stable top-level shape and values', () => {
  const out = renderReport(sample(), 'json');
  const parsed = JSON.parse(out) as DoctorReport;
  assert.deepEqual(Object.keys(parsed), ['schemaVersion', 'generatedAt', 'source', 'environment', 'status', 'checks', 'verdicts']);
  assert.equal(parsed.schemaVersion, 1);
  assert.equal(parsed.generatedAt, '2024-05-02T10:15:00.000Z');
  assert.equal(parsed.status, 'fail');
  assert.deepEqual(Object.keys(parsed.checks[0]!), ['id', 'step', 'title', 'evidence', 'suspects', 'status', 'summary', 'fix']);
  assert.deepEqual(parsed.checks.map((c) => [c.id, c.step, c.status]), [['logs', '1', 'fail'], ['observatorium-url', '2', 'ok'], ['credentials', '3', 'warn'], ['network-policy', '4.1', 'skipped']]);
  assert.deepEqual(parsed.verdicts, [{
    cause: 'invalid-client-credentials', title: ROOT_CAUSES['invalid-client-credentials'].title, hop: 'issuer', confidence: 'likely',
    because: ['[1] 2 x invalid_client in the token-refresher log'], fix: ROOT_CAUSES['invalid-client-credentials'].fix, checks: ['logs'], role: 'top',
  }]);
});

test('human: runbook numbering, statuses, verdict; colours only when asked', () => {
  const plain = renderReport(sample(), 'human');
  assert.ok(!plain.includes('\x1b['));
  const lines = plain.split('\n');
  assert.equal(lines[0], 'obspath doctor: context stage (https://api.example:6443), namespace managed-services-stage, stage');
  assert.ok(lines.includes('[FAIL] 1    Fleet manager and token refresher logs'));
  assert.ok(lines.includes('[OK]   2    Observatorium URL is correct'));
  assert.ok(lines.includes('[WARN] 3    Client ID, client secret and issuer URL are populated'));
  assert.ok(lines.includes('[SKIP] 4.1  NetworkPolicy admits the fleet manager to the token refresher'));
  assert.ok(lines.includes('            skipped: cannot read networkpolicies: forbidden (403)'));
  assert.ok(lines.includes('  1. invalid-client-credentials (likely, hop issuer): The issuer rejects the refresher\'s client id/secret'));
  const coloured = renderReport(sample(), 'human', { color: true });
  assert.ok(coloured.includes('\x1b[31m[FAIL]'));
  assert.equal(coloured.replace(/\x1b\[\d+m/g, ''), plain);
});

test('markdown: summary table, verdict list, details per check', () => {
  const md = renderReport(sample(), 'markdown');
  assert.ok(md.startsWith('## obspath doctor: FAIL\n'));
  assert.match(md, /\| 1 \| Fleet manager and token refresher logs \| FAIL \| 2 known error line\(s\) \|/);
  assert.match(md, /\| 4\.1 \| NetworkPolicy admits the fleet manager to the token refresher \| SKIP \| cannot read networkpolicies: forbidden \(403\) \|/);
  assert.match(md, /1\. \*\*invalid-client-credentials\*\* \(likely, hop issuer\)/);
  assert.match(md, /### 3\. Client ID, client secret and issuer URL are populated: WARN/);
  assert.match(md, /- `pipe \| in text`/);
  assert.ok(!/\n{3,}/.test(md));
});

test('human and markdown: the top verdict, "also" for every other fault, symptoms under their cause', () => {
  const checks = [
    checkResult('logs', 'logs', { status: 'fail', summary: 'x', suspects: [{ cause: 'invalid-client-credentials', confidence: 'likely', because: 'invalid_client in the log' }] }),
    checkResult('refresher-health', 'health', { status: 'fail', summary: 'x', suspects: [{ cause: 'refresher-crashloop', confidence: 'confirmed', because: 'pod in CrashLoopBackOff' }] }),
    checkResult('observatorium-health', 'api', { status: 'fail', summary: 'x', suspects: [{ cause: 'backend-down', confidence: 'confirmed', because: 'the API counts backend failures' }] }),
  ];
  const r = buildReport({ kind: 'snapshot', description: 'snapshot x', namespace: 'ns' }, checks, { now: NOW });
  assert.deepEqual(r.verdicts.map((v) => [v.cause, v.role]), [['invalid-client-credentials', 'top'], ['backend-down', 'also'], ['refresher-crashloop', 'explained']]);
  const lines = renderReport(r, 'human').split('\n');
  const at = (s: string) => lines.findIndex((l) => l.startsWith(s));
  assert.ok(at('  1. invalid-client-credentials (likely, hop issuer)') >= 0);
  assert.ok(at('     explains refresher-crashloop (confirmed, hop token-refresher)') > at('  1. invalid-client-credentials'));
  assert.ok(at('       because [4.3] pod in CrashLoopBackOff') > at('     explains refresher-crashloop'));
  assert.ok(at('  also: backend-down (confirmed, hop backend)') > at('       because [4.3]'));
  assert.ok(lines.includes('     because [5] the API counts backend failures'));
  const md = renderReport(r, 'markdown');
  assert.match(md, /1\. \*\*invalid-client-credentials\*\* \(likely, hop issuer\)[\s\S]*   - Explains \*\*refresher-crashloop\*\*[\s\S]*2\. Also: \*\*backend-down\*\* \(confirmed, hop backend\)/);
});

test('verdicts: unknown when something failed and nothing was suspected; none when all is well', () => {
  const failed = [checkResult('refresher-health', 'x', { status: 'fail', summary: 'something odd' })];
  assert.deepEqual(deriveVerdicts(failed).map((v) => [v.cause, v.because]), [['unknown', ['[4.3] something odd']]]);
  assert.deepEqual(deriveVerdicts([checkResult('logs', 'x', { status: 'ok', summary: 'fine' })]), []);
});

test('causes: every id has a catalog entry with a runbook step and a fix', () => {
  for (const id of ROOT_CAUSE_IDS) {
    const c = ROOT_CAUSES[id];
    assert.equal(c.id, id);
    assert.ok(c.runbookSteps.length > 0 && c.fix.length > 20 && c.title.length > 0, id);
  }
});

test('no cluster: flags only; the secret and the token given never appear in any format', async () => {
  const report = await runDoctor({
    now: NOW, environment: 'stage',
    local: { observatoriumUrl: 'https://observatorium-mst.api.stage.openshift.com/api/metrics/v1/managedkafka', clientId: 'kas-fleet-manager', clientSecret: SECRET, issuerUrl: 'https://sso.redhat.com/auth/realms/redhat-external', audience: 'observatorium-telemeter', token: TOKEN },
  });
  const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
  assert.equal(byId['observatorium-url']!.status, 'ok');
  assert.equal(byId.credentials!.status, 'fail');
  assert.deepEqual(byId.credentials!.suspects.map((s) => s.cause), ['audience-mismatch']);
  assert.equal(byId.logs!.status, 'skipped');
  assert.equal(report.source.kind, 'local');
  for (const format of ['human', 'json', 'markdown'] as const) {
    const out = renderReport(report, format);
    assert.ok(!out.includes(SECRET), format);
    assert.ok(!out.includes(TOKEN.split('.')[1]!), format);
  }
});
