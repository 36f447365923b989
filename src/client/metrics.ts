import { Counter, Histogram, type Registry } from 'prom-client';

// Same names, labels and buckets as kas-fleet-manager's pkg/metrics, so existing alerts and dashboards
// (e.g. on kas_fleet_manager_observatorium_request_count{code!~"2.."}) keep working.
export const REQUEST_COUNT = 'kas_fleet_manager_observatorium_request_count';
export const REQUEST_DURATION = 'kas_fleet_manager_observatorium_request_duration';
export const REQUEST_FAILURES = 'kas_fleet_manager_observatorium_request_failures_total';
export const REQUEST_DURATION_BUCKETS = [0.1, 1, 10, 30];

type RequestLabels = 'code' | 'method' | 'path';

export interface ObservatoriumClientMetrics {
  requestCount: Counter<RequestLabels>;
  requestDuration: Histogram<RequestLabels>;
  /** One per request that got no response (code="0"), by cause. */
  requestFailures: Counter<'path' | 'reason'>;
}

/**
 * Registers the client's metrics in `registry`, or returns the ones already there, so several clients
 * (fleet manager, prober, doctor) in one process share the same series.
 */
export function registerObservatoriumClientMetrics(registry: Registry): ObservatoriumClientMetrics {
  const existing = registry.getSingleMetric(REQUEST_COUNT);
  if (existing) {
    return {
      requestCount: existing as Counter<RequestLabels>,
      requestDuration: registry.getSingleMetric(REQUEST_DURATION) as Histogram<RequestLabels>,
      requestFailures: registry.getSingleMetric(REQUEST_FAILURES) as Counter<'path' | 'reason'>,
    };
  }
  return {
    requestCount: new Counter({
      name: REQUEST_COUNT,
      help: 'number of requests sent to Observatorium. If no response was received (e.g. timeout, unable to connect), the code will be 0.',
      labelNames: ['code', 'method', 'path'],
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: REQUEST_DURATION,
      help: 'Observatorium request duration in seconds, until the response headers. If no response was received (e.g. timeout, unable to connect), the code will be 0.',
      labelNames: ['code', 'method', 'path'],
      buckets: REQUEST_DURATION_BUCKETS,
      registers: [registry],
    }),
    requestFailures: new Counter({
      name: REQUEST_FAILURES,
      help: 'requests to Observatorium that got no response (code="0"), by reason: timeout, refused, dns, tls, reset, aborted, other.',
      labelNames: ['path', 'reason'],
      registers: [registry],
    }),
  };
}
