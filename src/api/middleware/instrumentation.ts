// The request metrics of observatorium/api (http_requests_total, duration, request and response sizes,
// labelled group/handler/code/method/tenant) and the rejected-requests counter. Wraps the whole chain:
// the context is opened before anything can refuse the request, and counted once it is answered.
import type { FastifyInstance } from 'fastify';
import type { ApiMetrics } from '../metrics.js';
import type { Snapshot } from '../state.js';
import { newContext } from './context.js';

/** Opens every request's context (onRequest) and records its metrics when answered (onResponse). */
export function registerInstrumentation(app: FastifyInstance, metrics: ApiMetrics, config: { readonly snapshot: Snapshot }): void {
  app.decorateRequest('obs', null as unknown as ReturnType<typeof newContext>);
  // Callback hooks, not async ones: they run on every request, and a promise each is measurable.
  app.addHook('onRequest', (req, _reply, done) => {
    // Labels known from the route, so requests refused before their handler runs are still attributed.
    const tenantName = (req.params as { tenant?: string } | undefined)?.tenant;
    req.obs = newContext(
      (req.routeOptions.config as { handler?: string } | undefined)?.handler ?? 'unknown',
      (tenantName !== undefined && config.snapshot.tenants.get(tenantName)?.tenant.id) || '',
    );
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const ctx = req.obs;
    if (!ctx) return done();
    const cl = Number(req.headers['content-length'] ?? 0) || 0;
    const sent = reply.getHeader('content-length');
    metrics.http.record(ctx.handler, reply.statusCode, req.method, ctx.tenant, reply.elapsedTime / 1000, req.url.length + cl + 200, sent !== undefined ? Number(sent) : Math.max(0, ctx.responseBytes));
    if (ctx.reject) metrics.rejected.inc({ reason: ctx.reject, handler: ctx.handler, tenant: ctx.tenant });
    done();
  });
}
