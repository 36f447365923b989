// Rate limits exact across `--workers`: the counters live in the primary (one RateLimiter); each worker asks it
// per limited request over IPC. The limits travel as their regex source, rebuilt (and kept) in the primary.
import type { RateLimit } from '../config/tenants.js';
import { LimiterUnavailableError, RateLimiter, type LimitDecision } from './limiter.js';

interface WireLimit extends Omit<RateLimit, 'endpoint'> {
  endpoint: string;
  flags: string;
}

interface TakeCall {
  tenant: string;
  limits: WireLimit[];
  path: string;
}

interface CallChannel {
  call<T>(kind: string, payload?: unknown): Promise<T>;
}

/** The worker's limiter: the primary decides. A primary that cannot answer is an unavailable limiter (fail mode). */
export class PrimaryRateLimiter {
  readonly #wire = new WeakMap<readonly RateLimit[], WireLimit[]>();

  constructor(private readonly channel: CallChannel) {}

  async take(tenant: string, limits: readonly RateLimit[], path: string): Promise<LimitDecision | null> {
    let wire = this.#wire.get(limits);
    if (!wire) this.#wire.set(limits, (wire = limits.map((l) => ({ ...l, endpoint: l.endpoint.source, flags: l.endpoint.flags }))));
    try {
      return await this.channel.call<LimitDecision | null>('ratelimit.take', { tenant, limits: wire, path } satisfies TakeCall);
    } catch (err) {
      throw new LimiterUnavailableError(`the primary process did not decide: ${(err as Error).message}`);
    }
  }

  retain(): void {}
}

/** The primary's side: one RateLimiter for every worker. */
export function primaryRateLimit(handle: (kind: string, fn: (p: TakeCall) => unknown) => void): RateLimiter {
  const limiter = new RateLimiter();
  const rebuilt = new Map<string, RateLimit[]>();
  handle('ratelimit.take', (p: TakeCall) => {
    const key = JSON.stringify(p.limits);
    let limits = rebuilt.get(key);
    if (!limits) {
      if (rebuilt.size > 1000) rebuilt.clear();
      rebuilt.set(key, (limits = p.limits.map((l) => ({ ...l, endpoint: new RegExp(l.endpoint, l.flags) }))));
    }
    return limiter.take(p.tenant, limits, p.path);
  });
  return limiter;
}
