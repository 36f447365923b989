// The live checks' building blocks without a stack: probes against loopback servers that refuse, accept and
// stay silent, or answer; the merge of a step's two halves; escalation; watch diffs; the local stack reader;
// alerts from a Prometheus- and an Alertmanager-shaped server; the CLI's "could not run" exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fetchAlerts } from '../../src/doctor/live/alerts.js';
import { probeHttp, probeHttpServer, probeTcp } from '../../src/doctor/live/http-probe.js';
import { runLiveReachabilityCheck } from '../../src/doctor/live/refresher.js';
import { DEFAULT_TIMEOUTS } from '../../src/doctor/live/targets.js';
import { escalationFor } from '../../src/doctor/escalation.js';
import { parseEnvFile, readLocalStack } from '../../src/doctor/local/stack-state.js';
import { runLocalLogsCheck, withinWindow } from '../../src/doctor/local/logs.js';
import { buildReport, checkResult, deriveVerdicts, type CheckResult } from '../../src/doctor/report.js';
import { mergeChecks } from '../../src/doctor/run.js';
import { diffReports } from '../../src/doctor/watch.js';
import { freePort, tempDir } from '../../tools/testing/net.js';

async function listen(server: ReturnType<typeof createHttpServer> | ReturnType<typeof createTcpServer>): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }) };
}

const blackHole = () => listen(createTcpServer(() => undefined));
const httpServer = (status = 200, body: unknown = { status: 'success', data: {} }) => listen(createHttpServer((req, res) => {
  req.resume();
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}));

test('probes: refused, accepted-but-silent and answering are three different outcomes', async () => {
  const hole = await blackHole();
  const srv = await httpServer();
  const closed = `http://127.0.0.1:${await freePort()}`;
  try {
    assert.equal((await probeTcp(closed, 500)).outcome, 'refused');
    assert.equal((await probeTcp(hole.url, 500)).outcome, 'accepted');
    assert.equal((await probeHttpServer(closed, 500)).outcome, 'refused');
    const silent = await probeHttpServer(hole.url, 300);
    assert.equal(silent.outcome, 'silent');
    assert.ok(silent.ms >= 290 && silent.ms < 1000, `bounded by its timeout: ${silent.ms}`);
    const answers = await probeHttpServer(srv.url, 500);
    assert.equal(answers.outcome, 'answers');
    assert.match(answers.statusLine ?? '', /^HTTP\/1\.1 400/, 'no Host header: the server itself answers 400');
    assert.equal((await probeHttp(`${hole.url}/x`, { timeoutMs: 300 })).outcome, 'silent');
    assert.equal((await probeHttp(`${closed}/x`, { timeoutMs: 300 })).outcome, 'refused');
    const ok = await probeHttp(`${srv.url}/x`, { timeoutMs: 500 });
    assert.equal(ok.outcome, 'answered');
    assert.equal(ok.status, 200);
    assert.equal((await probeHttp('http://127.0.0.1:99999/', { timeoutMs: 300 })).outcome, 'invalid-url');
  } finally {
    await hole.close();
    await srv.close();
  }
});

test('4.1 live: a silent fleet-manager address while the refresher answers is a network drop; refused is not', async () => {
  const hole = await blackHole();
  const refresher = await httpServer();
  const closed = `http://127.0.0.1:${await freePort()}`;
  const timeouts = { ...DEFAULT_TIMEOUTS, httpMs: 400, connectMs: 400 };
  try {
    const dropped = await runLiveReachabilityCheck({ origin: 't', fleetRefresherUrl: hole.url, refresherUrl: refresher.url, timeouts });
    assert.equal(dropped.status, 'fail');
    assert.deepEqual(dropped.suspects.map((s) => [s.cause, s.confidence]), [['network-policy-blocks', 'confirmed']]);
    const refused = await runLiveReachabilityCheck({ origin: 't', fleetRefresherUrl: closed, refresherUrl: closed, timeouts });
    assert.deepEqual(refused.suspects.map((s) => [s.cause, s.confidence]), [['refresher-unreachable', 'likely']]);
    const fine = await runLiveReachabilityCheck({ origin: 't', fleetRefresherUrl: refresher.url, timeouts });
    assert.equal(fine.status, 'ok');
  } finally {
    await hole.close();
    await refresher.close();
  }
});

test('merge: a skipped half gives way; otherwise the worse status, both halves\' evidence and suspects', () => {
  const a = checkResult('credentials', 'Creds', { status: 'ok', summary: 'populated', evidence: [{ text: 'a' }] });
  const b = checkResult('credentials', 'Creds', { status: 'fail', summary: 'grant failed', evidence: [{ text: 'b' }], suspects: [{ cause: 'invalid-client-credentials', confidence: 'confirmed', because: 'x' }], fix: 'rotate' });
  const m = mergeChecks(a, b);
  assert.equal(m.status, 'fail');
  assert.equal(m.summary, 'grant failed');
  assert.deepEqual(m.evidence.map((e) => e.text), ['a', 'b']);
  assert.equal(m.suspects.length, 1);
  assert.equal(m.fix, 'rotate');
  const s = checkResult('logs', 'Logs', { status: 'skipped', summary: 'no cluster' });
  assert.equal(mergeChecks(s, a), a);
  assert.equal(mergeChecks(a, s).status, 'ok');
});

