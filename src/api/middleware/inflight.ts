// The in-flight cap (--middleware.concurrent-request-limit): requests beyond it are answered 429 with
// Retry-After at once, before their body is read. observatorium_api_inflight_requests follows the count.
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../http/errors.js';
import type { ApiMetrics } from '../metrics.js';

export function overCapacity(limit: number): HttpError {
  return new HttpError(429, 'too_many_requests', `api: server capacity exceeded: more than ${limit} requests in flight (--middleware.concurrent-request-limit)`, {
    hop: 'api', reason: 'concurrency_limit', headers: { 'retry-after': '1' },
  });
}

/** Counts requests until their connection's response closes; refuses those over `limit`. After instrumentation. */
export function registerInflightLimit(app: FastifyInstance, metrics: ApiMetrics, limit: number): void {
  let inflight = 0;
  app.addHook('onRequest', (req, reply, done) => {
    inflight++;
    metrics.inflight.set(inflight);
    reply.raw.once('close', () => {
      inflight--;
      metrics.inflight.set(inflight);
    });
    if (inflight > limit) {
      req.obs.reject = 'limit';
      return done(overCapacity(limit));
    }
    done();
  });
}
