// The API's wiring, in the Go API's order: instrumentation and the in-flight cap around every request,
// then per route tenant -> authentication -> rate limit -> authorization -> enforcement + backend. Each
// middleware (src/api/middleware/) answers its own refusal: a Prometheus-shaped JSON error naming the hop
// and the cause, counted in the request metrics and in observatorium_api_requests_rejected_total{reason}.
import type { FastifyInstance } from 'fastify';
import type { Backend } from './backend/types.js';
import type { ApiMetrics } from './metrics.js';
import { registerMetricsV1, type Middleware } from './metrics/v1/index.js';
import { registerBodyParsers } from './metrics/v1/request.js';
import { authenticationMiddleware } from './middleware/authentication.js';
import { authorizationMiddleware, type Permission } from './middleware/authorization.js';
import { registerErrorMapping } from './middleware/errors.js';
import { registerInflightLimit } from './middleware/inflight.js';
import { registerInstrumentation } from './middleware/instrumentation.js';
import { rateLimitMiddleware } from './middleware/ratelimit.js';
import { tenantMiddleware } from './middleware/tenant.js';
import type { Limiter } from './middleware/ratelimit.js';
import type { Snapshot } from './state.js';

export { PREFIX } from './metrics/v1/index.js';

export interface RoutesOptions {
  /** The current configuration (ApiState): each request takes it once, in the tenant middleware. */
  state: { readonly snapshot: Snapshot };
  backend: Backend;
  metrics: ApiMetrics;
  limiter: Limiter;
  /** Default fail mode of the shared limiter (--middleware.rate-limiter.fail-open). */
  rateLimitFailOpen?: boolean;
  tenantLabel: string;
  maxBodySize: number;
  maxDecompressedSize: number;
  concurrentRequestLimit: number;
}

/** The admission chain of a permission (tenant, authentication, rate limit, authorization), for both listeners. */
export function admission(o: RoutesOptions): (permission: Permission) => Middleware[] {
  const tenant = tenantMiddleware(o.state);
  const rateLimit = rateLimitMiddleware(o.limiter, { failOpen: o.rateLimitFailOpen ?? false, onUnavailable: (mode) => o.metrics.rateLimiterUnavailable.inc({ mode }) });
  const authorize = { read: authorizationMiddleware('read'), write: authorizationMiddleware('write') };
  return (permission) => [tenant, authenticationMiddleware, rateLimit, authorize[permission]];
}

export function registerRoutes(app: FastifyInstance, o: RoutesOptions, admit = admission(o)): void {
  registerInstrumentation(app, o.metrics, o.state);
  registerInflightLimit(app, o.metrics, o.concurrentRequestLimit);
  registerErrorMapping(app, o.maxBodySize);
  registerBodyParsers(app, o.maxBodySize);
  // A callback hook: an async one would cost every answer a promise for headers only shared limits set.
  app.addHook('onSend', (req, reply, payload, done) => {
    if (req.obs?.rateLimitHeaders && !reply.sent) reply.headers(req.obs.rateLimitHeaders);
    done(null, payload);
  });
  registerMetricsV1(app, {
    admit,
    backend: o.backend,
    metrics: o.metrics,
    tenantLabel: o.tenantLabel,
    maxDecompressedSize: o.maxDecompressedSize,
  });
}
