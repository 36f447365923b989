// The API's own metrics, named and labelled as observatorium/api's (dashboards and SLO alerts keep
// working), plus counters for every request the API itself turns away, by reason.
import { Counter, Gauge, Histogram, Summary, type Registry } from 'prom-client';

/** observatorium/api's buckets for http_request_duration_seconds. */
export const API_DURATION_BUCKETS = [0.1, 0.2, 0.4, 1, 2.5, 5, 8, 20, 60, 120];
const SIZE_BUCKETS = Array.from({ length: 8 }, (_, n) => 100 * 10 ** n);

export type RejectReason = 'auth' | 'auth_unavailable' | 'rbac' | 'ratelimit' | 'limit' | 'bad_request' | 'not_found' | 'backend';

export interface ApiMetrics {
  requests: Counter<'group' | 'handler' | 'code' | 'method' | 'tenant'>;
  duration: Histogram<'group' | 'handler' | 'code' | 'method' | 'tenant'>;
  requestSize: Summary<'group' | 'handler' | 'code' | 'method' | 'tenant'>;
  responseSize: Histogram<'group' | 'handler' | 'code' | 'method' | 'tenant'>;
  proxyRequests: Counter<'proxy' | 'method'>;
  failedRegistrations: Counter<'tenant' | 'provider'>;
  skippedTenants: Counter<'tenant'>;
  rejected: Counter<'reason' | 'handler' | 'tenant'>;
  rateLimiterUnavailable: Counter<'mode'>;
  inflight: Gauge;
  /** Requests being served now; the inflight gauge reads it when scraped (not set twice per request). */
  inflightNow: { count: number };
  tenantReady: Gauge<'tenant'>;
  configReloads: Counter<'result'>;
  configLastReload: Gauge;
  writeOverwritten: Counter<'tenant'>;
}

export const HANDLERS = ['query', 'query_range', 'series', 'label_names', 'label_values', 'rules', 'alerts', 'receive'] as const;

export function createApiMetrics(registry: Registry): ApiMetrics {
  const labelNames = ['group', 'handler', 'code', 'method', 'tenant'] as const;
  const inflightNow = { count: 0 };
  const m: ApiMetrics = {
    inflightNow,
    requests: new Counter({ name: 'http_requests_total', help: 'Counter of HTTP requests.', labelNames, registers: [registry] }),
    duration: new Histogram({ name: 'http_request_duration_seconds', help: 'Histogram of latencies for HTTP requests.', labelNames, buckets: API_DURATION_BUCKETS, registers: [registry] }),
    requestSize: new Summary({ name: 'http_request_size_bytes', help: 'Summary of request sizes (approximate: URL, headers and body).', labelNames, percentiles: [], registers: [registry] }),
    responseSize: new Histogram({ name: 'http_response_size_bytes', help: 'Histogram of response sizes.', labelNames, buckets: SIZE_BUCKETS, registers: [registry] }),
    proxyRequests: new Counter({ name: 'http_proxy_requests_total', help: 'Requests sent to the backend, per proxy.', labelNames: ['proxy', 'method'], registers: [registry] }),
    failedRegistrations: new Counter({ name: 'observatorium_api_tenants_failed_registrations_total', help: 'Failed attempts to initialise a tenant authenticator (issuer discovery or JWKS).', labelNames: ['tenant', 'provider'], registers: [registry] }),
    skippedTenants: new Counter({ name: 'observatorium_api_tenants_skipped_invalid_configuration_total', help: 'Tenants skipped for an invalid configuration (obspath refuses such files instead, so this stays 0).', labelNames: ['tenant'], registers: [registry] }),
    rejected: new Counter({ name: 'observatorium_api_requests_rejected_total', help: 'Requests the API answered itself without reaching the backend, by reason (auth, auth_unavailable, rbac, ratelimit, limit, bad_request, not_found, backend).', labelNames: ['reason', 'handler', 'tenant'], registers: [registry] }),
    rateLimiterUnavailable: new Counter({ name: 'obspath_api_rate_limiter_unavailable_total', help: 'Requests whose shared (Redis) rate limit could not be checked, by the fail mode applied (open: forwarded, closed: 503).', labelNames: ['mode'], registers: [registry] }),
    inflight: new Gauge({
      name: 'observatorium_api_inflight_requests', help: 'Requests being served.', registers: [registry],
      collect() {
        this.set(inflightNow.count);
      },
    }),
    tenantReady: new Gauge({ name: 'observatorium_api_tenant_ready', help: '1 when the tenant\'s issuer keys are held (requests can be authenticated).', labelNames: ['tenant'], registers: [registry] }),
    configReloads: new Counter({ name: 'observatorium_api_config_reloads_total', help: 'Reloads of the tenants and RBAC files, by result.', labelNames: ['result'], registers: [registry] }),
    configLastReload: new Gauge({ name: 'observatorium_api_config_last_reload_success_timestamp_seconds', help: 'When the configuration files were last loaded successfully.', registers: [registry] }),
    writeOverwritten: new Counter({ name: 'observatorium_api_remote_write_tenant_label_overwritten_total', help: 'Written series whose caller-supplied tenant label was replaced.', labelNames: ['tenant'], registers: [registry] }),
  };
  m.inflight.set(0);
  return m;
}
