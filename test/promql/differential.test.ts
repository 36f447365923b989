// Differential test: the same generated Kafka data remote-written to Debian's Prometheus 2.42 and to the
// embedded store (its own HTTP API, `obspath store`'s server); a few hundred queries compared instant and range.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildQueries } from '../../src/kafka-metrics/catalog.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../../src/store/index.js';
import { startStoreServer, type RunningStoreServer } from '../../src/store/server.js';
import { kafkaInstanceSeries, samplesBetween, toLabels } from '../../src/stack/kafka-data.js';
import type { SeriesToWrite } from '../../src/store/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir } from '../../tools/testing/net.js';
import { startPrometheus, type Backend } from '../../tools/testing/procs.js';

const INSTANCES = ['c1a2b3', 'd4e5f6', 'g7h8i9', 'j0k1l2'];
const NOW = Math.floor(Date.now() / 60_000) * 60_000; // whole minute: step-aligned times on both sides
const FROM = NOW - 60 * 60_000; // every window below ends at least 5 minutes after the data starts
let prom: Backend;
let ours: RunningStoreServer;
let dir: { path: string; cleanup: () => Promise<void> };


/** A classic histogram per broker, so histogram_quantile is compared too. */
function latencyHistogram(): { labels: Record<string, string>; samples: [number, number][] }[] {
  const les = ['0.005', '0.01', '0.05', '0.1', '0.5', '1', '+Inf'];
  const out: { labels: Record<string, string>; samples: [number, number][] }[] = [];
  for (const id of INSTANCES) {
    for (let b = 0; b < 3; b++) {
      for (const [i, le] of les.entries()) {
        const samples: [number, number][] = [];
        for (let t = FROM; t < NOW; t += 30_000) samples.push([t + b * 97, Math.floor(((t - FROM) / 1000) * (i + 1) * (b + 1) * 1.7)]);
        out.push({ labels: { __name__: 'kafka_request_latency_seconds_bucket', namespace: `kafka-${id}`, broker: String(b), le }, samples });
      }
    }
  }
  return out;
}

async function writeAll(url: string, batches: SeriesToWrite[][]): Promise<void> {
  for (const batch of batches) {
    const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: new Uint8Array(encodeWriteRequest(batch)) });
    assert.equal(res.status, 204, `${url}: ${await res.text()}`);
  }
}

before(async () => {
  dir = await tempDir();
  prom = await startPrometheus();
  // 10-minute blocks: most of the hour ends up in persistent blocks, the rest in the head, so every query
  // reads across blocks and head (issue 18).
  ours = await startStoreServer({ store: { dir: dir.path, fsync: 'off', minBlockDurationMs: 10 * 60_000 }, listen: '127.0.0.1:0', logger: createLogger({ component: 'store', level: 'warn' }) });
  const all = INSTANCES.flatMap((id) => kafkaInstanceSeries({ id }));
  const hist = latencyHistogram();
  // Ten-minute slices in time order: both stores only take samples near their newest one.
  const batches: SeriesToWrite[][] = [];
  for (let t = FROM; t < NOW; t += 10 * 60_000) {
    const slice = samplesBetween(all, t, t + 10 * 60_000, 30_000, FROM).filter((s) => s.timestamps.length > 0);
    const h = hist.map((s) => {
      const pts = s.samples.filter(([ts]) => ts >= t && ts < t + 10 * 60_000);
      return { labels: toLabels(s.labels), timestamps: pts.map((p) => p[0]), values: pts.map((p) => p[1]) };
    }).filter((s) => s.timestamps.length > 0);
    batches.push([...slice, ...h]);
  }
  await Promise.all([writeAll(prom.url, batches), writeAll(ours.url, batches)]);
  await ours.store.compact();
  assert.ok(ours.store.stats().headCompactions >= 4, `head cut into blocks: ${JSON.stringify(ours.store.stats())}`);
});

after(async () => {
  await ours?.close();
  await prom?.stop();
  await dir?.cleanup();
});

