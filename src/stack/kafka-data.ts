// Synthetic data of a managed Kafka instance: the 29 metrics the fleet manager reads, with the labels its
// selectors match (kas-fleet-manager.md §1.5), realistic counters (with resets) and gauges, jittered scrape
// times and gaps. Deterministic for a seed, so tests and benchmarks can write the same data twice.
import { METRICS, type MetricSpec } from '../kafka-metrics/catalog.js';
import type { Labels } from '../storage/interface.js';
import type { SeriesToWrite } from '../remotewrite/encode.js';

export interface KafkaInstanceRef {
  id: string;
  /** Default kafka-<id>. */
  namespace?: string;
}

export interface SyntheticSeries {
  labels: Record<string, string>;
  kind: 'counter' | 'gauge';
  /** Value at time t (ms); counters restart from 0 at their reset times. */
  valueAt(t: number): number;
  /** Scrape-time jitter of this series (ms), and whether the scrape at slot `i` is missing (a gap). */
  jitterMs: number;
  missing(slot: number): boolean;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same data on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOPICS = ['orders', 'payments', 'clicks', '__consumer_offsets', '__redhat_strimzi_canary'];

function labelSetsFor(spec: MetricSpec, inst: Required<KafkaInstanceRef>, brokers: number): Record<string, string>[] {
  const cluster = inst.id;
  const pod = (b: number) => `${cluster}-kafka-${b}`;
  const base = { namespace: inst.namespace, job: 'kafka' };
  const perBroker = (extra: (b: number) => Record<string, string>[]) =>
    Array.from({ length: brokers }, (_, b) => extra(b)).flat();
  switch (spec.group) {
    case 'A':
      return perBroker((b) => [{ ...base, persistentvolumeclaim: `data-0-${cluster}-kafka-${b}` }]);
    case 'B':
    case 'D': {
      const quota = spec.name === 'kafka_broker_client_quota_limit' ? ['produce', 'fetch'] : [''];
      return perBroker((b) => quota.map((q) => ({ ...base, strimzi_io_kind: 'Kafka', strimzi_io_cluster: cluster, statefulset_kubernetes_io_pod_name: pod(b), ...(q ? { quota_type: q } : {}) })));
    }
    case 'C':
      return perBroker((b) => TOPICS.map((topic) => ({ ...base, strimzi_io_kind: 'Kafka', strimzi_io_cluster: cluster, statefulset_kubernetes_io_pod_name: pod(b), topic })));
    case 'E':
      if (spec.name === 'kas_topic_partition_log_size_bytes') {
        return perBroker((b) => TOPICS.slice(0, 3).map((topic) => ({ ...base, topic, topic_name: topic, partition_id: '0', broker_id: String(b), strimzi_io_cluster: cluster, statefulset_kubernetes_io_pod_name: pod(b) })));
      }
      return TOPICS.map((topic) => ({ ...base, topic }));
    case 'F':
      if (spec.federateLabels.includes('partition_id')) {
        return perBroker((b) => [{ ...base, topic_name: 'orders', partition_id: String(b), broker_id: String(b), strimzi_io_cluster: cluster, statefulset_kubernetes_io_pod_name: pod(b) }]);
      }
      if (spec.federateLabels.includes('topic')) {
        return perBroker((b) => TOPICS.slice(0, 3).map((topic) => ({ ...base, topic, strimzi_io_cluster: cluster, statefulset_kubernetes_io_pod_name: pod(b) })));
      }
      if (spec.federateLabels.includes('broker_id')) return perBroker((b) => [{ ...base, instance_name: cluster, broker_id: String(b) }]);
      if (spec.federateLabels.includes('instance_name')) return [{ ...base, instance_name: cluster }];
      return [{ ...base }];
    case 'G':
      return [{ exported_namespace: inst.namespace, namespace: 'openshift-ingress', job: 'haproxy' }];
  }
}

/** Every series of one instance (about 120 for 3 brokers). */
export function kafkaInstanceSeries(ref: KafkaInstanceRef, opts: { seed?: number; brokers?: number; scrapeIntervalMs?: number; gapRatio?: number; resetEveryMs?: number } = {}): SyntheticSeries[] {
  const inst = { id: ref.id, namespace: ref.namespace ?? `kafka-${ref.id.toLowerCase()}` };
  const rand = prng(opts.seed ?? hash(ref.id));
  const interval = opts.scrapeIntervalMs ?? 30_000;
  const gapRatio = opts.gapRatio ?? 0.03;
  const out: SyntheticSeries[] = [];
  for (const spec of METRICS) {
    const counter = spec.name.endsWith('_total');
    for (const ls of labelSetsFor(spec, inst, opts.brokers ?? 3)) {
      const rate = 1 + rand() * 500; // per second
      const level = 10 + rand() * 1e6;
      const period = (5 + rand() * 30) * 60_000;
      const phase = rand() * Math.PI * 2;
      const resetEvery = opts.resetEveryMs ?? (20 + Math.floor(rand() * 40)) * 60_000;
      const resetOffset = Math.floor(rand() * resetEvery);
      const gapSeed = Math.floor(rand() * 1e9);
      out.push({
        labels: { __name__: spec.name, ...ls },
        kind: counter ? 'counter' : 'gauge',
        jitterMs: Math.floor((rand() - 0.5) * Math.min(2000, interval / 4)),
        missing: (slot) => prng(gapSeed ^ slot)() < gapRatio,
        valueAt: counter
          ? (t) => Math.floor(((((t - resetOffset) % resetEvery) + resetEvery) % resetEvery) / 1000 * rate)
          : (t) => Math.round(level * (1 + 0.3 * Math.sin((t / period) * 2 * Math.PI + phase))),
      });
    }
  }
  return out;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Samples of every series for scrape slots in [fromMs, toMs): one slot per interval, jittered, with gaps.
 * `anchorMs` fixes the data's own timeline (slot 0 and the counters' phase) so the same data can be
 * written at any wall-clock time: tests anchor it to their start and get the same shapes on every run.
 */
export function samplesBetween(series: readonly SyntheticSeries[], fromMs: number, toMs: number, intervalMs = 30_000, anchorMs = 0): SeriesToWrite[] {
  const first = Math.ceil((fromMs - anchorMs) / intervalMs);
  const last = Math.ceil((toMs - anchorMs) / intervalMs) - 1;
  return series.map((s) => {
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let slot = first; slot <= last; slot++) {
      if (s.missing(slot)) continue;
      const rel = slot * intervalMs + s.jitterMs;
      timestamps.push(anchorMs + rel);
      values.push(s.valueAt(rel));
    }
    return { labels: toLabels(s.labels), timestamps, values };
  });
}

export function toLabels(record: Record<string, string>): Labels {
  return Object.entries(record).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
