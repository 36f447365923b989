// The fault matrix: for every failure of `obspath up --fault`, the fleet manager records the documented
// status code, and Debian's Prometheus, scraping the stack and evaluating deploy/prometheus/alerts.yaml
// (with `for:` shortened), fires the documented alerts. Without faults, no alert fires.
import { describe, test } from 'node:test';
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

/** The shipped rules with every `for:` at 0s: the test checks the expressions, not the patience. */
function testRules(): string {
  const rules = parse(readFileSync(join(REPO_ROOT, 'deploy', 'prometheus', 'alerts.yaml'), 'utf8')) as { groups: { rules: { for?: string }[] }[] };
  for (const g of rules.groups) for (const r of g.rules) r.for = '0s';
  return stringify(rules);
}

async function startWatchedStack(faults: string[]): Promise<{ stack: RunningStack; prom: Backend; logs: () => string; stop(): Promise<void> }> {
  const dir = await tempDir();
  const base = await freePortRange(13);
  const out = new PassThrough();
  let logs = '';
  out.on('data', (d: Buffer) => (logs += d.toString()));
  const stack = await startStack({ dataDir: dir.path, basePort: base, faults, out, logger: createLogger({ component: 'up', level: 'warn', destination: out }), logLevel: 'warn' });
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

// Each test starts its own stack and Prometheus (an alert rule's rate window outlives a cleared fault, so the
// stacks cannot be shared) and spends about half its time waiting for scrapes and rule evaluations: two run
// side by side, on separate ports and data directories.
describe('the fault matrix against Prometheus alerts', { concurrency: 2 }, () => {
  test('without faults, the path serves and no alert fires', async () => {
    const w = await startWatchedStack([]);
    try {
      await waitUntil(async () => (metricValue(await fleetMetrics(w.stack), 'kas_fleet_manager_observatorium_request_count{code="200",method="POST",path="/api/v1/query_range"}') ?? 0) >= 14, 20_000, 'fleet manager queries succeed');
      await new Promise((r) => setTimeout(r, 8000)); // several rule evaluations over live data
      assert.deepEqual(await alerts(w.prom), []);
      const fm = await fleetMetrics(w.stack);
      assert.equal(counterSum(fm, 'kas_fleet_manager_observatorium_request_count', {}) - counterSum(fm, 'kas_fleet_manager_observatorium_request_count', { code: '200' }), 0, 'only 200s');
      assert.equal(w.stack.dataPlane.stats().failed, 0);
    } finally {
      await w.stop();
    }
  });

  for (const fault of FAULTS as Fault[]) {
    test(`fault ${fault.name}: the fleet manager records ${fault.fleetCode}${fault.failureReason ? ` (${fault.failureReason})` : ''} and ${fault.alerts.join(', ')} fire`, async () => {
      const w = await startWatchedStack([fault.name]);
      try {
        await waitUntil(async () => counterSum(await fleetMetrics(w.stack), 'kas_fleet_manager_observatorium_request_count', { code: fault.fleetCode }) > 0, 25_000, `code ${fault.fleetCode} at the fleet manager\n${w.logs().slice(-3000)}`);
        const fm = await fleetMetrics(w.stack);
        if (fault.failureReason) assert.ok(counterSum(fm, 'kas_fleet_manager_observatorium_request_failures_total', { reason: fault.failureReason }) > 0, `failure reason ${fault.failureReason}`);
        const ok = counterSum(fm, 'kas_fleet_manager_observatorium_request_count', { code: '200' });
        if (fault.partial) assert.ok(ok < counterSum(fm, 'kas_fleet_manager_observatorium_request_count', { code: fault.fleetCode }), 'most requests fail');
        else assert.equal(ok, 0, 'no request succeeds');
        const expected = fault.alerts;
        let firing: string[] = [];
        await waitUntil(async () => {
          firing = (await alerts(w.prom)).filter((a) => a.state === 'firing').map((a) => a.name);
          return expected.every((a) => firing.includes(a));
        }, 60_000, `alerts ${expected.join(', ')} (firing: ${firing.join(', ')})`);
        const unexpected = [...new Set(firing)].filter((a) => !fault.alerts.includes(a));
        assert.deepEqual(unexpected, [], `alerts not in the catalog entry of ${fault.name}`);
      } finally {
        await w.stop();
      }
    });
  }
});
