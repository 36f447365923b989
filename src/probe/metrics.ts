import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// Names, labels and (where they fit) buckets of observatorium/up's pkg/instr, so its dashboards and
// SLO rules keep working; up_probe_* are ours: which hop failed and why, and the last round's outcome.

/** up's buckets (4 s to 7.75 s by 0.25 s, made for its usual 5 s query delay) widened on both sides. */
export const VALUE_DIFFERENCE_BUCKETS = [
  0.1, 0.25, 0.5, 1, 2, 3,
  ...Array.from({ length: 16 }, (_, i) => 4 + i * 0.25),
  8, 9, 10, 12.5, 15, 20, 30, 60,
];

export type ProbeOp = 'write' | 'query' | 'query_range';

export interface ProbeMetrics {
  remoteWrites: Counter<'result' | 'http_code'>;
  remoteWriteDuration: Histogram;
  queries: Counter<'result' | 'http_code'>;
  queryDuration: Histogram;
  valueDifference: Histogram;
  failures: Counter<'op' | 'hop' | 'reason'>;
  success: Gauge;
  lastSuccess: Gauge;
}

export function createProbeMetrics(registry: Registry): ProbeMetrics {
  const registers = [registry];
  return {
    remoteWrites: new Counter({
      name: 'up_remote_writes_total',
      help: 'Remote writes by result (success, error) and HTTP status; http_code="0" when no response arrived.',
      labelNames: ['result', 'http_code'],
      registers,
    }),
    remoteWriteDuration: new Histogram({ name: 'up_remote_writes_duration_seconds', help: 'Duration of remote writes.', registers }),
    queries: new Counter({
      name: 'up_queries_total',
      help: 'Read-back queries (query and query_range) by result and HTTP status; unlike up, http_code="0" (no response) is counted too.',
      labelNames: ['result', 'http_code'],
      registers,
    }),
    queryDuration: new Histogram({ name: 'up_queries_duration_seconds', help: 'Duration of read-back queries.', registers }),
    valueDifference: new Histogram({
      name: 'up_metric_value_difference',
      help: 'Age in seconds of the value read back by the instant query (now minus the written timestamp it holds).',
      buckets: VALUE_DIFFERENCE_BUCKETS,
      registers,
    }),
    failures: new Counter({
      name: 'up_probe_failures_total',
      help: 'Failed probe operations: op (write, query, query_range), hop that answered with the error (none: no response; store: an answer without the written data), reason (timeout, refused, token_unavailable, upstream_unreachable, unauthorized, empty, stale, ...).',
      labelNames: ['op', 'hop', 'reason'],
      registers,
    }),
    success: new Gauge({ name: 'up_probe_success', help: '1 if the last full round (write, then query and query_range read back) succeeded, else 0.', registers }),
    lastSuccess: new Gauge({ name: 'up_probe_last_success_timestamp_seconds', help: 'When the last full round succeeded (Unix seconds); 0 if none has yet.', registers }),
  };
}
