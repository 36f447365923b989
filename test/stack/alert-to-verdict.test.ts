// The loop closed: a stack started with a catalog fault scrapes itself, its store evaluates the bundle's rules,
// the catalog's alert fires, and the stack's own `doctor serve` (a supervised component) publishes the catalog's
// verdict on /api/v1/verdict and /metrics, reached directly (the store posts Alertmanager API v2 to doctor serve)
// or through Debian's Alertmanager. A healthy stack fires nothing and gets no verdict over a minute of evaluation.
//
// The bundle's alerts wait 5-10 minutes (`for:`) before firing; to keep this file near three minutes the stacks
// here run with alertFor: the stack's copy of the bundle has every `for:` set to ALERT_FOR (same expressions,
// labels and annotations), and the store scrapes every 2 s and evaluates every 1 s (`obspath up`: 5 s and 5 s),
// so that an alert fires about ALERT_FOR after the fault shows. The times printed are thus: fault injection -> alert firing under that `for:`
// (real stacks add the difference), and firing -> verdict published (independent of `for:`).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { DoctorReport } from '../../src/doctor/report.js';
import { faultByName, PORT_COUNT, startStack, type FaultName, type RunningStack } from '../../src/stack/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePortRange, tempDir, waitUntil } from '../../tools/testing/net.js';

const ALERT_FOR = '10s';
const SCRAPE_INTERVAL = '2s';
const RULE_EVALUATION_INTERVAL = '1s';
/** The healthy stack is watched this long after it is ready (the rules evaluate every second: 60 evaluations). */
const HEALTHY_WATCH_MS = 60_000;
const timings: string[] = [];

after(() => process.stdout.write(`alert -> verdict (every alert's for: ${ALERT_FOR}, scrapes every ${SCRAPE_INTERVAL}, evaluations every ${RULE_EVALUATION_INTERVAL}; times from stack start)\n${timings.map((t) => `  ${t}`).join('\n')}\n`));

interface StoreAlert { labels: Record<string, string>; state: 'pending' | 'firing'; activeAt: string }

async function storeAlerts(stack: RunningStack): Promise<StoreAlert[]> {
  const res = await fetch(`http://127.0.0.1:${stack.plan.ports.store}/api/v1/alerts`, { signal: AbortSignal.timeout(3000) });
  return ((await res.json()) as { data: { alerts: StoreAlert[] } }).data.alerts;
}

/** A stack with `fault` (none: healthy), its logs kept for failure messages. */
async function withStack(fault: FaultName | undefined, alertmanager: boolean, fn: (stack: RunningStack, t0: number, logs: () => string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  const out = new PassThrough();
  let logs = '';
  out.on('data', (d: Buffer) => (logs = (logs + d.toString()).slice(-20_000)));
  const t0 = Date.now();
  const stack = await startStack({
    dataDir: dir.path, basePort: await freePortRange(PORT_COUNT), faults: fault ? [fault] : [], out, alertmanager, alertFor: ALERT_FOR,
    scrapeInterval: SCRAPE_INTERVAL, ruleEvaluationInterval: RULE_EVALUATION_INTERVAL,
    logger: createLogger({ component: 'up', level: 'warn', destination: out }), logLevel: 'warn', readyTimeoutMs: 30_000,
  });
  try {
    assert.deepEqual(stack.notReady, [], `every component got ready\n${logs}`);
    await fn(stack, t0, () => logs);
  } finally {
    await stack.stop();
    await dir.cleanup();
  }
}

/** Waits for the first of the catalog's alerts to fire; every alert firing then is one the catalog lists. */
async function firstFiring(stack: RunningStack, fault: FaultName, logs: () => string): Promise<string[]> {
  const expected = faultByName(fault).alerts;
  let firing: string[] = [];
  let seen = '';
  await waitUntil(async () => {
    const alerts = await storeAlerts(stack);
    seen = JSON.stringify(alerts.map((a) => [a.labels.alertname, a.state]));
    firing = alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname!);
    return firing.length > 0;
  }, 90_000, `an alert firing on the store (last: ${seen})\n${logs().slice(-4000)}`);
  for (const name of firing) assert.ok(expected.includes(name), `${name} fired; the catalog lists ${expected.join(', ')}`);
  return [...new Set(firing)];
}

/** Waits until doctor serve's top verdict is the catalog's, then holds /metrics to it too. */
async function publishedVerdict(stack: RunningStack, fault: FaultName, logs: () => string): Promise<DoctorReport> {
  const doctor = stack.plan.alertsTo.doctorUrl;
  const cause = faultByName(fault).verdict;
  let last = '';
  let report: DoctorReport | undefined;
  await waitUntil(async () => {
    const res = await fetch(`${doctor}/api/v1/verdict`, { signal: AbortSignal.timeout(3000) });
    last = await res.text();
    if (!res.ok) return false;
    report = JSON.parse(last) as DoctorReport;
    return report.verdicts[0]?.cause === cause;
  }, 90_000, `verdict ${cause} on /api/v1/verdict (last: ${last.slice(0, 400)})\n${logs().slice(-4000)}`);
  const metrics = await (await fetch(`${doctor}/metrics`)).text();
  assert.match(metrics, new RegExp(`^obspath_doctor_verdict\\{cause="${cause}",hop="[^"]+",confidence="confirmed",target="[^"]+"\\} 1$`, 'm'));
  assert.match(metrics, /^obspath_doctor_runs_total\{trigger="alert",result="fail"\} [1-9]/m, 'the run was started by an alert');
  return report!;
}

