import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { Cancellation } from '../http/deadline.js';
import { createHttpApp, type HttpAppTls } from '../http/server.js';
import type { Logger } from '../telemetry/logger.js';
import type { Authenticator, Caller } from './auth.js';
import { METRICS_BY_NAME } from '../kafka-metrics/catalog.js';
import { MAX_POINTS_PER_SERIES } from '../promql/limits.js';
import { badRequest, ErrorCode, notFound, ServiceError } from './errors.js';
import { KAFKA_ID_RE, type InstanceRegistry, type KafkaInstance } from './instances.js';
import { MetricsFetchError, type MetricsService } from './metrics-service.js';
import { federateText, instantList, rangeJsonBytes } from './present.js';

// The user-facing metrics API: /api/kafkas_mgmt/v1/kafkas/{id}/metrics/{query_range,query,federate}.

export const API_PREFIX = '/api/kafkas_mgmt/v1';
export const DURATION_LIMITS = { min: 1, max: 4320 } as const; // minutes
export const INTERVAL_LIMITS = { min: 1, max: 10800 } as const; // seconds
/** Prometheus refuses more points per series than this; say so as a 400 instead of a 500 from the backend. */
export const MAX_POINTS = MAX_POINTS_PER_SERIES;

export interface FleetApiDeps {
  logger: Logger;
  registry: Registry;
  instances: InstanceRegistry;
  auth: Authenticator;
  service: MetricsService;
  /** Serve the API over HTTPS. */
  tls?: HttpAppTls;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
  }
}

type Query = Record<string, string | string[] | undefined>;

function single(q: Query, name: string): string | undefined {
  const v = q[name];
  if (Array.isArray(v)) throw badRequest(`bad request, query parameter '${name}' was given ${v.length} times`);
  return v;
}

/** A required integer parameter within limits (the spec's limits, which the Go handler never enforced). */
export function intParam(q: Query, name: string, limits: { min: number; max: number }, unit: string): number {
  const raw = single(q, name);
  if (raw === undefined || !/^[+-]?\d{1,18}$/.test(raw)) throw badRequest(`bad request, cannot parse query parameter '${name}' '${raw ?? ''}'`);
  const n = Number(raw);
  if (n < limits.min || n > limits.max) throw badRequest(`bad request, query parameter '${name}' must be between ${limits.min} and ${limits.max} ${unit}, got ${n}`);
  return n;
}

/** `filters`, repeated (filters=a&filters=b) or comma-separated; every name must be one of the 29 metrics. */
export function filtersParam(q: Query): string[] {
  const raw = q.filters === undefined ? [] : Array.isArray(q.filters) ? q.filters : [q.filters];
  const names = raw.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = [...new Set(names.filter((n) => !METRICS_BY_NAME.has(n)))];
  if (unknown.length > 0) throw badRequest(`bad request, unknown metric name(s) in 'filters': ${unknown.map((u) => `'${u.slice(0, 200)}'`).join(', ')}`);
  return [...new Set(names)];
}

