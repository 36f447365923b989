// Per-tenant, per-endpoint rate limits with a sliding-window counter (as go-chi/httprate, the Go API's
// local limiter): one shared budget per (tenant, endpoint regex), in memory.
import type { RateLimit } from '../config/tenants.js';

interface Window {
  start: number;
  current: number;
  previous: number;
}

export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSec: number;
  /** Seconds a rejected caller should wait. */
  retryAfterSec: number;
  windowMs: number;
  endpoint: string;
  /** Decided by the shared (Redis) limiter: the X-RateLimit-* headers go on every answer, as observatorium. */
  remote?: boolean;
  /** The limit's failOpen (tenants file): forward when the shared limiter cannot decide. */
  failOpen?: boolean;
}

/** The first limit whose regex matches `path`, and its position. */
export function matchLimit(limits: readonly RateLimit[], path: string): { limit: RateLimit; index: number } | null {
  for (let i = 0; i < limits.length; i++) {
    limits[i]!.endpoint.lastIndex = 0;
    if (limits[i]!.endpoint.test(path)) return { limit: limits[i]!, index: i };
  }
  return null;
}

/** A shared limiter could not decide (Redis unreachable, slow or failing); the caller applies the fail mode. */
export class LimiterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimiterUnavailableError';
  }
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  /** The first limit whose regex matches `path` decides; no match means no limit (null). */
  take(tenant: string, limits: readonly RateLimit[], path: string, now = Date.now()): LimitDecision | null {
    const m = matchLimit(limits, path);
    if (!m) return null;
    const { limit: l, index: idx } = m;
    const key = `${tenant}\u0000${idx}\u0000${l.endpoint.source}`;
    let w = this.windows.get(key);
    const aligned = now - (now % l.windowMs);
    if (!w) this.windows.set(key, (w = { start: aligned, current: 0, previous: 0 }));
    if (aligned !== w.start) {
      w.previous = aligned - w.start === l.windowMs ? w.current : 0;
      w.current = 0;
      w.start = aligned;
    }
    const elapsed = (now - w.start) / l.windowMs;
    const estimate = w.previous * (1 - elapsed) + w.current;
    const resetSec = Math.max(1, Math.ceil((w.start + l.windowMs - now) / 1000));
    if (estimate + 1 > l.limit) {
      return { allowed: false, limit: l.limit, remaining: 0, resetSec, retryAfterSec: resetSec, windowMs: l.windowMs, endpoint: l.endpoint.source };
    }
    w.current++;
    return { allowed: true, limit: l.limit, remaining: Math.max(0, Math.floor(l.limit - estimate - 1)), resetSec, retryAfterSec: 0, windowMs: l.windowMs, endpoint: l.endpoint.source };
  }

  /** Forgets the windows of tenants no longer configured (after a reload). */
  retain(tenants: ReadonlySet<string>): void {
    for (const k of this.windows.keys()) if (!tenants.has(k.slice(0, k.indexOf('\u0000')))) this.windows.delete(k);
  }
}
