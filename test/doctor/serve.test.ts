// `doctor serve` without a stack: the webhook's validation (4xx with the Prometheus-shaped body naming the hop),
// which alerts start a run, de-duplication and rate limiting per target, the run bound, the verdict/metrics/HTML
// endpoints, and the posts to receivers. Targets here are stand-ins whose runs return a report when the test
// says so; serve-e2e.test.ts runs the real doctor against a real faulty stack.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'yaml';
import { buildReport, checkResult, type DoctorReport } from '../../src/doctor/report.js';
import { BUNDLE_ALERTS, DEFAULT_SERVE_LISTEN, parseWebhook, slackMessage, startDoctorService, type DoctorService, type DoctorTarget, type RunRecord } from '../../src/doctor/serve/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { REPO_ROOT } from '../../tools/testing/procs.js';

const logs = new PassThrough();
logs.resume();
const logger = createLogger({ component: 'doctor', level: 'warn', destination: logs });

function faultyReport(because = 'invalid_client from the issuer'): DoctorReport {
  return buildReport({ kind: 'local', description: 'test target', namespace: 'local' }, [
    checkResult('credentials', 'Client ID, client secret and issuer URL are populated', {
      status: 'fail', summary: 'the grant failed', evidence: [{ text: 'grant: invalid_client <!channel>' }],
      suspects: [{ cause: 'invalid-client-credentials', confidence: 'confirmed', because }],
    }),
  ]);
}

/** A target whose runs wait for `release()` (none wait once `gated` is false); counts its runs. */
function gatedTarget(key: string, gated = true) {
  let open: (() => void) | undefined;
  const gate = gated ? new Promise<void>((r) => (open = r)) : Promise.resolve();
  const t = {
    key, runs: 0,
    run: async () => { t.runs++; await gate; return faultyReport(); },
    release() { open?.(); },
  };
  return t;
}

function payload(alerts: { alertname: string; status?: 'firing' | 'resolved'; namespace?: string }[]): Record<string, unknown> {
  return {
    version: '4', groupKey: '{}:{alertname="x"}', truncatedAlerts: 0, status: 'firing', receiver: 'doctor',
    groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://127.0.0.1:9093',
    alerts: alerts.map((a, i) => ({
      status: a.status ?? 'firing', labels: { alertname: a.alertname, severity: 'critical', ...(a.namespace ? { namespace: a.namespace } : {}) },
      annotations: { summary: 's' }, startsAt: '2024-05-02T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://x/graph', fingerprint: `f${i}`,
    })),
  };
}

async function post(url: string, body: unknown, type = 'application/json'): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}

const services: DoctorService[] = [];
async function service(targetFor: (labels: Record<string, string>) => DoctorTarget, extra: Partial<Parameters<typeof startDoctorService>[0]> = {}): Promise<DoctorService> {
  const s = await startDoctorService({ listen: '127.0.0.1:0', logger, targetFor, minIntervalMs: 0, runTimeoutMs: 5000, ...extra });
  services.push(s);
  return s;
}
after(async () => { await Promise.all(services.map((s) => s.close())); });

