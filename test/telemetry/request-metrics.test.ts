import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { HTTP_DURATION_BUCKETS } from '../../src/telemetry/metrics.js';
import { RequestMetrics } from '../../src/telemetry/request-metrics.js';

const REQUESTS = { name: 'http_requests_total', help: 'Proxied requests, by status code the caller got.' };
const DURATION = { name: 'http_request_duration_seconds', help: 'Duration of proxied requests until the response headers were sent.' };
const LABELS = ['code', 'handler', 'method'] as const;

type Recorded = [code: number, handler: string, method: string, seconds: number];

// Bounds exactly, between bounds, above the last one (only +Inf and _count), zero, several codes, handlers
// and methods, first seen in a mixed order.
const RECORDED: Recorded[] = [
  [200, 'proxy', 'GET', 0.0004], [503, 'proxy', 'GET', 0.1], [200, 'proxy', 'GET', 0.1], [200, 'proxy', 'POST', 0.25],
  [204, 'proxy', 'POST', 0.2500001], [200, 'proxy', 'GET', 120], [200, 'proxy', 'GET', 121.5], [404, 'query', 'GET', 0],
  [200, 'proxy', 'GET', 7.3], [502, 'proxy', 'DELETE', 30], [200, 'proxy', 'GET', 0.3333], [503, 'proxy', 'GET', 59.99],
];

/** The refresher's former recording: prom-client children, one inc and one observe per request. */
function promClientRegistry(recorded: Recorded[]): Registry {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ ...REQUESTS, labelNames: LABELS, registers });
  const duration = new Histogram({ ...DURATION, labelNames: LABELS, buckets: HTTP_DURATION_BUCKETS, registers });
  for (const [code, handler, method, seconds] of recorded) {
    const labels = { code: String(code), handler, method };
    requests.labels(labels).inc();
    duration.labels(labels).observe(seconds);
  }
  return registry;
}

function plainRegistry(recorded: Recorded[]): Registry {
  const registry = new Registry();
  const metrics = new RequestMetrics({ registry, requests: REQUESTS, duration: { ...DURATION, buckets: HTTP_DURATION_BUCKETS } });
  for (const [code, handler, method, seconds] of recorded) metrics.record(code, handler, method, seconds);
  return registry;
}

test('the plain-number recording exposes the same /metrics text as prom-client children', async () => {
  const expected = await promClientRegistry(RECORDED).metrics();
  assert.equal(await plainRegistry(RECORDED).metrics(), expected);
  // Nothing recorded yet: HELP and TYPE only, in both.
  assert.equal(await plainRegistry([]).metrics(), await promClientRegistry([]).metrics());
});

test('the cluster view (getMetricsAsJSON, summed across workers) is the same as prom-client\'s', async () => {
  const [a, b] = [RECORDED.slice(0, 7), RECORDED.slice(4)];
  const json = async (r: Registry) => JSON.parse(JSON.stringify(await r.getMetricsAsJSON())) as unknown;
  assert.deepEqual(await json(plainRegistry(a)), await json(promClientRegistry(a)));
  const old = AggregatorRegistry.aggregate([await promClientRegistry(a).getMetricsAsJSON(), await promClientRegistry(b).getMetricsAsJSON()]);
  const plain = AggregatorRegistry.aggregate([await plainRegistry(a).getMetricsAsJSON(), await plainRegistry(b).getMetricsAsJSON()]);
  assert.equal(await plain.metrics(), await old.metrics());
});

test('every bucket, +Inf, _sum and _count carries code, handler and method', async () => {
  const text = await plainRegistry([[200, 'proxy', 'GET', 0.3], [200, 'proxy', 'GET', 200]]).metrics();
  const series = 'code="200",handler="proxy",method="GET"';
  assert.match(text, /^# HELP http_requests_total Proxied requests, by status code the caller got\.$/m);
  assert.match(text, /^# TYPE http_requests_total counter$/m);
  assert.match(text, /^# TYPE http_request_duration_seconds histogram$/m);
  assert.ok(text.includes(`\nhttp_requests_total{${series}} 2\n`), text);
  // Cumulative: 0.3 s counts from le=0.5 on; 200 s only in +Inf.
  for (const le of HTTP_DURATION_BUCKETS) {
    assert.ok(text.includes(`\nhttp_request_duration_seconds_bucket{le="${le}",${series}} ${le >= 0.5 ? 1 : 0}\n`), `bucket le=${le}\n${text}`);
  }
  assert.ok(text.includes(`\nhttp_request_duration_seconds_bucket{le="+Inf",${series}} 2\n`), text);
  assert.ok(text.includes(`\nhttp_request_duration_seconds_sum{${series}} 200.3\n`), text);
  assert.ok(text.includes(`\nhttp_request_duration_seconds_count{${series}} 2\n`), text);
  assert.equal(text.match(/_bucket\{/g)?.length, HTTP_DURATION_BUCKETS.length + 1);
});

test('resetMetrics forgets every series, and recording starts again from zero', async () => {
  const registry = new Registry();
  const metrics = new RequestMetrics({ registry, requests: REQUESTS, duration: { ...DURATION, buckets: HTTP_DURATION_BUCKETS } });
  metrics.record(200, 'proxy', 'GET', 0.2);
  registry.resetMetrics();
  assert.doesNotMatch(await registry.metrics(), /code="200"/);
  metrics.record(200, 'proxy', 'GET', 0.2);
  assert.match(await registry.metrics(), /^http_requests_total\{code="200",handler="proxy",method="GET"\} 1$/m);
});
