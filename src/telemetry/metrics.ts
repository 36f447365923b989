import { Registry, collectDefaultMetrics, type Aggregator } from 'prom-client';

/**
 * How `--workers N` merges each process metric into the one /metrics of the primary (prom-client's
 * AggregatorRegistry reads a metric's `aggregator`; unlisted ones are summed). The cluster is one target with no
 * `worker` label, so that dashboards and alerts written for one process keep working; each answer is what that
 * one target is:
 * - summed (prom-client's default, kept): CPU seconds, RSS/virtual/heap bytes, open fds, active handles/requests/
 *   resources, nodejs_heap_* and GC time: what the whole service costs.
 * - process_start_time_seconds: min, the primary's start (prom-client omits it). The counters run since then,
 *   also across a worker's restart (workers/aggregate.ts), so rate() and the start time agree.
 * - process_max_fds: max. A limit is per process; summing N limits claims headroom no process has.
 * - event-loop lag: max (min for the minimum), the worst worker's, where prom-client averages: one blocked worker
 *   answers half the requests late, and an average over N would hide it.
 * - nodejs_version_info: first (prom-client's; every process runs the same binary).
 */
export const PROCESS_METRIC_AGGREGATORS: Readonly<Record<string, Aggregator>> = {
  process_start_time_seconds: 'min',
  process_max_fds: 'max',
  nodejs_eventloop_lag_seconds: 'max',
  nodejs_eventloop_lag_min_seconds: 'min',
  nodejs_eventloop_lag_max_seconds: 'max',
  nodejs_eventloop_lag_mean_seconds: 'max',
  nodejs_eventloop_lag_stddev_seconds: 'max',
  nodejs_eventloop_lag_p50_seconds: 'max',
  nodejs_eventloop_lag_p90_seconds: 'max',
  nodejs_eventloop_lag_p99_seconds: 'max',
  nodejs_version_info: 'first',
};

/** A registry of its own per component (never prom-client's global), with process and Node.js metrics. */
export function createRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    for (const [name, aggregator] of Object.entries(PROCESS_METRIC_AGGREGATORS)) {
      const metric = registry.getSingleMetric(name) as { aggregator?: Aggregator } | undefined;
      if (metric) metric.aggregator = aggregator;
    }
  }
  return registry;
}

/** Buckets of Observatorium's HTTP duration histograms (0.1 s to 120 s), kept for dashboard compatibility. */
export const HTTP_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 90, 120];