test('escalation: only for causes on Observatorium\'s side or unknown, with the configured link', () => {
  const report = (checks: CheckResult[]) => deriveVerdicts(checks);
  const down = report([checkResult('observatorium-health', 'x', { status: 'fail', summary: 's', suspects: [{ cause: 'backend-down', confidence: 'confirmed', because: 'b' }] })]);
  assert.deepEqual(escalationFor(down, { policyUrl: 'https://p' }), { team: 'Control Plane team', policyUrl: 'https://p', why: 'the cause (backend-down) is on Observatorium\'s side' });
  // Without configuration: the escalation policy the runbook itself links to.
  const runbook = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'runbooks', 'observatorium-non-2xx.md'), 'utf8');
  const link = /Escalation policy can be found \[here\]\((https:[^)]+)\)/.exec(runbook)![1];
  assert.equal(escalationFor(down)?.policyUrl, link);
  const creds = report([checkResult('credentials', 'x', { status: 'fail', summary: 's', suspects: [{ cause: 'invalid-client-credentials', confidence: 'confirmed', because: 'b' }] })]);
  assert.equal(escalationFor(creds), undefined);
  const unknown = report([checkResult('logs', 'x', { status: 'fail', summary: 's' })]);
  assert.equal(escalationFor(unknown)?.why, 'no known cause matched the evidence');
});

test('watch: status changes and the verdict change are listed; an unchanged run lists nothing', () => {
  const src = { kind: 'local' as const, description: 'd', namespace: 'n' };
  const bad = buildReport(src, [checkResult('credentials', 'Creds', { status: 'fail', summary: 'invalid_client', suspects: [{ cause: 'invalid-client-credentials', confidence: 'confirmed', because: 'b' }] })]);
  const good = buildReport(src, [checkResult('credentials', 'Creds', { status: 'ok', summary: 'fine' })]);
  assert.deepEqual(diffReports(bad, good), ['3 Creds: FAIL -> OK: fine', 'verdict: invalid-client-credentials -> none', 'overall: FAIL -> OK']);
  assert.deepEqual(diffReports(good, good), []);
});

test('local stack: env file values, tenant expectations, refresher addresses; faults are not read', async () => {
  const dir = await tempDir();
  try {
    const cfg = join(dir.path, 'config');
    mkdirSync(cfg);
    writeFileSync(join(cfg, 'token-refresher.env'), 'ISSUER_URL=http://i\nCLIENT_ID=\n# comment\nCLIENT_SECRET=s3cr3t=x\n', { mode: 0o600 });
    writeFileSync(join(cfg, 'tenants.yaml'), 'tenants:\n  - name: managedkafka\n    oidc: { issuerURL: http://i, clientID: aud-x }\n');
    writeFileSync(join(dir.path, 'stack.json'), JSON.stringify({
      updatedAt: new Date().toISOString(), ports: { refresher: 1, apiInternal: 3 }, issuerUrl: 'http://i', fleetRefresherUrl: 'http://127.0.0.1:9', tenant: 'managedkafka',
      refresher: { envFile: join(cfg, 'token-refresher.env'), args: ['token-refresher', '--web.listen', '127.0.0.1:7', '--web.internal.listen=127.0.0.1:8'] },
      apiConfig: { tenants: join(cfg, 'tenants.yaml') }, endpoints: [{ component: 'api', url: 'http://127.0.0.1:2/api/metrics/v1/managedkafka' }],
      components: [{ name: 'token-refresher', running: true, restarts: 0, crashLooping: false }], faults: ['wrong-client-secret'],
    }));
    const s = await readLocalStack(dir.path);
    assert.deepEqual(s.refresherEnv, { ISSUER_URL: 'http://i', CLIENT_ID: '', CLIENT_SECRET: 's3cr3t=x' });
    assert.deepEqual(s.tenantOidc, { issuerUrl: 'http://i', clientId: 'aud-x' });
    assert.equal(s.refresherUrl, 'http://127.0.0.1:7');
    assert.equal(s.refresherInternalUrl, 'http://127.0.0.1:8');
    assert.equal(s.apiUrl, 'http://127.0.0.1:2/api/metrics/v1/managedkafka');
    assert.ok(!('faults' in s), 'the injected faults are not part of what the doctor reads');
    assert.deepEqual(parseEnvFile('A=1\n\nB= 2 \n'), { A: '1', B: ' 2 ' });
  } finally {
    await dir.cleanup();
  }
});

