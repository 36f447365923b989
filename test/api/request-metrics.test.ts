import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Counter, Histogram, Registry, Summary } from 'prom-client';
import { API_DURATION_BUCKETS, ApiRequestMetrics } from '../../src/api/metrics.js';

// The API's request metrics as they were defined with prom-client (labelled children, one inc or observe
// each per request): the plain-number ApiRequestMetrics must expose the same text and the same cluster view.
const LABELS = ['group', 'handler', 'code', 'method', 'tenant'] as const;
const SIZE_BUCKETS = Array.from({ length: 8 }, (_, n) => 100 * 10 ** n);

type Recorded = [handler: string, code: number, method: string, tenant: string, seconds: number, reqBytes: number, resBytes: number];

// Bounds exactly, between bounds, above the last one, zero; several handlers, codes, methods and tenants
// (the empty tenant of a request refused before its tenant was known), first seen in a mixed order.
const RECORDED: Recorded[] = [
  ['query', 200, 'GET', 'aaaa-1111', 0.0004, 312, 1200], ['receive', 204, 'POST', 'aaaa-1111', 0.2, 1137, 0],
  ['query', 200, 'GET', 'aaaa-1111', 0.1, 300, 100], ['query_range', 200, 'POST', 'bbbb-2222', 2.5000001, 450, 40_960],
  ['query', 401, 'GET', '', 0, 290, 130], ['receive', 413, 'POST', 'aaaa-1111', 121, 10_000_001, 180],
  ['query', 200, 'GET', 'aaaa-1111', 8, 312, 10_000_000_000], ['query_range', 200, 'GET', 'bbbb-2222', 0.4, 100, 99.5],
  ['series', 502, 'GET', 'bbbb-2222', 60, 280, 200], ['query', 200, 'GET', 'aaaa-1111', 0.3333, 312, 1e3],
];

function promClientRegistry(recorded: Recorded[]): Registry {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ name: 'http_requests_total', help: 'Counter of HTTP requests.', labelNames: LABELS, registers });
  const duration = new Histogram({ name: 'http_request_duration_seconds', help: 'Histogram of latencies for HTTP requests.', labelNames: LABELS, buckets: API_DURATION_BUCKETS, registers });
  const requestSize = new Summary({ name: 'http_request_size_bytes', help: 'Summary of request sizes (approximate: URL, headers and body).', labelNames: LABELS, percentiles: [], registers });
  const responseSize = new Histogram({ name: 'http_response_size_bytes', help: 'Histogram of response sizes.', labelNames: LABELS, buckets: SIZE_BUCKETS, registers });
  for (const [handler, code, method, tenant, seconds, reqBytes, resBytes] of recorded) {
    const labels = { group: 'metricsv1', handler, code: String(code), method, tenant };
    requests.labels(labels).inc();
    duration.labels(labels).observe(seconds);
    requestSize.labels(labels).observe(reqBytes);
    responseSize.labels(labels).observe(resBytes);
  }
  return registry;
}

function plainRegistry(recorded: Recorded[]): Registry {
  const registry = new Registry();
  const metrics = new ApiRequestMetrics(registry);
  for (const r of recorded) metrics.record(...r);
  return registry;
}

test('the API\'s plain-number request metrics expose the same /metrics text as prom-client children', async () => {
  assert.equal(await plainRegistry(RECORDED).metrics(), await promClientRegistry(RECORDED).metrics());
  assert.equal(await plainRegistry([]).metrics(), await promClientRegistry([]).metrics());
});

test('the API\'s request metrics summed across workers (getMetricsAsJSON, aggregate) are the same as prom-client\'s', async () => {
  const [a, b] = [RECORDED.slice(0, 6), RECORDED.slice(3)];
  const json = async (r: Registry) => JSON.parse(JSON.stringify(await r.getMetricsAsJSON())) as unknown;
  assert.deepEqual(await json(plainRegistry(a)), await json(promClientRegistry(a)));
  const old = AggregatorRegistry.aggregate([await promClientRegistry(a).getMetricsAsJSON(), await promClientRegistry(b).getMetricsAsJSON()]);
  const plain = AggregatorRegistry.aggregate([await plainRegistry(a).getMetricsAsJSON(), await plainRegistry(b).getMetricsAsJSON()]);
  assert.equal(await plain.metrics(), await old.metrics());
});

test('each series counts its own requests: sizes and durations land in the series of their labels', async () => {
  const registry = new Registry();
  const metrics = new ApiRequestMetrics(registry);
  metrics.record('query', 200, 'GET', 't1', 0.15, 300, 5000);
  metrics.record('query', 200, 'GET', 't2', 3, 400, 50);
  metrics.record('query', 200, 'GET', 't1', 0.05, 100, 10);
  const text = await registry.metrics();
  const t1 = 'group="metricsv1",handler="query",code="200",method="GET",tenant="t1"';
  assert.ok(text.includes(`\nhttp_requests_total{${t1}} 2\n`), text);
  assert.ok(text.includes(`\nhttp_request_size_bytes_sum{${t1}} 400\n`), text);
  assert.ok(text.includes(`\nhttp_request_size_bytes_count{${t1}} 2\n`), text);
  assert.ok(text.includes(`\nhttp_request_duration_seconds_bucket{le="0.1",${t1}} 1\n`), text);
  assert.ok(text.includes(`\nhttp_request_duration_seconds_bucket{le="0.2",${t1}} 2\n`), text);
  assert.ok(text.includes(`\nhttp_response_size_bytes_bucket{le="1000",${t1}} 1\n`), text);
  assert.ok(text.includes(`\nhttp_response_size_bytes_sum{${t1}} 5010\n`), text);
  assert.ok(text.includes('\nhttp_request_size_bytes_sum{group="metricsv1",handler="query",code="200",method="GET",tenant="t2"} 400\n'), text);
});