async function until<T>(fn: () => Promise<T | undefined>, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('the bundle\'s alerts are the ones of deploy/prometheus/alerts.yaml', () => {
  const doc = parse(readFileSync(join(REPO_ROOT, 'deploy/prometheus/alerts.yaml'), 'utf8')) as { groups: { rules: { alert?: string }[] }[] };
  const names = doc.groups.flatMap((g) => g.rules.map((r) => r.alert).filter((a): a is string => !!a));
  assert.deepEqual([...BUNDLE_ALERTS].sort(), names.sort());
});

test('docs/examples: the Alertmanager config is valid (amtool) and points at the default webhook; the example payload is accepted', () => {
  const check = spawnSync('amtool', ['check-config', join(REPO_ROOT, 'docs/examples/alertmanager.yml')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(readFileSync(join(REPO_ROOT, 'docs/examples/alertmanager.yml'), 'utf8'), new RegExp(`url: http://${DEFAULT_SERVE_LISTEN}/api/v2/webhook`));
  const example = parseWebhook(JSON.parse(readFileSync(join(REPO_ROOT, 'docs/examples/alertmanager-webhook.json'), 'utf8')));
  assert.ok(example.ok && example.payload.alerts[0]!.labels.alertname === 'TokenRefresherDown');
});

test('webhook: garbage gets 4xx with a Prometheus-shaped body naming the hop; nothing runs', async () => {
  const t = gatedTarget('t');
  const s = await service(() => t, { bodyLimit: 4096 });
  const hook = `${s.url}/api/v2/webhook`;
  const cases: [unknown, string, number, RegExp][] = [
    ['{not json', 'application/json', 400, /JSON/i],
    ['[]', 'application/json', 400, /body: /],
    [{ ...payload([{ alertname: 'TokenRefresherDown' }]), version: '3' }, 'application/json', 400, /version: only version "4"/],
    [{ ...payload([]), alerts: [{ status: 'firing', labels: {}, startsAt: '2024-05-02T10:00:00Z' }] }, 'application/json', 400, /alerts\.0\.labels: must have an alertname label/],
    [{ ...payload([]), alerts: [{ status: 'firing', labels: { alertname: 'x' }, startsAt: 'yesterday' }] }, 'application/json', 400, /alerts\.0\.startsAt: must be an RFC 3339 timestamp/],
    [{ ...payload([]), status: 'burning' }, 'application/json', 400, /status/],
    [JSON.stringify(payload([{ alertname: 'TokenRefresherDown' }])), 'text/plain', 415, /content-type/i],
    [{ ...payload([{ alertname: 'TokenRefresherDown' }]), pad: 'x'.repeat(5000) }, 'application/json', 413, /large/i],
  ];
  for (const [body, type, status, re] of cases) {
    const r = await post(hook, body, type);
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.equal(r.json.status, 'error');
    assert.equal(r.json.hop, 'doctor');
    assert.match(r.json.error, re);
    assert.ok(r.json.requestId);
  }
  const notFound = await fetch(`${s.url}/api/v1/verdict`);
  assert.equal(notFound.status, 404);
  assert.match(((await notFound.json()) as { error: string }).error, /no run has finished yet/);
  assert.equal(t.runs, 0);
});

test('webhook: firing bundle alerts of one payload make one run; resolved and foreign alerts are acknowledged, not run', async () => {
  const t = gatedTarget('stack');
  const s = await service(() => t);
  const r = await post(`${s.url}/webhook`, payload([{ alertname: 'TokenRefresherDown' }, { alertname: 'ObservatoriumRequestsNon2xx' }, { alertname: 'Watchdog' }, { alertname: 'ObservatoriumProbeFailing', status: 'resolved' }]));
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.data.accepted.map((a: { alertname: string; action: string }) => [a.alertname, a.action]), [['TokenRefresherDown', 'started'], ['ObservatoriumRequestsNon2xx', 'started']]);
  assert.deepEqual(r.json.data.ignored.map((a: { alertname: string; reason: string }) => [a.alertname, a.reason]), [['Watchdog', 'not-in-bundle'], ['ObservatoriumProbeFailing', 'resolved']]);
  // Meanwhile another alert arrives: it joins the run in flight.
  const again = await post(`${s.url}/api/v2/webhook`, payload([{ alertname: 'TokenRefresherTokenRefreshFailing' }]));
  assert.equal(again.json.data.accepted[0].action, 'joined');
  t.release();
  const verdict = await until(async () => { const v = await fetch(`${s.url}/api/v1/verdict`); return v.ok ? ((await v.json()) as DoctorReport) : undefined; }, 'the verdict');
  assert.equal(t.runs, 1);
  assert.equal(verdict.verdicts[0]!.cause, 'invalid-client-credentials');
  assert.deepEqual(Object.keys(verdict), ['schemaVersion', 'generatedAt', 'source', 'status', 'checks', 'verdicts']);
  const runs = (await (await fetch(`${s.url}/api/v1/runs`)).json()) as { data: RunRecord[] };
  assert.deepEqual(runs.data[0]!.alerts, ['TokenRefresherDown', 'ObservatoriumRequestsNon2xx', 'TokenRefresherTokenRefreshFailing']);
  assert.equal(runs.data[0]!.trigger, 'alert');
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /^obspath_doctor_verdict\{cause="invalid-client-credentials",hop="issuer",confidence="confirmed",target="stack"\} 1$/m);
  assert.match(metrics, /^obspath_doctor_runs_total\{trigger="alert",result="fail"\} 1$/m);
  assert.match(metrics, /^obspath_doctor_run_duration_seconds_count\{trigger="alert"\} 1$/m);
  assert.match(metrics, /^obspath_doctor_alerts_total\{alertname="TokenRefresherTokenRefreshFailing",action="joined"\} 1$/m);
  assert.match(metrics, /^obspath_doctor_alerts_total\{alertname="other",action="not-in-bundle"\} 1$/m);
  const page = await fetch(`${s.url}/`);
  assert.match(page.headers.get('content-type')!, /^text\/html/);
  const html = await page.text();
  assert.match(html, /<li class="verdict" id="verdict-invalid-client-credentials">/);
  assert.ok(html.includes('grant: invalid_client &lt;!channel&gt;'));
});

test('POST /api/v2/alerts (Alertmanager API v2, as the store posts): validated like the webhook; firing bundle alerts run, resolved ones (endsAt passed) do not', async () => {
  const t = gatedTarget('stack', false);
  const s = await service(() => t);
  const url = `${s.url}/api/v2/alerts`;
  const future = new Date(Date.now() + 60_000).toISOString();
  const past = new Date(Date.now() - 60_000).toISOString();
  const alert = (alertname: string, endsAt = future) => ({ labels: { alertname, job: 'token-refresher' }, annotations: { summary: 's' }, startsAt: '2024-05-02T10:00:00Z', endsAt, generatorURL: 'http://127.0.0.1:9090/graph' });
  const bad: [unknown, string, number, RegExp][] = [
    ['{not json', 'application/json', 400, /JSON/i],
    [{ alerts: [] }, 'application/json', 400, /invalid Alertmanager API v2 alerts: body: /],
    [[{ labels: {}, startsAt: '2024-05-02T10:00:00Z' }], 'application/json', 400, /0\.labels: must have an alertname label/],
    [[{ ...alert('TokenRefresherDown'), endsAt: 'soon' }], 'application/json', 400, /0\.endsAt: must be an RFC 3339 timestamp/],
    [[{ ...alert('TokenRefresherDown'), labels: { alertname: 'TokenRefresherDown', job: 7 } }], 'application/json', 400, /0\.labels\.job/],
    [JSON.stringify([alert('TokenRefresherDown')]), 'text/plain', 415, /content-type/i],
  ];
  for (const [body, type, status, re] of bad) {
    const r = await post(url, body, type);
    assert.equal(r.status, status, JSON.stringify(r.json));
    assert.deepEqual([r.json.status, r.json.hop], ['error', 'doctor']);
    assert.match(r.json.error, re);
  }
  assert.equal(t.runs, 0);
  const r = await post(url, [alert('TokenRefresherDown'), alert('ObservatoriumProbeFailing', past), alert('Watchdog')]);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.data.accepted.map((a: { alertname: string; action: string }) => [a.alertname, a.action]), [['TokenRefresherDown', 'started']]);
  assert.deepEqual(r.json.data.ignored.map((a: { alertname: string; reason: string }) => [a.alertname, a.reason]), [['ObservatoriumProbeFailing', 'resolved'], ['Watchdog', 'not-in-bundle']]);
  const verdict = await until(async () => { const v = await fetch(`${s.url}/api/v1/verdict`); return v.ok ? ((await v.json()) as DoctorReport) : undefined; }, 'the verdict');
  assert.equal(verdict.verdicts[0]!.cause, 'invalid-client-credentials');
  assert.equal(t.runs, 1);
});