/** Fastify's own 4xx errors (bad query string, body too large, ...). */
function clientStatus(err: Error): boolean {
  const status = (err as Error & { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** Counts and times every routed call, by route with ids replaced by `-`. */
function addInboundMetrics(app: FastifyInstance, registry: Registry): void {
  const labels = ['code', 'method', 'path'] as const;
  const inboundCount = new Counter({ name: 'api_inbound_request_count', help: 'number of calls to the API, by route (ids replaced by -)', labelNames: labels, registers: [registry] });
  const inboundDuration = new Histogram({ name: 'api_inbound_request_duration', help: 'duration of calls to the API in seconds, by route', labelNames: labels, buckets: [0.1, 1, 2, 5, 10, 30], registers: [registry] });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url;
    if (!route) return;
    const l = { code: String(reply.statusCode), method: req.method, path: route.replace(/:[^/]+/g, '-') };
    inboundCount.inc(l);
    inboundDuration.observe(l, reply.elapsedTime / 1000);
  });
}

/** Every failure answers with the fleet manager's error body; upstream failures are logged once with their cause. */
function sendFleetError(err: Error, req: FastifyRequest, reply: FastifyReply) {
  let se: ServiceError;
  if (err instanceof ServiceError) se = err;
  else if (err instanceof MetricsFetchError) {
    const forFederate = req.routeOptions.url?.endsWith('/federate') ?? false;
    se = new ServiceError(ErrorCode.General, `${forFederate ? 'error getting metrics' : 'failed to retrieve metrics'}: ${err.message}`);
    // Logged once, with the request id, so "read the fleet manager logs" (runbook step 1) finds the hop and cause.
    req.log.error({ kafkaId: (req.params as { id?: string }).id, failedQueries: err.failures.length, totalQueries: err.total, failures: err.details() }, `${se.body().code}: ${se.reason}`);
  } else if (clientStatus(err)) {
    se = badRequest(`bad request, ${err.message}`);
  } else {
    se = new ServiceError(ErrorCode.General, 'Unspecified error');
    req.log.error({ err }, 'unhandled error');
  }
  if (se.statusCode < 500 && !(err instanceof MetricsFetchError)) req.log.info({ code: se.code, reason: se.reason }, 'request refused');
  return reply.code(se.statusCode).type('application/json').send(se.body(req.id));
}

/** The caller's Kafka instance named in the path; another organisation's is indistinguishable from a missing one. */
function kafkaOf(instances: InstanceRegistry, req: FastifyRequest): KafkaInstance {
  const { id } = req.params as { id: string };
  if (id.trim() === '') throw badRequest('missing path parameter: kafka id');
  if (!KAFKA_ID_RE.test(id)) throw badRequest(`bad request, malformed kafka id '${id.slice(0, 100)}': expected lowercase letters, digits and dashes`);
  const kafka = instances.get(id);
  const caller = req.caller!;
  if (!kafka || kafka.orgId !== caller.orgId) throw notFound(`KafkaResource for user ${caller.username} with id='${id}' not found`);
  return kafka;
}

/** Cancels the upstream queries when the caller goes away before the answer is sent. */
function callOptions(req: FastifyRequest, reply: FastifyReply) {
  // A light Cancellation (not an AbortController, an EventTarget): the user went away.
  const gone = new Cancellation();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return { signal: gone, requestId: req.id };
}

/** duration and interval within the spec's limits, and no more points per series than Prometheus allows. */
function rangeWindow(q: Query): { duration: number; interval: number } {
  const duration = intParam(q, 'duration', DURATION_LIMITS, 'minutes');
  const interval = intParam(q, 'interval', INTERVAL_LIMITS, 'seconds');
  const points = Math.floor((duration * 60) / interval) + 1;
  if (points > MAX_POINTS) {
    throw badRequest(`bad request, duration ${duration} minutes at interval ${interval} s gives ${points} points per series; at most ${MAX_POINTS} are allowed (use an interval of at least ${Math.ceil((duration * 60) / (MAX_POINTS - 1))} s)`);
  }
  return { duration, interval };
}

function registerMetricsRoutes(scope: FastifyInstance, deps: FleetApiDeps): void {
  scope.get('/kafkas/:id/metrics/query_range', async (req, reply) => {
    const kafka = kafkaOf(deps.instances, req);
    const q = req.query as Query;
    const { duration, interval } = rangeWindow(q);
    const filters = filtersParam(q);
    const endMs = Date.now();
    const series = await deps.service.range(kafka, filters, { startMs: endMs - duration * 60_000, endMs, stepS: interval }, callOptions(req, reply));
    // Bytes, not a string: Fastify would measure the string for Content-Length, then encode it again on write.
    return reply.type('application/json').send(rangeJsonBytes(kafka.id, series));
  });

  scope.get('/kafkas/:id/metrics/query', async (req, reply) => {
    const kafka = kafkaOf(deps.instances, req);
    const filters = filtersParam(req.query as Query);
    const series = await deps.service.instant(kafka, filters, callOptions(req, reply));
    return reply.type('application/json').send(instantList(kafka.id, series));
  });

  scope.get('/kafkas/:id/metrics/federate', async (req, reply) => {
    const kafka = kafkaOf(deps.instances, req);
    const samples = await deps.service.instant(kafka, [], callOptions(req, reply));
    const fed = federateText(samples);
    if (fed.collapsed > 0) req.log.debug({ kafkaId: kafka.id, collapsed: fed.collapsed }, 'federate: series with equal exported labels were collapsed to one');
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(fed.text);
  });
}

export function createFleetApiApp(deps: FleetApiDeps): FastifyInstance {
  const app = createHttpApp({ logger: deps.logger, hop: 'fleet-manager', tls: deps.tls });
  addInboundMetrics(app, deps.registry);
  app.register(async (scope) => {
    scope.setErrorHandler(sendFleetError);
    scope.addHook('preHandler', async (req) => {
      req.caller = await deps.auth.authenticate(req.headers.authorization);
    });
    registerMetricsRoutes(scope, deps);
  }, { prefix: API_PREFIX });
  return app;
}
