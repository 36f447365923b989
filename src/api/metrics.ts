// The API's own metrics, named and labelled as observatorium/api's (dashboards and SLO alerts keep
// working), plus counters for every request the API itself turns away, by reason.
import { Counter, Gauge, type Registry } from 'prom-client';
import { RequestSeriesTable, type MetricView, type RequestSeries } from '../telemetry/request-metrics.js';

/** observatorium/api's buckets for http_request_duration_seconds. */
export const API_DURATION_BUCKETS = [0.1, 0.2, 0.4, 1, 2.5, 5, 8, 20, 60, 120];
const SIZE_BUCKETS = Array.from({ length: 8 }, (_, n) => 100 * 10 ** n);

export type RejectReason = 'auth' | 'auth_unavailable' | 'rbac' | 'ratelimit' | 'limit' | 'bad_request' | 'not_found' | 'backend';

/**
 * http_requests_total, http_request_duration_seconds, http_request_size_bytes (a summary without quantiles)
 * and http_response_size_bytes by group, handler, code, method and tenant, counted in plain numbers
 * (telemetry/request-metrics.ts): the same exposition as the prom-client children they replace.
 */
export class ApiRequestMetrics {
  readonly #table: RequestSeriesTable;
  /** handler → code → method → tenant: no label object or key string is built per request. */
  readonly #index = new Map<string, Map<number, Map<string, Map<string, RequestSeries>>>>();
  readonly requests: MetricView;
  readonly duration: MetricView;
  readonly requestSize: MetricView;
  readonly responseSize: MetricView;

  constructor(registry: Registry) {
    this.#table = new RequestSeriesTable({
      registry,
      labelNames: ['group', 'handler', 'code', 'method', 'tenant'],
      requests: { name: 'http_requests_total', help: 'Counter of HTTP requests.' },
      observed: [
        { name: 'http_request_duration_seconds', help: 'Histogram of latencies for HTTP requests.', buckets: API_DURATION_BUCKETS },
        { name: 'http_request_size_bytes', help: 'Summary of request sizes (approximate: URL, headers and body).', summary: true },
        { name: 'http_response_size_bytes', help: 'Histogram of response sizes.', buckets: SIZE_BUCKETS },
      ],
    });
    this.#table.onReset(() => this.#index.clear());
    this.requests = this.#table.counter;
    [this.duration, this.requestSize, this.responseSize] = this.#table.observed as [MetricView, MetricView, MetricView];
  }

  /** One answered request of the metricsv1 group. */
  record(handler: string, code: number, method: string, tenant: string, seconds: number, requestBytes: number, responseBytes: number): void {
    const s = this.#find(handler, code, method, tenant);
    s.count += 1;
    s.observe(0, seconds);
    s.observe(1, requestBytes);
    s.observe(2, responseBytes);
  }

  #find(handler: string, code: number, method: string, tenant: string): RequestSeries {
    let byCode = this.#index.get(handler);
    if (!byCode) this.#index.set(handler, (byCode = new Map()));
    let byMethod = byCode.get(code);
    if (!byMethod) byCode.set(code, (byMethod = new Map()));
    let byTenant = byMethod.get(method);
    if (!byTenant) byMethod.set(method, (byTenant = new Map()));
    let s = byTenant.get(tenant);
    if (!s) byTenant.set(tenant, (s = this.#table.add({ group: 'metricsv1', handler, code: String(code), method, tenant })));
    return s;
  }
}

export interface ApiMetrics {
  /** The four request metrics (requests, duration, request and response size). */
  http: ApiRequestMetrics;
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
  const inflightNow = { count: 0 };
  const m: ApiMetrics = {
    inflightNow,
    // Registered first, so /metrics keeps its order.
    http: new ApiRequestMetrics(registry),
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
    // With --workers, ready means every worker holds the keys: the cluster shows the least ready worker, not a sum.
    tenantReady: new Gauge({ name: 'observatorium_api_tenant_ready', help: '1 when the tenant\'s issuer keys are held (requests can be authenticated).', labelNames: ['tenant'], registers: [registry], aggregator: 'min' }),
    configReloads: new Counter({ name: 'observatorium_api_config_reloads_total', help: 'Reloads of the tenants and RBAC files, by result.', labelNames: ['result'], registers: [registry] }),
    configLastReload: new Gauge({ name: 'observatorium_api_config_last_reload_success_timestamp_seconds', help: 'When the configuration files were last loaded successfully.', registers: [registry] }),
    writeOverwritten: new Counter({ name: 'observatorium_api_remote_write_tenant_label_overwritten_total', help: 'Written series whose caller-supplied tenant label was replaced.', labelNames: ['tenant'], registers: [registry] }),
  };
  m.inflight.set(0);
  return m;
}
