// The cluster's /metrics as the primary sums it: each worker's latest snapshot, the counts of workers that
// exited (the sum never drops because one restarted), series a worker removed leave, and the process metrics
// each merged as one target would show them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge } from 'prom-client';
import { aggregateParts, ClusterSnapshots, type Snapshot } from '../../src/workers/aggregate.js';
import { workerMetrics } from '../../src/workers/metrics.js';
import { createRegistry } from '../../src/telemetry/metrics.js';

/** A worker's snapshot: http_requests_total per tenant, and a gauge. */
function snap(requests: Record<string, number>, inflight = 1): Snapshot {
  return [
    { name: 'http_requests_total', help: 'h', type: 'counter', aggregator: 'sum', values: Object.entries(requests).map(([tenant, value]) => ({ value, labels: { tenant } })) },
    { name: 'inflight', help: 'h', type: 'gauge', aggregator: 'sum', values: [{ value: inflight, labels: {} }] },
  ];
}

async function text(parts: Snapshot[]): Promise<string> {
  return aggregateParts(parts).metrics();
}

function value(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('a restarted worker does not take its counts out of the sum; its gauges go with it', async () => {
  const s = new ClusterSnapshots();
  let out = await text(s.parts([{ id: 1, pid: 100, value: snap({ a: 10 }) }, { id: 2, pid: 200, value: snap({ a: 5 }) }]));
  assert.equal(value(out, 'http_requests_total{tenant="a"}'), 15);
  // Worker 1 exits: while it is away its last counts stay, its gauge does not.
  out = await text(s.parts([{ id: 1, pid: 100 }, { id: 2, pid: 200, value: snap({ a: 6 }) }]));
  assert.equal(value(out, 'http_requests_total{tenant="a"}'), 16);
  assert.equal(value(out, 'inflight'), 1);
  // Its replacement (a new pid) starts from 1: the sum is 10 (retired) + 1 + 6, never below the last scrape.
  out = await text(s.parts([{ id: 1, pid: 101, value: snap({ a: 1 }) }, { id: 2, pid: 200, value: snap({ a: 6 }) }]));
  assert.equal(value(out, 'http_requests_total{tenant="a"}'), 17);
  assert.equal(value(out, 'inflight'), 2);
  // A second restart of the same slot adds the second run's counts too.
  out = await text(s.parts([{ id: 1, pid: 102, value: snap({ a: 0 }) }, { id: 2, pid: 200, value: snap({ a: 6 }) }]));
  assert.equal(value(out, 'http_requests_total{tenant="a"}'), 17);
});

test('a series the workers stop exposing leaves the aggregate, also what exited workers had counted of it', async () => {
  const s = new ClusterSnapshots();
  await text(s.parts([{ id: 1, pid: 100, value: snap({ a: 3, b: 4 }) }, { id: 2, pid: 200, value: snap({ a: 1, b: 2 }) }]));
  // Worker 1 restarts (its b:4 is retired); then the tenant b is removed and the live workers drop its series.
  let out = await text(s.parts([{ id: 1, pid: 101, value: snap({ a: 0, b: 0 }) }, { id: 2, pid: 200, value: snap({ a: 1, b: 2 }) }]));
  assert.equal(value(out, 'http_requests_total{tenant="b"}'), 6);
  out = await text(s.parts([{ id: 1, pid: 101, value: snap({ a: 0 }) }, { id: 2, pid: 200, value: snap({ a: 1 }) }]));
  assert.equal(value(out, 'http_requests_total{tenant="b"}'), undefined, out);
  assert.equal(value(out, 'http_requests_total{tenant="a"}'), 4);
  // Nothing comes back on later scrapes.
  out = await text(s.parts([{ id: 1, pid: 101, value: snap({ a: 2 }) }, { id: 2, pid: 200, value: snap({ a: 1 }) }]));
  assert.doesNotMatch(out, /tenant="b"/);
  assert.equal(value(out, 'http_requests_total{tenant="a"}'), 6);
});

test('histograms keep their buckets, sum and count across a restart; summary quantiles are not carried', async () => {
  const hist = (n: number): Snapshot => [{
    name: 'd', help: 'h', type: 'histogram', aggregator: 'sum',
    values: [{ value: n, labels: { le: '1' }, metricName: 'd_bucket' }, { value: n, labels: { le: '+Inf' }, metricName: 'd_bucket' }, { value: n / 2, labels: {}, metricName: 'd_sum' }, { value: n, labels: {}, metricName: 'd_count' }],
  }, {
    name: 'q', help: 'h', type: 'summary', aggregator: 'sum',
    values: [{ value: 0.5, labels: { quantile: 0.5 } }, { value: n, labels: {}, metricName: 'q_count' }],
  }];
  const s = new ClusterSnapshots();
  await text(s.parts([{ id: 1, pid: 1, value: hist(8) }]));
  const out = await text(s.parts([{ id: 1, pid: 2, value: hist(2) }]));
  assert.equal(value(out, 'd_bucket{le="+Inf"}'), 10);
  assert.equal(value(out, 'd_sum'), 5);
  assert.equal(value(out, 'd_count'), 10);
  assert.equal(value(out, 'q_count'), 10);
  assert.equal(value(out, 'q{quantile="0.5"}'), 0.5);
});

test('process metrics: summed for the service, min start time, max limits and lag, one version', async () => {
  // Three real registries (a primary and two workers) of this process, made to look like three processes.
  const [primary, w1, w2] = await Promise.all([0, 1, 2].map(async () => (await createRegistry().getMetricsAsJSON()) as unknown as Snapshot));
  const set = (s: Snapshot, name: string, v: number) => { for (const x of s.find((m) => m.name === name)!.values) x.value = v; };
  set(primary!, 'process_start_time_seconds', 1000); set(w1!, 'process_start_time_seconds', 1005); set(w2!, 'process_start_time_seconds', 1300);
  set(primary!, 'process_resident_memory_bytes', 50e6); set(w1!, 'process_resident_memory_bytes', 70e6); set(w2!, 'process_resident_memory_bytes', 80e6);
  set(primary!, 'process_max_fds', 1024); set(w1!, 'process_max_fds', 1024); set(w2!, 'process_max_fds', 1024);
  set(primary!, 'process_open_fds', 20); set(w1!, 'process_open_fds', 30); set(w2!, 'process_open_fds', 31);
  set(primary!, 'nodejs_eventloop_lag_p99_seconds', 0.01); set(w1!, 'nodejs_eventloop_lag_p99_seconds', 0.5); set(w2!, 'nodejs_eventloop_lag_p99_seconds', 0.02);
  set(primary!, 'nodejs_eventloop_lag_min_seconds', 0.003); set(w1!, 'nodejs_eventloop_lag_min_seconds', 0.001); set(w2!, 'nodejs_eventloop_lag_min_seconds', 0.002);
  set(primary!, 'nodejs_heap_size_used_bytes', 1e6); set(w1!, 'nodejs_heap_size_used_bytes', 2e6); set(w2!, 'nodejs_heap_size_used_bytes', 3e6);
  const out = await text([primary!, ...new ClusterSnapshots().parts([{ id: 1, pid: 1, value: w1 }, { id: 2, pid: 2, value: w2 }])]);
  assert.equal(value(out, 'process_start_time_seconds'), 1000);
  assert.equal(value(out, 'process_resident_memory_bytes'), 200e6);
  assert.equal(value(out, 'process_max_fds'), 1024);
  assert.equal(value(out, 'process_open_fds'), 81);
  assert.equal(value(out, 'nodejs_eventloop_lag_p99_seconds'), 0.5);
  assert.equal(value(out, 'nodejs_eventloop_lag_min_seconds'), 0.001);
  assert.equal(value(out, 'nodejs_heap_size_used_bytes'), 6e6);
  const version = out.split('\n').filter((l) => l.startsWith('nodejs_version_info{'));
  assert.equal(version.length, 1);
  assert.match(version[0]!, / 1$/);
  const cpu = (s: Snapshot) => s.find((m) => m.name === 'process_cpu_seconds_total')!.values[0]!.value;
  assert.ok(Math.abs(value(out, 'process_cpu_seconds_total')! - (cpu(primary!) + cpu(w1!) + cpu(w2!))) < 1e-9);
  console.log(out.split('\n').filter((l) => /^(process_|nodejs_version|nodejs_eventloop_lag_p99|nodejs_heap_size_used)/.test(l)).join('\n'));
});

test('the primary reports its workers: how many, how many serve, how often they restarted', async () => {
  const registry = createRegistry({ defaultMetrics: false });
  new Counter({ name: 'x_total', help: 'h', registers: [registry] }).inc(2);
  new Gauge({ name: 'g', help: 'h', registers: [registry] }).set(1);
  const pool = { count: 2, restarts: 3, states: () => [{ id: 1, started: true, restarts: 3, crashLooping: false }, { id: 2, started: false, restarts: 0, crashLooping: false }] };
  const own = (await registry.getMetricsAsJSON()) as unknown as Snapshot;
  const out = await text([[...own, ...workerMetrics(pool)]]);
  assert.equal(value(out, 'obspath_workers'), 2);
  assert.equal(value(out, 'obspath_workers_started'), 1);
  assert.equal(value(out, 'obspath_worker_restarts_total'), 3);
  assert.match(out, /# TYPE obspath_worker_restarts_total counter/);
});