function queries(): string[] {
  const ns = 'kafka-c1a2b3';
  const q: string[] = buildQueries(ns).map((g) => g.query);
  const counters = ['kafka_server_brokertopicmetrics_bytes_in_total', 'kafka_server_brokertopicmetrics_messages_in_total'];
  const gauges = ['kubelet_volume_stats_used_bytes', 'kafka_broker_quota_totalstorageusedbytes', 'kafka_topic:kafka_log_log_size:sum'];
  for (const c of counters) {
    for (const r of ['1m', '5m', '10m']) {
      for (const f of ['rate', 'irate', 'increase', 'resets', 'changes']) q.push(`${f}(${c}[${r}])`);
    }
    q.push(`sum by (topic) (rate(${c}{namespace=~"${ns}", topic!~"__.*"}[5m]))`);
    q.push(`sum by (namespace) (rate(${c}[5m]))`);
    q.push(`topk(3, rate(${c}[5m]))`, `bottomk(2, sum by (topic) (increase(${c}[10m])))`);
    q.push(`rate(${c}[5m] offset 10m)`, `rate(${c}[5m] @ ${(NOW - 20 * 60_000) / 1000})`);
    q.push(`max_over_time(rate(${c}[5m])[15m:1m])`, `avg_over_time(sum by (namespace) (rate(${c}[2m]))[10m:30s])`);
    q.push(`sum(rate(${c}[5m])) / count(rate(${c}[5m]))`, `rate(${c}[5m]) > bool 100`, `rate(${c}[5m]) > 100`);
    q.push(`quantile(0.9, rate(${c}[5m]))`, `stddev by (namespace) (rate(${c}[5m]))`, `count_values("pod", count by (statefulset_kubernetes_io_pod_name) (${c}))`);
  }
  for (const g of gauges) {
    for (const f of ['avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time', 'stddev_over_time', 'stdvar_over_time', 'present_over_time', 'delta', 'idelta', 'deriv']) {
      q.push(`${f}(${g}[5m])`);
    }
    q.push(`quantile_over_time(0.75, ${g}[10m])`, `predict_linear(${g}[10m], 3600)`, `changes(${g}[10m])`);
    q.push(`${g} / 1024 / 1024`, `round(${g} / 3, 10)`, `clamp(${g}, 1e5, 5e5)`, `clamp_min(${g}, 3e5)`, `clamp_max(${g}, 3e5)`);
    q.push(`sum by (namespace) (${g})`, `avg without (job) (${g})`, `max(${g})`, `min by (namespace) (${g})`, `count(${g})`, `group by (namespace) (${g})`);
    q.push(`sort_desc(${g})`, `timestamp(${g})`, `time() - timestamp(${g})`, `${g} offset 5m`, `abs(delta(${g}[5m]))`);
    q.push(`label_replace(${g}, "ns", "$1", "namespace", "kafka-(.*)")`, `label_join(${g}, "both", "/", "namespace", "job")`);
  }
  q.push(
    'kubelet_volume_stats_used_bytes / on (namespace, persistentvolumeclaim) kubelet_volume_stats_available_bytes',
    'kubelet_volume_stats_used_bytes / ignoring (job) (kubelet_volume_stats_used_bytes + kubelet_volume_stats_available_bytes)',
    'kafka_broker_quota_totalstorageusedbytes / on (namespace, statefulset_kubernetes_io_pod_name) group_left kafka_broker_quota_hardlimitbytes',
    'sum by (namespace) (kafka_broker_quota_totalstorageusedbytes) / on (namespace) group_left sum by (namespace) (kafka_broker_quota_hardlimitbytes)',
    'kafka_instance_connection_limit * on (namespace, broker_id) group_left (instance_name) kafka_instance_spec_brokers_desired_count',
    'kafka_instance_partition_limit and kafka_instance_connection_limit',
    'kafka_instance_partition_limit or kafka_instance_spec_brokers_desired_count',
    'kafka_broker_quota_softlimitbytes unless on (statefulset_kubernetes_io_pod_name) kafka_broker_quota_hardlimitbytes{statefulset_kubernetes_io_pod_name=~".*-0"}',
    'absent(nonexistent_metric{namespace="x"})', 'absent(kafka_instance_partition_limit)', 'absent_over_time(nonexistent_metric[5m])',
    'vector(1)', 'scalar(sum(kafka_instance_partition_limit))', 'sum(kafka_instance_partition_limit) * 2 + 1', '-kafka_instance_partition_limit',
    'kafka_instance_partition_limit % 7', 'kafka_instance_partition_limit ^ 0.5', 'ln(kafka_instance_partition_limit)', 'exp(kafka_instance_spec_brokers_desired_count)',
    'histogram_quantile(0.9, sum by (le, namespace) (rate(kafka_request_latency_seconds_bucket[5m])))',
    'histogram_quantile(0.5, rate(kafka_request_latency_seconds_bucket[5m]))',
    'histogram_quantile(0.99, sum by (le) (rate(kafka_request_latency_seconds_bucket[10m])))',
    '{__name__=~"kafka_instance_.*", namespace="kafka-d4e5f6"}', '{namespace=~"kafka-(c1a2b3|d4e5f6)", __name__="kafka_instance_partition_limit"}',
    'count by (__name__) ({namespace="kafka-g7h8i9"})', 'count({__name__!~"kafka_.*"})',
    'sum(rate({__name__=~"kafka_server_brokertopicmetrics_(bytes|messages)_in_total"}[5m])) by (namespace)',
    'minute(timestamp(kafka_instance_partition_limit))', 'hour(vector(time()))', 'day_of_week()', 'days_in_month(vector(1700000000))',
    'sgn(deriv(kubelet_volume_stats_used_bytes[10m]))', 'sum(rate(kafka_server_brokertopicmetrics_bytes_in_total{topic="nope"}[5m]))',
  );
  return q;
}

