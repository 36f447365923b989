// Rule evaluation cost: the bundle's alert rules (deploy/prometheus/alerts.yaml) evaluated by the rule manager
// against the embedded store holding the series the bundle reads (fleet manager, refresher, probe, `up`) among
// filler series of a scraped stack, 30 minutes of samples every 5 s. Prints ms per evaluation of the whole
// bundle (wall p50, p95, mean; CPU mean) for each store size, results written back to the store as `obspath up` does.
//   node --import tsx bench/rules.ts        (env: SIZES=1000,10000,100000 ITER=200, at most 280)
import { join } from 'node:path';
import { Engine } from '../src/promql/engine.js';
import { loadRuleFiles, RuleManager, sampleValue } from '../src/rules/index.js';
import type { Label } from '../src/storage/interface.js';
import { Store, type SeriesToWrite } from '../src/store/index.js';
import { tempDir } from '../tools/testing/net.js';
import { REPO_ROOT } from '../tools/testing/procs.js';
import { benchSeriesLabels } from './lib/series.js';

const SIZES = (process.env.SIZES ?? '1000,10000,100000').split(',').map(Number);
const ITER = Math.min(Number(process.env.ITER ?? 200), 280);
const STEP = 5_000;
const SPAN = 30 * 60_000;

const l = (name: string, labels: Record<string, string>): Label[] => [{ name: '__name__', value: name }, ...Object.entries(labels).map(([k, v]) => ({ name: k, value: v }))];

/** The series the bundle's rules select, each with its rate per second (counters) or value (gauges). */
function bundleSeries(): Array<{ labels: Label[]; counter: boolean; v: number }> {
  const out: Array<{ labels: Label[]; counter: boolean; v: number }> = [];
  for (const path of ['/api/v1/query', '/api/v1/query_range']) {
    for (const [code, rate] of [['200', 10], ['503', 1], ['0', 0.2]] as const) out.push({ labels: l('kas_fleet_manager_observatorium_request_count', { code, method: 'POST', path }), counter: true, v: rate });
  }
  for (const job of ['issuer', 'store', 'api', 'token-refresher', 'fleet-manager', 'probe']) out.push({ labels: l('up', { job, instance: `127.0.0.1:${job.length}` }), counter: false, v: 1 });
  out.push({ labels: l('token_refresher_up', { job: 'token-refresher', instance: 'tr-0' }), counter: false, v: 1 });
  out.push({ labels: l('token_refresher_token_refresh_total', { job: 'token-refresher', instance: 'tr-0', result: 'success' }), counter: true, v: 0.1 });
  out.push({ labels: l('token_refresher_token_refresh_errors_total', { job: 'token-refresher', instance: 'tr-0', reason: 'issuer_timeout' }), counter: true, v: 0.01 });
  for (const [result, code] of [['success', '200'], ['error', '0']]) {
    out.push({ labels: l('up_queries_total', { job: 'probe', result, http_code: code }), counter: true, v: result === 'success' ? 0.2 : 0.05 });
    out.push({ labels: l('up_remote_writes_total', { job: 'probe', result, http_code: code === '200' ? '204' : code }), counter: true, v: 0.2 });
  }
  return out;
}

async function fill(store: Store, size: number, end: number): Promise<void> {
  const bundle = bundleSeries();
  const n = Math.floor(SPAN / STEP);
  const timestamps = Array.from({ length: n }, (_, i) => end - SPAN + (i + 1) * STEP);
  const all: SeriesToWrite[] = bundle.map((s) => ({ labels: s.labels, timestamps, values: Float64Array.from(timestamps, (_, i) => (s.counter ? s.v * (i + 1) * (STEP / 1000) : s.v)) }));
  for (let i = 0; all.length < size; i++) all.push({ labels: benchSeriesLabels(i, `pod-${i % 50}`), timestamps, values: Float64Array.from(timestamps, (_, k) => k * 3) });
  for (let i = 0; i < all.length; i += 500) await store.append(all.slice(i, i + 500));
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

for (const size of SIZES) {
  const dir = await tempDir('obspath-bench-rules-');
  const end = Date.now();
  const store = await Store.open({ dir: dir.path, fsync: 'off', maintenanceIntervalMs: 0 });
  await fill(store, size, end);
  const mgr = new RuleManager(loadRuleFiles([join(REPO_ROOT, 'deploy', 'prometheus', 'alerts.yaml')]), {
    engine: new Engine(), querier: store, evaluationIntervalMs: STEP,
    write: async (samples, ts) => void (await store.append(samples.map((s) => ({ labels: s.labels, timestamps: [ts], values: sampleValue(s) })))),
  });
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < ITER; i++) {
    // Every 5 s of the stored span, from its 6th minute on (rate()[5m] has data): the results append in order.
    const ts = end - SPAN + 6 * 60_000 + i * STEP;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await mgr.evalAll(ts);
    const c = process.cpuUsage(c0);
    times.push(performance.now() - t0);
    cpus.push((c.user + c.system) / 1000);
  }
  const warm = times.slice(10);
  const mean = warm.reduce((a, b) => a + b, 0) / warm.length;
  const cpu = cpus.slice(10).reduce((a, b) => a + b, 0) / warm.length;
  const active = mgr.groups.flatMap((g) => g.rules).filter((r) => r.kind === 'alerting' && r.state() !== 'inactive').map((r) => r.name);
  console.log(`${store.stats().series} series: bundle evaluation p50 ${pct(warm, 0.5).toFixed(2)} ms, p95 ${pct(warm, 0.95).toFixed(2)} ms, mean ${mean.toFixed(2)} ms (CPU ${cpu.toFixed(2)} ms) over ${warm.length} evaluations (alerts active: ${active.join(', ') || 'none'})`);
  await store.close();
  await dir.cleanup();
}
