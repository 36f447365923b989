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

/** Counts requests until their response closes (observatorium_api_inflight_requests reads the count when scraped); refuses those over `limit`. After instrumentation. */
export function registerInflightLimit(app: FastifyInstance, metrics: ApiMetrics, limit: number): void {
  // The gauge is read from this count when scraped: a gauge set (labels hashed) twice per request showed in profiles.
  const now = metrics.inflightNow;
  app.addHook('onRequest', (req, reply, done) => {
    now.count++;
    reply.raw.once('close', () => {
      now.count--;
    });
    if (now.count > limit) {
      req.obs.reject = 'limit';
      return done(overCapacity(limit));
    }
    done();
  });
}