/** Through Alertmanager: it holds the alert, and its webhook integration notified doctor serve. */
async function assertRoutedByAlertmanager(stack: RunningStack, firing: string[]): Promise<void> {
  const am = stack.plan.alertsTo.alertmanagerUrl!;
  const held = (await (await fetch(`${am}/api/v2/alerts`)).json()) as { labels: Record<string, string> }[];
  for (const name of firing) assert.ok(held.some((a) => a.labels.alertname === name), `Alertmanager holds ${name}`);
  const metrics = await (await fetch(`${am}/metrics`)).text();
  const sent = metrics.match(/^alertmanager_notifications_total\{integration="webhook"\} (\d+)/m);
  assert.ok(sent && Number(sent[1]) > 0, 'Alertmanager notified the webhook');
  assert.match(metrics, /^alertmanager_notifications_failed_total\{integration="webhook"(,reason="[^"]*")?\} 0$/m);
}

const CASES: { fault: FaultName; alertmanager: boolean }[] = [
  { fault: 'wrong-client-secret', alertmanager: false },
  { fault: 'api-5xx', alertmanager: true },
  { fault: 'refresher-down', alertmanager: false },
  { fault: 'wrong-url-path', alertmanager: true },
  { fault: 'audience-mismatch', alertmanager: false },
];

describe('obspath up: the alert arrives with its diagnosis', { concurrency: 2 }, () => {
  it(`healthy (through Alertmanager): no alert fires and no verdict over ${HEALTHY_WATCH_MS / 1000} s of evaluation`, { timeout: 150_000 }, async () => {
    await withStack(undefined, true, async (stack, t0, logs) => {
      const rulesUrl = `http://127.0.0.1:${stack.plan.ports.store}/api/v1/rules`;
      const until = Date.now() + HEALTHY_WATCH_MS;
      const firing = new Set<string>();
      const pendingAt: number[] = [];
      while (Date.now() < until) {
        for (const a of await storeAlerts(stack)) {
          if (a.state === 'firing') firing.add(a.labels.alertname!);
          else pendingAt.push(Date.now() - t0);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.deepEqual([...firing], [], `no alert fires\n${logs().slice(-4000)}`);
      // The store evaluates from its start, before the refresher (started after it) is first scraped: for those
      // first evaluations absent(up{job="token-refresher"} == 1) holds and TokenRefresherDown is pending, as it
      // would be in Prometheus. It must never fire, and nothing may be pending once the stack runs.
      assert.deepEqual(await storeAlerts(stack), [], 'no alert at the end, not even pending');
      const pending = pendingAt.length ? `pending only at start (${(pendingAt[0]! / 1000).toFixed(1)}-${(pendingAt.at(-1)! / 1000).toFixed(1)} s after start)` : 'none pending';
      const rules = ((await (await fetch(rulesUrl)).json()) as { data: { groups: { rules: { name: string; health: string; lastEvaluation: string }[] }[] } }).data.groups.flatMap((g) => g.rules);
      assert.equal(rules.length, 5, 'the bundle\'s five alerts are evaluated');
      for (const r of rules) {
        assert.equal(r.health, 'ok', `${r.name} evaluates`);
        assert.ok(Date.now() - Date.parse(r.lastEvaluation) < 15_000, `${r.name} was evaluated lately`);
      }
      const doctor = stack.plan.alertsTo.doctorUrl;
      assert.equal((await fetch(`${doctor}/api/v1/verdict`)).status, 404, 'no run, so no verdict');
      const metrics = await (await fetch(`${doctor}/metrics`)).text();
      assert.doesNotMatch(metrics, /^obspath_doctor_verdict\{/m);
      assert.doesNotMatch(metrics, /^obspath_doctor_runs_total\{[^}]*\} [1-9]/m, 'no run');
      assert.doesNotMatch(metrics, /^obspath_doctor_alerts_total\{[^}]*\} [1-9]/m, 'no alert reached doctor serve');
      assert.ok(pendingAt.every((ms) => ms < 30_000), `an alert was pending after start-up: ${pending}`);
      timings.push(`${'healthy (Alertmanager)'.padEnd(34)} ${HEALTHY_WATCH_MS / 1000} s of evaluation, ${rules.length} rules: nothing fired (${pending}), no verdict, no run`);
    });
  });

  for (const { fault, alertmanager } of CASES) {
    const route = alertmanager ? 'Alertmanager' : 'direct';
    it(`${fault} (${route}): the catalog's alert fires and doctor serve publishes ${faultByName(fault).verdict}`, { timeout: 150_000 }, async () => {
      await withStack(fault, alertmanager, async (stack, t0, logs) => {
        const firing = await firstFiring(stack, fault, logs);
        const firedAt = Date.now();
        const report = await publishedVerdict(stack, fault, logs);
        const publishedAt = Date.now();
        if (alertmanager) await assertRoutedByAlertmanager(stack, firing);
        timings.push(`${`${fault} (${route})`.padEnd(34)} ready in ${(stack.readyMs / 1000).toFixed(1)} s; start -> firing ${((firedAt - t0) / 1000).toFixed(1)} s (${firing.join(', ')}); `
          + `firing -> verdict ${((publishedAt - firedAt) / 1000).toFixed(1)} s: ${report.verdicts[0]!.cause} (${report.verdicts[0]!.confidence}, hop ${report.verdicts[0]!.hop})`);
      });
    });
  }
});
