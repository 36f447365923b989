// `obspath doctor serve` (the built CLI, as users run it) against a real local stack started with a catalog fault:
// an Alertmanager-shaped webhook, or the alert routed by Debian's real Alertmanager, makes the service run the
// runbook; the catalog's verdict then shows on /api/v1/verdict, as the gauge on /metrics, on the HTML page, and
// in the Slack-shaped post a receiver in this test gets. A healthy stack gets a run by hand and no verdict, no
// post. The time from the alert to the verdict being published is measured and printed.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { DoctorReport } from '../../src/doctor/report.js';
import { faultByName, startStack, type FaultName, type RunningStack } from '../../src/stack/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { postAlerts, startAlertmanager } from '../../tools/testing/alertmanager.js';
import { freePort, freePortRange, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, type Proc } from '../../tools/testing/procs.js';

interface Posted { path: string; body: any; at: number }
const timings: string[] = [];

after(() => process.stdout.write(`doctor serve: alert -> verdict published\n${timings.map((t) => `  ${t}`).join('\n')}\n`));

async function receiver(): Promise<{ url: string; posts: Posted[]; server: Server }> {
  const posts: Posted[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => { posts.push({ path: req.url ?? '', body: JSON.parse(body), at: Date.now() }); res.end('ok'); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts, server };
}

interface Rig { stack: RunningStack; serve: Proc; url: string; rx: Awaited<ReturnType<typeof receiver>> }

/** A stack with `fault` (none: healthy), `doctor serve` on it posting to a receiver; a few seconds of traffic first. */
async function withRig(fault: FaultName | undefined, fn: (rig: Rig) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  const out = new PassThrough();
  out.resume();
  const rx = await receiver();
  const stack = await startStack({ dataDir: dir.path, basePort: await freePortRange(13), faults: fault ? [fault] : [], out, logger: createLogger({ component: 'up', level: 'warn', destination: out }), logLevel: 'warn', readyTimeoutMs: 30_000 });
  const port = await freePort();
  const serve = startObspath(['doctor', 'serve', '--data', dir.path, '--web.listen', `127.0.0.1:${port}`,
    '--notify.webhook-url', `${rx.url}/slack/T000/B000/XXXX`, '--notify.json-url', `${rx.url}/json`, '--escalation-url', 'https://example.invalid/policy']);
  const url = `http://127.0.0.1:${port}`;
  try {
    assert.deepEqual(stack.notReady, [], 'every component of the stack got ready');
    await waitUntil(() => httpOk(`${url}/ready`), 20_000, `doctor serve ready\n${serve.output()}`);
    // The dashboard user and the probe have driven a few requests through the path (as the fault matrix waits).
    await waitUntil(() => Object.values(stack.userTraffic.stats()).reduce((a, b) => a + b, 0) >= 2, 30_000, 'dashboard traffic');
    await new Promise((r) => setTimeout(r, 1000));
    await fn({ stack, serve, url, rx });
  } finally {
    await serve.stop();
    await stack.stop();
    rx.server.close();
    await dir.cleanup();
  }
}

/** Polls /api/v1/verdict until its top verdict is `cause`; returns the report. */
async function verdictOf(url: string, cause: string, serve: Proc): Promise<DoctorReport> {
  let last = '';
  let report: DoctorReport | undefined;
  await waitUntil(async () => {
    const res = await fetch(`${url}/api/v1/verdict`);
    last = await res.text();
    if (!res.ok) return false;
    report = JSON.parse(last) as DoctorReport;
    return report.verdicts[0]?.cause === cause;
  }, 60_000, `verdict ${cause} on /api/v1/verdict (last answer: ${last.slice(0, 400)})\n${serve.output().slice(-3000)}`);
  return report!;
}

function webhookPayload(alertnames: readonly string[]): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    version: '4', groupKey: '{}:{}', truncatedAlerts: 0, status: 'firing', receiver: 'doctor', groupLabels: {}, commonLabels: { severity: 'critical' },
    commonAnnotations: {}, externalURL: 'http://127.0.0.1:9093',
    alerts: alertnames.map((alertname, i) => ({ status: 'firing', labels: { alertname, severity: 'critical' }, annotations: { summary: alertname }, startsAt: now, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://127.0.0.1/graph', fingerprint: `00000000000000${i}` })),
  };
}

/** Holds every published form of the verdict to the catalog; returns the HTML page's size in bytes. */
async function assertPublished(rig: Rig, fault: FaultName, report: DoctorReport): Promise<number> {
  const { url, rx } = rig;
  const f = faultByName(fault)!;
  const top = report.verdicts[0]!;
  assert.equal(top.confidence, 'confirmed');
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, new RegExp(`^obspath_doctor_verdict\\{cause="${f.verdict}",hop="${top.hop}",confidence="confirmed",target="[^"]+"\\} 1$`, 'm'));
  assert.match(metrics, /^obspath_doctor_runs_total\{trigger="alert",result="fail"\} [1-9]/m);
  assert.match(metrics, /^obspath_doctor_run_duration_seconds_count\{trigger="alert"\} [1-9]/m);
  await waitUntil(() => rx.posts.some((p) => p.path.startsWith('/slack/')) && rx.posts.some((p) => p.path === '/json'), 10_000, 'the posts to the receiver');
  const slack = rx.posts.find((p) => p.path.startsWith('/slack/'))!.body;
  assert.match(slack.text, new RegExp(`^obspath doctor: ${f.verdict} \\(confirmed, hop ${top.hop}\\)`));
  assert.equal(slack.blocks[0].type, 'header');
  assert.ok(JSON.stringify(slack.blocks).includes(`\`${f.verdict}\``));
  assert.equal((rx.posts.find((p) => p.path === '/json')!.body as DoctorReport).verdicts[0]!.cause, f.verdict);
  const page = await (await fetch(`${url}/`)).text();
  assert.ok(page.includes(`<li class="verdict" id="verdict-${f.verdict}">`));
  // The client secret reaches none of what the service publishes.
  const secret = rig.stack.plan.secrets.fleetManager;
  for (const text of [page, JSON.stringify(report), JSON.stringify(rx.posts), rig.serve.output()]) assert.ok(!text.includes(secret), 'the client secret leaked');
  if (report.escalation) assert.ok(page.includes('<strong>Escalate to the Control Plane team</strong>'));
  return Buffer.byteLength(page);
}

// Each test has its own stack, doctor serve, receiver and Alertmanager (own ports): two side by side.
describe('doctor serve against the running stack', { concurrency: 2 }, () => {
  it('healthy: a run by hand finds nothing; no verdict series, no post; the HTML page has every section; SIGTERM stops it cleanly', async () => {
    await withRig(undefined, async ({ url, rx, serve, stack }) => {
      const res = await fetch(`${url}/api/v1/run`, { method: 'POST' });
      assert.equal(res.status, 200);
      const run = ((await res.json()) as { data: { run: { result: string; trigger: string; verdicts: string[] } } }).data.run;
      assert.deepEqual([run.trigger, run.result, run.verdicts], ['manual', 'ok', []]);
      const report = (await (await fetch(`${url}/api/v1/verdict`)).json()) as DoctorReport;
      assert.equal(report.status, 'ok');
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.doesNotMatch(metrics, /^obspath_doctor_verdict\{/m);
      assert.match(metrics, /^obspath_doctor_runs_total\{trigger="manual",result="ok"\} 1$/m);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(rx.posts, []);
      const page = await (await fetch(`${url}/`)).text();
      assert.deepEqual([...page.matchAll(/<section id="([a-z]+)"><h2>/g)].map((m) => m[1]), ['summary', 'verdict', 'fix', 'escalation', 'steps']);
      assert.equal(page.match(/<section class="card s-ok" id="step-/g)?.length, 6, 'six steps, all OK');
      assert.ok(page.includes('No fault found on the checked steps.'));
      assert.ok(!page.includes(stack.plan.secrets.fleetManager));
      assert.doesNotMatch(page, /<script|<link|<img/i);
      await serve.stop(15_000);
      assert.equal(serve.child.exitCode, 0, serve.output().slice(-2000));
      assert.match(serve.output(), /"msg":"shutting down"[\s\S]*"msg":"stopped"/);
    });
  });

  it('wrong-client-secret: an Alertmanager-shaped webhook -> the catalog\'s verdict on /api/v1/verdict, /metrics, /, and posted', async () => {
    const fault: FaultName = 'wrong-client-secret';
    await withRig(fault, async (rig) => {
      const t0 = Date.now();
      const res = await fetch(`${rig.url}/api/v2/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(webhookPayload(faultByName(fault)!.alerts)) });
      assert.equal(res.status, 200);
      const report = await verdictOf(rig.url, faultByName(fault)!.verdict, rig.serve);
      const ms = Date.now() - t0;
      const htmlBytes = await assertPublished(rig, fault, report);
      const runs = ((await (await fetch(`${rig.url}/api/v1/runs`)).json()) as { data: { durationMs: number; alerts: string[] }[] }).data;
      assert.equal(runs.length, 1, 'the alerts of one webhook make one run');
      assert.deepEqual(runs[0]!.alerts, faultByName(fault)!.alerts);
      timings.push(`${fault.padEnd(22)} webhook -> verdict ${ms} ms (run ${runs[0]!.durationMs} ms); HTML report ${htmlBytes} bytes`);
    });
  });

  for (const fault of ['api-5xx', 'refresher-down', 'backend-down', 'refresher-blackholed', 'wrong-url-path'] as FaultName[]) {
    it(`${fault}: the alert posted to Debian's Alertmanager reaches doctor serve through its routing; the verdict is ${faultByName(fault)!.verdict}`, async () => {
      await withRig(fault, async (rig) => {
        const am = await startAlertmanager({ webhookUrl: `${rig.url}/api/v2/webhook` });
        try {
          const t0 = Date.now();
          await postAlerts(am.url, faultByName(fault)!.alerts.map((alertname) => ({ labels: { alertname, severity: 'critical', job: 'obspath' }, annotations: { summary: `${alertname} (test)` } })));
          const report = await verdictOf(rig.url, faultByName(fault)!.verdict, rig.serve);
          const ms = Date.now() - t0;
          const htmlBytes = await assertPublished(rig, fault, report);
          const runs = ((await (await fetch(`${rig.url}/api/v1/runs`)).json()) as { data: { trigger: string; alerts: string[]; durationMs: number }[] }).data;
          assert.equal(runs.at(-1)!.trigger, 'alert');
          assert.ok(runs.at(-1)!.alerts.length > 0 && runs.at(-1)!.alerts.every((a) => faultByName(fault)!.alerts.includes(a)), JSON.stringify(runs));
          timings.push(`${fault.padEnd(22)} Alertmanager -> verdict ${ms} ms (run ${runs.at(-1)!.durationMs} ms); HTML report ${htmlBytes} bytes`);
        } finally {
          await am.stop();
        }
      });
    });
  }
});
