// What the primary sums into the cluster's one /metrics: each worker's latest snapshot (not an accumulation
// of everything ever seen), plus the counters of workers that exited.
//
// Why the exited workers' counters are kept: to Prometheus the cluster is one target whose
// process_start_time_seconds is the primary's (see telemetry/metrics.ts). A single process never loses a
// count while it runs, so neither may the cluster when one of its workers restarts: were the sum to drop by that
// worker's share, rate() would read the drop as a reset of the whole target and count everything left as new
// (a spike of the full total). So when a worker's process changes (new pid in its slot), its last snapshot's
// counters, histogram buckets/sums/counts and summary sums/counts are folded into `retired` and keep being added.
// Gauges are not: they describe a process that is gone. The cost: what an exited worker counted after the
// primary last asked it is lost (a crash cannot report it), so the sum can lag by one scrape of that worker.
//
// A series a live worker stops exposing (e.g. a tenant's series dropped on reload, as a single process drops
// it) leaves the aggregate: its snapshot no longer holds it, and it is forgotten from `retired` too, so a
// removed series does not live on through an exited worker's counts.
import { AggregatorRegistry, type Registry } from 'prom-client';

export interface MetricValueJson {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

export interface MetricJson {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  values: MetricValueJson[];
}

export type Snapshot = MetricJson[];

/** One worker's answer to a scrape: its slot id, its process and its metrics (none when it did not answer). */
export interface WorkerAnswer {
  id: number;
  pid?: number;
  value?: Snapshot;
}

/** Values that only grow while one process lives (a summary's quantiles do not). Only summed ones are carried. */
function isMonotonic(m: MetricJson, v: MetricValueJson): boolean {
  if (m.aggregator !== 'sum') return false;
  if (m.type === 'counter' || m.type === 'histogram') return true;
  return m.type === 'summary' && v.labels.quantile === undefined;
}

function seriesKey(m: MetricJson, v: MetricValueJson): string {
  const labels = Object.keys(v.labels).sort().map((k) => `${k}=${JSON.stringify(String(v.labels[k]))}`);
  return `${v.metricName ?? m.name}{${labels.join(',')}}`;
}

function monotonicOnly(snapshot: Snapshot): Snapshot {
  return snapshot.map((m) => ({ ...m, values: m.values.filter((v) => isMonotonic(m, v)) })).filter((m) => m.values.length > 0);
}

interface RetiredMetric {
  meta: Omit<MetricJson, 'values'>;
  values: Map<string, MetricValueJson>;
}

export class ClusterSnapshots {
  readonly #latest = new Map<number, { pid: number; metrics: Snapshot }>();
  readonly #retired = new Map<string, RetiredMetric>();

  /** The parts to sum for this scrape: every worker's latest snapshot and the exited workers' counters. */
  parts(answers: readonly WorkerAnswer[]): Snapshot[] {
    const parts: Snapshot[] = [];
    for (const a of answers) {
      const prev = this.#latest.get(a.id);
      if (a.value && a.pid !== undefined) {
        if (prev && prev.pid !== a.pid) this.#retire(prev.metrics);
        else if (prev) this.#forgetRemoved(prev.metrics, a.value);
        this.#latest.set(a.id, { pid: a.pid, metrics: a.value });
        parts.push(a.value);
      } else if (prev) {
        // Not answering (exited, restarting, or slow): its counts stay as last seen; its gauges are not shown.
        parts.push(monotonicOnly(prev.metrics));
      }
    }
    const retired = this.#retiredSnapshot();
    if (retired.length > 0) parts.push(retired);
    return parts;
  }

  #retire(snapshot: Snapshot): void {
    for (const m of snapshot) {
      for (const v of m.values) {
        if (!isMonotonic(m, v)) continue;
        let r = this.#retired.get(m.name);
        if (!r) this.#retired.set(m.name, r = { meta: { name: m.name, help: m.help, type: m.type, aggregator: m.aggregator }, values: new Map() });
        const key = seriesKey(m, v);
        const held = r.values.get(key);
        if (held) held.value += v.value;
        else r.values.set(key, { value: v.value, labels: { ...v.labels }, ...(v.metricName ? { metricName: v.metricName } : {}) });
      }
    }
  }

  /** A series the same process exposed last time and no longer does was removed by it: forget its past too. */
  #forgetRemoved(before: Snapshot, now: Snapshot): void {
    if (this.#retired.size === 0) return;
    const current = new Set<string>();
    for (const m of now) for (const v of m.values) current.add(seriesKey(m, v));
    for (const m of before) {
      const r = this.#retired.get(m.name);
      if (!r) continue;
      for (const v of m.values) {
        const key = seriesKey(m, v);
        if (!current.has(key)) r.values.delete(key);
      }
      if (r.values.size === 0) this.#retired.delete(m.name);
    }
  }

  #retiredSnapshot(): Snapshot {
    return [...this.#retired.values()].map((r) => ({ ...r.meta, values: [...r.values.values()].map((v) => ({ ...v })) }));
  }
}

/** Sums the parts with each metric's own aggregator (prom-client's), the first part's deciding. */
export function aggregateParts(parts: Snapshot[]): Registry {
  return AggregatorRegistry.aggregate(parts as unknown as Parameters<typeof AggregatorRegistry.aggregate>[0]);
}