test('rate limit: an alert inside --run.min-interval is folded into one run at its end; a manual run skips the interval', async () => {
  const t = gatedTarget('stack', false);
  const s = await service(() => t, { minIntervalMs: 600 });
  const first = await post(`${s.url}/api/v2/webhook`, payload([{ alertname: 'TokenRefresherDown' }]));
  assert.equal(first.json.data.accepted[0].action, 'started');
  await until(async () => (t.runs === 1 ? true : undefined), 'the first run');
  const t0 = Date.now();
  const a = await post(`${s.url}/api/v2/webhook`, payload([{ alertname: 'ObservatoriumRequestTimeouts' }]));
  const b = await post(`${s.url}/api/v2/webhook`, payload([{ alertname: 'ObservatoriumProbeFailing' }]));
  assert.deepEqual([a.json.data.accepted[0].action, b.json.data.accepted[0].action], ['scheduled', 'scheduled']);
  assert.equal(a.json.data.accepted[0].startsAt, b.json.data.accepted[0].startsAt);
  await until(async () => (t.runs === 2 ? true : undefined), 'the scheduled run');
  assert.ok(Date.now() - t0 >= 300, 'not before the interval ends');
  const runs = await until(async () => { const r = (await (await fetch(`${s.url}/api/v1/runs`)).json()) as { data: RunRecord[] }; return r.data.length === 2 ? r.data : undefined; }, 'two runs');
  assert.deepEqual(runs[0]!.alerts, ['ObservatoriumRequestTimeouts', 'ObservatoriumProbeFailing']);
  // By hand: at once, even inside the interval.
  const m = await fetch(`${s.url}/api/v1/run`, { method: 'POST' });
  assert.equal(m.status, 200);
  const run = ((await m.json()) as { data: { action: string; run: RunRecord } }).data;
  assert.equal(run.run.trigger, 'manual');
  assert.equal(run.run.result, 'fail');
});