interface Answer { status: string; errorType?: string; data?: { resultType: string; result: unknown } }

async function ask(base: string, path: string, params: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
  return (await res.json()) as Answer;
}

function close(a: string, b: string, tolerance = 1e-6): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return false;
  return Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(x), Math.abs(y));
}

/** Same result type, same series (as sets), values within a relative 1e-6; returns why not, or null. */
function difference(a: Answer, b: Answer, tolerance = 1e-6): string | null {
  if (a.status !== b.status) return `status ${a.status} vs ${b.status}`;
  if (a.status === 'error') return a.errorType === b.errorType ? null : `errorType ${a.errorType} vs ${b.errorType}`;
  if (a.data!.resultType !== b.data!.resultType) return `resultType ${a.data!.resultType} vs ${b.data!.resultType}`;
  const rt = a.data!.resultType;
  if (rt === 'scalar' || rt === 'string') {
    const [ta, va] = a.data!.result as [number, string];
    const [tb, vb] = b.data!.result as [number, string];
    return ta === tb && close(va, vb, tolerance) ? null : `${JSON.stringify(a.data!.result)} vs ${JSON.stringify(b.data!.result)}`;
  }
  type S = { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] };
  const key = (s: S) => JSON.stringify(Object.entries(s.metric).sort());
  const ma = new Map((a.data!.result as S[]).map((s) => [key(s), s]));
  const mb = new Map((b.data!.result as S[]).map((s) => [key(s), s]));
  if (ma.size !== mb.size) return `${ma.size} series vs ${mb.size}`;
  for (const [k, sa] of ma) {
    const sb = mb.get(k);
    if (!sb) return `series ${k} only in Prometheus`;
    const pa = sa.values ?? [sa.value!];
    const pb = sb.values ?? [sb.value!];
    if (pa.length !== pb.length) return `${k}: ${pa.length} points vs ${pb.length}`;
    for (let i = 0; i < pa.length; i++) {
      if (pa[i]![0] !== pb[i]![0] || !close(pa[i]![1], pb[i]![1], tolerance)) return `${k} at ${pa[i]![0]}: ${pa[i]![1]} vs ${pb[i]![0]} ${pb[i]![1]}`;
    }
  }
  return null;
}

