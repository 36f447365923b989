// Rate limit: the tenant's per-endpoint request budgets, local (sliding window, per replica) or shared through
// Redis (GCRA). 429 with Retry-After and the X-RateLimit-* headers when the budget of the matching endpoint is
// spent; shared decisions put the X-RateLimit-* headers on every answer. When the shared limiter cannot decide,
// the limit's failOpen (else --middleware.rate-limiter.fail-open) forwards the request, or it is refused (503).
import { HttpError } from '../../http/errors.js';
import { LimiterUnavailableError, matchLimit, type LimitDecision, type RateLimiter } from '../ratelimit/limiter.js';
import type { PrimaryRateLimiter } from '../ratelimit/cluster.js';
import type { RedisRateLimiter } from '../ratelimit/redis.js';
import { admittedTenant, reject, tenantParam, type ApiRequest } from './context.js';

export type Limiter = RateLimiter | RedisRateLimiter | PrimaryRateLimiter;

export interface RateLimitOptions {
  /** Default fail mode of limits that do not set failOpen. */
  failOpen: boolean;
  /** Counts a decision the shared limiter could not make, by the mode applied. */
  onUnavailable?: (mode: 'open' | 'closed') => void;
}

function limitHeaders(d: LimitDecision): Record<string, string> {
  return { 'x-ratelimit-limit': String(d.limit), 'x-ratelimit-remaining': String(d.remaining), 'x-ratelimit-reset': String(d.resetSec) };
}

export function rateLimited(tenant: string, d: LimitDecision): HttpError {
  return new HttpError(429, 'too_many_requests', `api: rate limit of tenant "${tenant}" exceeded: ${d.limit} requests per ${d.windowMs / 1000}s on ${d.endpoint}`, {
    hop: 'api', reason: 'rate_limited',
    headers: { 'retry-after': String(d.retryAfterSec), ...limitHeaders(d), 'x-ratelimit-remaining': '0' },
  });
}

/**
 * Takes one request from the tenant's budget for this path. Runs after authentication (as the Go API). The local
 * limiter decides synchronously (no promise on the hot path); the shared one answers with a promise.
 */
export function rateLimitMiddleware(limiter: Limiter, opts: RateLimitOptions = { failOpen: false }) {
  const unavailable = (req: ApiRequest, path: string, err: unknown): void => {
    if (!(err instanceof LimiterUnavailableError)) throw err;
    const open = matchLimit(admittedTenant(req).tenant.rateLimits, path)?.limit.failOpen ?? opts.failOpen;
    opts.onUnavailable?.(open ? 'open' : 'closed');
    if (open) {
      req.log.warn({ err: err.message }, 'rate limiter unavailable: request forwarded (fail open)');
      return;
    }
    reject(req, 'ratelimit', new HttpError(503, 'unavailable', `api: the rate limit of tenant "${tenantParam(req)}" cannot be checked (fail closed): ${err.message}`, {
      hop: 'api', reason: 'ratelimiter_unavailable', headers: { 'retry-after': '1' },
    }));
  };
  const decide = (req: ApiRequest, d: LimitDecision | null): void => {
    if (d?.remote) req.obs.rateLimitHeaders = limitHeaders(d);
    if (d && !d.allowed) reject(req, 'ratelimit', rateLimited(tenantParam(req), d));
  };
  return function rateLimit(req: ApiRequest): void | Promise<void> {
    const { tenant } = admittedTenant(req);
    if (tenant.rateLimits.length === 0) return;
    const path = req.url.split('?', 1)[0]!;
    let taken: LimitDecision | null | Promise<LimitDecision | null>;
    try {
      taken = limiter.take(tenant.id, tenant.rateLimits, path);
    } catch (err) {
      unavailable(req, path, err);
      return;
    }
    if (taken instanceof Promise) return taken.then((d) => decide(req, d), (err: unknown) => unavailable(req, path, err));
    decide(req, taken);
  };
}
