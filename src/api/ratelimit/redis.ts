// Rate limits shared by every API replica through Redis (--middleware.rate-limiter.type=redis), as
// observatorium/api's redis limiter: GCRA with burst = rate = limit and period = window, one EVALSHA per
// request (ioredis falls back to EVAL when Redis has not seen the script), bounded by a call timeout.
import { Cluster, Redis } from 'ioredis';
import type { RateLimit } from '../config/tenants.js';
import { GCRA_LUA } from './gcra.js';
import { LimiterUnavailableError, matchLimit, type LimitDecision } from './limiter.js';

type GcraClient = (Redis | Cluster) & { gcra(key: string, now: number, burst: number, rate: number, periodMs: number, cost: number): Promise<[number, number, number, number]> };

export interface RedisLimiterOptions {
  /** host:port of Redis; more than one means a Redis Cluster. */
  addresses: string[];
  /** Bound on each Redis call (ms). */
  timeoutMs: number;
}

function hostPort(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(addr.trim());
  if (!m) throw new Error(`--middleware.rate-limiter.address: "${addr}" is not host:port`);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

export class RedisRateLimiter {
  private readonly client: GcraClient;

  constructor(private readonly opts: RedisLimiterOptions) {
    if (opts.addresses.length === 0) throw new Error('--middleware.rate-limiter.type=redis needs --middleware.rate-limiter.address');
    const common = { commandTimeout: opts.timeoutMs, connectTimeout: opts.timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: false };
    const nodes = opts.addresses.map(hostPort);
    // Reconnects forever in the background, at most every 2 s; calls meanwhile fail at once (no offline queue).
    const retryStrategy = (times: number) => Math.min(100 * times, 2000);
    this.client = (nodes.length === 1
      ? new Redis({ ...nodes[0]!, ...common, retryStrategy })
      : new Cluster(nodes, { redisOptions: common, clusterRetryStrategy: retryStrategy, enableOfflineQueue: false })) as GcraClient;
    this.client.on('error', () => undefined); // reported per call, with the fail mode
    this.client.defineCommand('gcra', { numberOfKeys: 1, lua: GCRA_LUA });
  }

  /** The first limit whose regex matches `path` decides; no match means no limit (null). */
  async take(tenant: string, limits: readonly RateLimit[], path: string, now = Date.now()): Promise<LimitDecision | null> {
    const m = matchLimit(limits, path);
    if (!m) return null;
    const { limit: l, index } = m;
    const key = `obspath:ratelimit:${tenant}:${index}:${l.endpoint.source}`;
    let r: [number, number, number, number];
    try {
      r = await this.client.gcra(key, now, l.limit, l.limit, l.windowMs, 1);
    } catch (err) {
      throw new LimiterUnavailableError(`rate limiter (redis ${this.opts.addresses.join(',')}): ${(err as Error).message}`);
    }
    const [limited, remaining, retryInMs, resetInMs] = r.map(Number) as [number, number, number, number];
    const resetSec = Math.max(1, Math.ceil(resetInMs / 1000));
    return {
      allowed: limited === 0, limit: l.limit, remaining: Math.max(0, remaining), resetSec,
      retryAfterSec: limited ? Math.max(1, Math.ceil(retryInMs / 1000)) : 0, windowMs: l.windowMs, endpoint: l.endpoint.source, remote: true,
    };
  }

  /** Nothing per tenant to forget: Redis expires the keys. */
  retain(): void {}

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
