// Rate limit: the tenant's per-endpoint request budgets (sliding window). 429 with Retry-After and the
// X-RateLimit-* headers when the budget of the matching endpoint is spent.
import type { FastifyRequest } from 'fastify';
import { HttpError } from '../../http/errors.js';
import type { LimitDecision, RateLimiter } from '../ratelimit/limiter.js';
import { admittedTenant, reject, tenantParam } from './context.js';

export function rateLimited(tenant: string, d: LimitDecision): HttpError {
  return new HttpError(429, 'too_many_requests', `api: rate limit of tenant "${tenant}" exceeded: ${d.limit} requests per ${d.windowMs / 1000}s on ${d.endpoint}`, {
    hop: 'api', reason: 'rate_limited',
    headers: { 'retry-after': String(d.retryAfterSec), 'x-ratelimit-limit': String(d.limit), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(d.resetSec) },
  });
}

/** Takes one request from the tenant's budget for this path. Runs after authentication (as the Go API). */
export function rateLimitMiddleware(limiter: RateLimiter) {
  return function rateLimit(req: FastifyRequest): void {
    const { tenant } = admittedTenant(req);
    if (tenant.rateLimits.length === 0) return;
    const d = limiter.take(tenant.id, tenant.rateLimits, req.url.split('?', 1)[0]!);
    if (d && !d.allowed) reject(req, 'ratelimit', rateLimited(tenantParam(req), d));
  };
}