test('local logs: signatures from the log files, nothing logged is fine, old lines outside --since are dropped', async () => {
  const dir = await tempDir();
  try {
    const logs = join(dir.path, 'logs');
    mkdirSync(logs);
    assert.equal((await runLocalLogsCheck(logs, { tailLines: 100, secrets: [] })).status, 'ok');
    const now = Date.now();
    const line = (t: number) => JSON.stringify({ level: 'error', time: new Date(t).toISOString(), errorType: 'token_unavailable', reason: 'invalid_client', msg: 'cannot obtain access token' });
    writeFileSync(join(logs, 'token-refresher.log'), `${line(now - 600_000)}\n${line(now - 1000)}\n`);
    const r = await runLocalLogsCheck(logs, { tailLines: 100, secrets: [] });
    assert.equal(r.status, 'fail');
    assert.deepEqual(r.suspects.map((s) => s.cause), ['invalid-client-credentials']);
    assert.match(r.summary, /2 known error line/);
    assert.equal(withinWindow(`${line(now - 600_000)}\n${line(now - 1000)}`, 60, now).split('\n').length, 1);
    assert.equal((await runLocalLogsCheck(join(dir.path, 'none'), { tailLines: 100, secrets: [] })).status, 'skipped');
  } finally {
    await dir.cleanup();
  }
});

test('alerts: firing TokenRefresherDown from Prometheus and from Alertmanager; an unreachable source is reported', async () => {
  const prom = await httpServer(200, { status: 'success', data: { alerts: [{ labels: { alertname: 'TokenRefresherDown' }, state: 'firing' }, { labels: { alertname: 'X' }, state: 'pending' }] } });
  const am = await httpServer(200, [{ labels: { alertname: 'ObservatoriumRequestsNon2xx' }, status: { state: 'active' } }]);
  try {
    const r = await fetchAlerts({ prometheusUrl: prom.url, alertmanagerUrl: am.url, timeoutMs: 500 });
    assert.deepEqual(r.alerts.filter((a) => a.state === 'firing').map((a) => a.name).sort(), ['ObservatoriumRequestsNon2xx', 'TokenRefresherDown']);
    const bad = await fetchAlerts({ prometheusUrl: `http://127.0.0.1:${await freePort()}`, timeoutMs: 300 });
    assert.equal(bad.errors.length, 1);
  } finally {
    await prom.close();
    await am.close();
  }
});

test('cli: --env local without a running stack exits 2 and says why (missing and stale stack.json)', async () => {
  const dir = await tempDir();
  const main = new URL('./doctor-cli-main.ts', import.meta.url).pathname;
  const run = (args: string[]) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', main, 'doctor', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    c.on('close', (code) => resolve({ code, stderr }));
  });
  try {
    const missing = await run(['--env', 'local', '--data', dir.path]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no .*stack\.json: start the stack with `obspath up --data/);
    writeFileSync(join(dir.path, 'stack.json'), JSON.stringify({ updatedAt: new Date(Date.now() - 60_000).toISOString() }));
    utimesSync(join(dir.path, 'stack.json'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const stale = await run(['--env', 'local', '--data', dir.path]);
    assert.equal(stale.code, 2);
    assert.match(stale.stderr, /last rewritten \d+ s ago: `obspath up` is not running there/);
  } finally {
    await dir.cleanup();
  }
});

test('every hop hangs: the whole live run ends within 10 s, each check saying which hop did not answer', async () => {
  const { runDoctor } = await import('../../src/doctor/run.js');
  const { liveChecks } = await import('../../src/doctor/live/index.js');
  const hole = await blackHole();
  try {
    const t0 = performance.now();
    const report = await runDoctor({
      environment: 'local',
      liveChecks: liveChecks({
        origin: 'black holes', observatoriumUrl: `${hole.url}/api/metrics/v1/managedkafka`, tenant: 'managedkafka',
        issuerUrl: `${hole.url}/auth/realms/x`, clientId: 'c', clientSecret: 'hung-secret-value', audience: 'a',
        refresherUrl: hole.url, refresherInternalUrl: hole.url, fleetRefresherUrl: hole.url, apiInternalUrl: hole.url, timeouts: DEFAULT_TIMEOUTS,
      }),
    });
    const ms = performance.now() - t0;
    process.stdout.write(`every hop hangs: doctor run took ${Math.round(ms)} ms\n`);
    assert.ok(ms < 10_000, `${ms} ms`);
    assert.equal(report.status, 'fail');
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    assert.match(byId.credentials!.summary, /issuer_timeout/);
    assert.match(byId['observatorium-url']!.summary, /accepted the connection but sent no answer/);
    assert.equal(byId['network-policy']!.status, 'fail');
    assert.notEqual(byId['observatorium-health']!.status, 'ok');
    assert.ok(!JSON.stringify(report).includes('hung-secret-value'));
  } finally {
    await hole.close();
  }
});