test('each target has its own run and interval (the alert\'s namespace label); a run that hangs is cut at --run.timeout', async () => {
  const targets = new Map<string, DoctorTarget & { runs: number }>();
  const hang = { key: 'hangs', runs: 0, run: async () => { hang.runs++; return new Promise<DoctorReport>(() => {}); } };
  const s = await service((labels) => {
    if (labels.namespace === 'hangs') return hang;
    const key = labels.namespace ?? 'default';
    if (!targets.has(key)) targets.set(key, gatedTarget(key, false));
    return targets.get(key)!;
  }, { runTimeoutMs: 300 });
  const r = await post(`${s.url}/api/v2/webhook`, payload([{ alertname: 'TokenRefresherDown', namespace: 'a' }, { alertname: 'TokenRefresherDown', namespace: 'b' }, { alertname: 'TokenRefresherDown', namespace: 'hangs' }]));
  assert.deepEqual(r.json.data.accepted.map((x: { target: string; action: string }) => `${x.target}:${x.action}`), ['a:started', 'b:started', 'hangs:started']);
  const runs = await until(async () => { const x = (await (await fetch(`${s.url}/api/v1/runs`)).json()) as { data: RunRecord[] }; return x.data.length === 3 ? x.data : undefined; }, 'three runs');
  const hung = runs.find((x) => x.target === 'hangs')!;
  assert.equal(hung.result, 'timeout');
  assert.match(hung.error!, /did not finish within 300 ms/);
  assert.equal((await fetch(`${s.url}/api/v1/verdict?target=a`)).status, 200);
  assert.equal((await fetch(`${s.url}/api/v1/verdict?target=hangs`)).status, 404);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /^obspath_doctor_runs_total\{trigger="alert",result="timeout"\} 1$/m);
  assert.match(metrics, /target="a"\} 1$/m);
  assert.match(metrics, /target="b"\} 1$/m);
});

async function receiver(): Promise<{ url: string; posts: { path: string; body: any }[]; server: Server }> {
  const posts: { path: string; body: any }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => { posts.push({ path: req.url ?? '', body: JSON.parse(body) }); res.end('ok'); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts, server };
}