test('range query answers are byte-identical to Prometheus\'s JSON', async () => {
  // (Sums over many series may differ in the last bit: 3.x sums with Kahan compensation, 2.42 does not.)
  const qs = ['kafka_instance_partition_limit', 'max by (namespace) (rate(kafka_server_brokertopicmetrics_bytes_in_total[5m]))', 'kubelet_volume_stats_used_bytes / 1e9', 'vector(0.1) * 3', 'scalar(count(kafka_instance_partition_limit))', 'histogram_quantile(0.9, sum by (le) (rate(kafka_request_latency_seconds_bucket[5m])))', 'sum(nonexistent)'];
  const differ: string[] = [];
  for (const query of qs) {
    const params = new URLSearchParams({ query, start: String((NOW - 20 * 60_000) / 1000), end: String((NOW - 60_000) / 1000), step: '60' });
    const [p, o] = await Promise.all([prom.url, ours.url].map(async (u) => (await fetch(`${u}/api/v1/query_range?${params}`)).text()));
    if (p !== o) {
      let i = 0;
      while (i < p.length && p[i] === o[i]) i++;
      differ.push(`${query} (first difference at byte ${i}):\n  prometheus: …${p.slice(Math.max(0, i - 60), i + 60)}\n  obspath:    …${o.slice(Math.max(0, i - 60), i + 60)}`);
    }
  }
  assert.deepEqual(differ, []);
});

test('the embedded store and PromQL engine answer like Prometheus 2.42 on Kafka-like data', async () => {
  const qs = queries();
  const cases: { name: string; path: string; params: Record<string, string> }[] = [];
  for (const query of qs) {
    for (const at of [NOW - 60_000, NOW - 17 * 60_000 - 13_000, NOW - 33 * 60_000]) cases.push({ name: `instant@${(NOW - at) / 1000}s ${query}`, path: '/api/v1/query', params: { query, time: String(at / 1000) } });
    cases.push({ name: `range/60s ${query}`, path: '/api/v1/query_range', params: { query, start: String((NOW - 35 * 60_000) / 1000), end: String((NOW - 60_000) / 1000), step: '60' } });
    cases.push({ name: `range/37s ${query}`, path: '/api/v1/query_range', params: { query, start: String((NOW - 20 * 60_000) / 1000), end: String((NOW - 5 * 60_000) / 1000), step: '37' } });
  }
  const mismatches: string[] = [];
  const explained = { nameCollisionIn2x: 0, rangeSemantics3x: 0 };
  let nonEmpty = 0;
  for (const c of cases) {
    const [p, o] = await Promise.all([ask(prom.url, c.path, c.params), ask(ours.url, c.path, c.params)]);
    if (p.status === 'success' && Array.isArray(p.data?.result) && (p.data!.result as unknown[]).length > 0) nonEmpty++;
    const diff = difference(p, o);
    if (!diff) continue;
    // Known, documented differences between Prometheus 2.42 and the Prometheus 3 semantics this engine follows:
    // 1. 3.x drops __name__ after the function runs, so rate({__name__=~"a|b"}[5m]) by (...) works; 2.42 fails
    //    with "vector cannot contain metrics with the same labelset".
    const p2 = p as Answer & { error?: string };
    if (p.status === 'error' && o.status === 'success' && /same labelset/.test(p2.error ?? '') && /\{__name__=~/.test(c.params.query!)) {
      explained.nameCollisionIn2x++;
      continue;
    }
    // 2. 3.x range selectors and subqueries are left-open ((t-range, t]) and rate/increase cap the start
    //    extrapolation at half a scrape interval before the zero point (2.42 did it the other way round). Only
    //    rate/increase and subqueries are affected, only in values (never in the series returned), by a few %.
    if (/\b(rate|increase)\(|\[\d+m:\d+[sm]\]/.test(c.params.query!) && difference(p, o, 0.05) === null) {
      explained.rangeSemantics3x++;
      continue;
    }
    mismatches.push(`${c.name}: ${diff}`);
  }
  const exact = cases.length - mismatches.length - explained.nameCollisionIn2x - explained.rangeSemantics3x;
  console.log(`differential vs Prometheus 2.42: ${exact}/${cases.length} identical, ${explained.nameCollisionIn2x} name-collision errors only in 2.x, ` +
    `${explained.rangeSemantics3x} within 5% from 3.x range semantics, ${mismatches.length} unexplained (${qs.length} queries; ${nonEmpty} non-empty answers)`);
  for (const m of mismatches.slice(0, 40)) console.log(`  mismatch: ${m}`);
  assert.ok(nonEmpty > cases.length * 0.8, 'the data must make most answers non-empty');
  assert.ok(exact >= cases.length * 0.95, `only ${exact}/${cases.length} answers are identical`);
  assert.deepEqual(mismatches, []);
});
