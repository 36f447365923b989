import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { HTTP_DURATION_BUCKETS } from '../telemetry/metrics.js';
import { RequestMetrics } from '../telemetry/request-metrics.js';

/** The refresher's own metrics: the token's health (which the Go original never exported) and the proxy's traffic. */
export function createRefresherMetrics(registry: Registry) {
  const registers = [registry];
  return {
    tokenExpiry: new Gauge({ name: 'token_refresher_token_expiry_timestamp_seconds', help: 'Unix time at which the held access token expires (0 when none is held).', registers }),
    tokenRefresh: new Counter({ name: 'token_refresher_token_refresh_total', help: 'Token requests to the issuer, by result (success, error).', labelNames: ['result'] as const, registers }),
    tokenRefreshErrors: new Counter({ name: 'token_refresher_token_refresh_errors_total', help: 'Failed token requests, by reason (OAuth error code or transport cause).', labelNames: ['reason'] as const, registers }),
    tokenRefreshDuration: new Histogram({ name: 'token_refresher_token_refresh_duration_seconds', help: 'Duration of token requests to the issuer, discovery included.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers }),
    lastSuccess: new Gauge({ name: 'token_refresher_token_last_success_timestamp_seconds', help: 'Unix time of the last successful token request.', registers }),
    up: new Gauge({ name: 'token_refresher_up', help: '1 while a valid access token is held (the refresher is ready), else 0.', registers }),
    // Counted in plain numbers, published at scrape time (registered here, so /metrics keeps its order).
    requests: new RequestMetrics({
      registry,
      requests: { name: 'http_requests_total', help: 'Proxied requests, by status code the caller got.' },
      duration: { name: 'http_request_duration_seconds', help: 'Duration of proxied requests until the response headers were sent.', buckets: HTTP_DURATION_BUCKETS },
    }),
    upstreamRetries: new Counter({ name: 'token_refresher_upstream_retries_total', help: 'Requests retried once with a new token after the upstream rejected the token, by the upstream\'s reason (unknown_key, bad_signature, expired).', labelNames: ['reason'] as const, registers }),
    upstreamFailures: new Counter({ name: 'token_refresher_upstream_failures_total', help: 'Proxied requests that got no upstream response, by reason (refused, dns, tls, reset, timeout).', labelNames: ['reason'] as const, registers }),
  };
}

export type RefresherMetrics = ReturnType<typeof createRefresherMetrics>;
