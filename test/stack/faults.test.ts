// The fault matrix: for every failure of `obspath up --fault`, the fleet manager records the documented
// status code, and Debian's Prometheus, scraping the stack and evaluating deploy/prometheus/alerts.yaml
// (with `for:` shortened), fires the documented alerts. Without faults, no alert fires. On the same stack, the
// doctor's matrix (test/doctor/fault-matrix.ts) holds the doctor's verdict to the catalog: one stack start per
// fault for both (a stack start is most of either check's CPU).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse, stringify } from 'yaml';
import { FAULTS, startStack, type Fault, type RunningStack } from '../../src/stack/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePortRange, tempDir, waitUntil } from '../../tools/testing/net.js';
import { REPO_ROOT, startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { metricValue } from '../../tools/testing/stack.js';
import { assertFaultDiagnosis, assertHealthyDiagnosis, doctorTimings, faultTitle, HEALTHY_TITLE } from '../doctor/fault-matrix.js';

/** The shipped rules with every `for:` at 0s: the test checks the expressions, not the patience. */
function testRules(): string {
  const rules = parse(readFileSync(join(REPO_ROOT, 'deploy', 'prometheus', 'alerts.yaml'), 'utf8')) as { groups: { rules: { for?: string }[] }[] };
  for (const g of rules.groups) for (const r of g.rules) r.for = '0s';
  return stringify(rules);
}

interface WatchedStack { stack: RunningStack; dataDir: string; prom: Backend; logs: () => string; stop(): Promise<void> }

async function startWatchedStack(faults: string[]): Promise<WatchedStack> {
  const dir = await tempDir();
  const base = await freePortRange(13);
  const out = new PassThrough();
  let logs = '';
  out.on('data', (d: Buffer) => (logs += d.toString()));
  const stack = await startStack({ dataDir: dir.path, basePort: base, faults, out, logger: createLogger({ component: 'up', level: 'warn', destination: out }), logLevel: 'warn', readyTimeoutMs: 30_000 });
  const p = stack.plan.ports;
  const job = (name: string, port: number) => ({ job_name: name, static_configs: [{ targets: [`127.0.0.1:${port}`] }] });
  const promDir = await tempDir();
  const rulesFile = join(promDir.path, 'rules.yaml');
  (await import('node:fs')).writeFileSync(rulesFile, testRules());
  const prom = await startPrometheus({
    config: stringify({
      // Scrapes get 2 s: on a loaded machine (other test files run alongside) a 1 s timeout loses samples.
      global: { scrape_interval: '2s', evaluation_interval: '1s', scrape_timeout: '2s' },
      rule_files: [rulesFile],
      scrape_configs: [job('token-refresher', p.refresherInternal), job('fleet-manager', p.fleetManagerMetrics), job('observatorium-api', p.apiInternal), job('probe', p.probe)],
    }),
  });
  return {
    stack,
    dataDir: dir.path,
    prom,
    logs: () => logs,
    stop: async () => {
      await Promise.all([stack.stop(), prom.stop()]);
      await dir.cleanup();
      await promDir.cleanup();
    },
  };
}

async function alerts(prom: Backend): Promise<{ name: string; state: string }[]> {
  const res = (await (await fetch(`${prom.url}/api/v1/alerts`)).json()) as { data: { alerts: { labels: { alertname: string }; state: string }[] } };
  return res.data.alerts.map((a) => ({ name: a.labels.alertname, state: a.state }));
}

async function fleetMetrics(stack: RunningStack): Promise<string> {
  return (await fetch(`http://127.0.0.1:${stack.plan.ports.fleetManagerMetrics}/metrics`)).text();
}

/** Sum of a counter's series whose labels include `match`. */
function counterSum(text: string, name: string, match: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(match).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * One stack (and its Prometheus) for a describe block's tests, in turn: started before the first, stopped after
 * the last. A start that fails fails every test of the block.
 */
function sharedStack(faults: string[]): () => WatchedStack {
  let w: WatchedStack | undefined;
  before(async () => (w = await startWatchedStack(faults)));
  after(async () => w?.stop());
  return () => {
    assert.ok(w, 'the stack started');
    return w;
  };
}

after(() => process.stdout.write(doctorTimings()));

// One stack and Prometheus per fault (an alert rule's rate window outlives a cleared fault, so faults cannot share
// a stack), two stacks at a time (each spends about half its time waiting for scrapes, rule evaluations and
// traffic; three, beside the other test files CI runs in parallel, overloaded the 2 cores). On each, the doctor
// runs first, while this process does nothing else for that stack (its probes' timers share this event loop),
// then the alert check, whose rate windows have filled meanwhile.
describe('the fault matrix against Prometheus alerts and the doctor', { concurrency: 2 }, () => {
  describe('no fault', () => {
    const watched = sharedStack([]);
    test(HEALTHY_TITLE, async () => assertHealthyDiagnosis(watched().stack, watched().dataDir));
    test('without faults, the path serves and no alert fires', async () => {
      const w = watched();
      await waitUntil(async () => (metricValue(await fleetMetrics(w.stack), 'kas_fleet_manager_observatorium_request_count{code="200",method="POST",path="/api/v1/query_range"}') ?? 0) >= 14, 20_000, 'fleet manager queries succeed');
      await new Promise((r) => setTimeout(r, 8000)); // several rule evaluations over live data
      assert.deepEqual(await alerts(w.prom), []);
      const fm = await fleetMetrics(w.stack);
      assert.equal(counterSum(fm, 'kas_fleet_manager_observatorium_request_count', {}) - counterSum(fm, 'kas_fleet_manager_observatorium_request_count', { code: '200' }), 0, 'only 200s');
      assert.equal(w.stack.dataPlane.stats().failed, 0);
    });
  });

  for (const fault of FAULTS as Fault[]) {
    describe(`fault ${fault.name}`, () => {
      const watched = sharedStack([fault.name]);
      test(faultTitle(fault), async () => assertFaultDiagnosis(fault, watched().stack, watched().dataDir));
      test(`the fleet manager records ${fault.fleetCode}${fault.failureReason ? ` (${fault.failureReason})` : ''} and ${fault.alerts.join(', ')} fire`, async () => assertAlerts(fault, watched()));
    });
  }
});

async function assertAlerts(fault: Fault, w: WatchedStack): Promise<void> {
  const count = (fm: string, code: string) => counterSum(fm, 'kas_fleet_manager_observatorium_request_count', { code });
  // A partial fault lets some requests through (rate-limited: one a minute): on a loaded machine the first failure
  // can be recorded while the successes still equal it, so the wait is for the failures to outnumber them.
  let fm = '';
  await waitUntil(async () => {
    fm = await fleetMetrics(w.stack);
    const failed = count(fm, fault.fleetCode);
    return fault.partial ? failed > count(fm, '200') : failed > 0;
  }, 25_000, `code ${fault.fleetCode} at the fleet manager${fault.partial ? ', more often than 200' : ''}\n${w.logs().slice(-3000)}`);
  if (fault.failureReason) assert.ok(counterSum(fm, 'kas_fleet_manager_observatorium_request_failures_total', { reason: fault.failureReason }) > 0, `failure reason ${fault.failureReason}`);
  if (!fault.partial) assert.equal(count(fm, '200'), 0, 'no request succeeds');
  const expected = fault.alerts;
  let firing: string[] = [];
  await waitUntil(async () => {
    firing = (await alerts(w.prom)).filter((a) => a.state === 'firing').map((a) => a.name);
    return expected.every((a) => firing.includes(a));
  }, 60_000, `alerts ${expected.join(', ')} (firing: ${firing.join(', ')})`);
  const unexpected = [...new Set(firing)].filter((a) => !fault.alerts.includes(a));
  assert.deepEqual(unexpected, [], `alerts not in the catalog entry of ${fault.name}`);
}