test('notify: a new or changed verdict is posted (Slack blocks, and the doctor\'s JSON); the same verdict again is not; a silent receiver is cut off', async () => {
  const rx = await receiver();
  const silent = createServer(() => { /* never answers */ });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  let next = faultyReport();
  const t = { key: 'stack', run: async () => next };
  const s = await service(() => t, {
    notify: [{ url: `${rx.url}/slack/T000/B000/secretpath`, format: 'slack' }, { url: `${rx.url}/json`, format: 'json' }, { url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook`, format: 'slack' }],
    notifyTimeoutMs: 300,
  });
  try {
    await s.runNow();
    await until(async () => (rx.posts.length === 2 ? true : undefined), 'two posts');
    const slack = rx.posts.find((p) => p.path.startsWith('/slack'))!.body;
    assert.match(slack.text, /^obspath doctor: invalid-client-credentials \(confirmed, hop issuer\) on test target/);
    assert.equal(slack.blocks[0].type, 'header');
    const all = JSON.stringify(slack.blocks);
    assert.ok(all.includes('*Because*'));
    assert.ok(all.includes('*Fix*'));
    assert.ok(!all.includes('<!channel>'));
    const json = rx.posts.find((p) => p.path === '/json')!.body as DoctorReport;
    assert.equal(json.verdicts[0]!.cause, 'invalid-client-credentials');
    await s.runNow();
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(rx.posts.length, 2, 'the same verdict is not posted again');
    next = buildReport({ kind: 'local', description: 'test target', namespace: 'local' }, [checkResult('credentials', 'c', { status: 'ok', summary: 'fine' })]);
    await s.runNow();
    await until(async () => (rx.posts.length === 4 ? true : undefined), 'the resolution posted');
    assert.match(rx.posts[2]!.body.text ?? rx.posts[3]!.body.text, /no fault found any more/);
    // The silent receiver is given up on after --notify.timeout, each time.
    const metrics = await until(async () => { const m = await (await fetch(`${s.url}/metrics`)).text(); return /result="error"\} 2$/m.test(m) ? m : undefined; }, 'two timed-out posts');
    assert.match(metrics, /^obspath_doctor_notifications_total\{format="slack",result="error"\} 2$/m);
    assert.match(metrics, /^obspath_doctor_notifications_total\{format="slack",result="success"\} 2$/m);
    assert.doesNotMatch(metrics, /obspath_doctor_verdict\{/, 'the verdict gauge is gone with the fault');
  } finally {
    rx.server.close();
    silent.closeAllConnections();
    silent.close();
  }
});

test('slack message: mrkdwn control characters from evidence are escaped; long text is clipped to Slack\'s limits', () => {
  const report = faultyReport(`<@U123> & <!here> ${'x'.repeat(4000)}`);
  const rec: RunRecord = { id: 7, target: 'stack', trigger: 'alert', alerts: ['TokenRefresherDown'], requestedAt: '', startedAt: '', durationMs: 12 };
  const m = slackMessage(rec, report, 'http://127.0.0.1:8097/');
  const texts = m.blocks.flatMap((b: any) => [b.text?.text, ...(b.elements ?? []).map((e: any) => e.text)]).filter(Boolean) as string[];
  assert.ok(texts.some((x) => x.includes('&lt;@U123&gt; &amp; &lt;!here&gt;')));
  assert.ok(texts.every((x) => x.length <= 3000));
  assert.ok(texts.some((x) => x.includes('<http://127.0.0.1:8097/|report>')));
  assert.ok(texts.some((x) => x.includes('alerts: TokenRefresherDown')));
});

test('shutdown: close waits for the run in flight', async () => {
  const t = gatedTarget('stack');
  const s = await service(() => t);
  await post(`${s.url}/api/v2/webhook`, payload([{ alertname: 'TokenRefresherDown' }]));
  assert.equal((await fetch(`${s.url}/ready`)).status, 200);
  assert.equal((await fetch(`${s.url}/-/healthy`)).status, 200);
  let closed = false;
  const closing = s.close().then(() => (closed = true));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(closed, false, 'waits for the run in flight');
  t.release();
  await closing;
  assert.equal(closed, true);
});
