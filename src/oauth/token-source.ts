import { EventEmitter } from 'node:events';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { Logger } from '../telemetry/logger.js';
import { TokenError, type OAuthClient, type TokenResponse } from './client.js';

/** The token metrics a holder may export (the refresher does; the probe and the stack's data plane do not). */
export interface TokenMetrics {
  tokenExpiry: Gauge;
  tokenRefresh: Counter<'result'>;
  tokenRefreshErrors: Counter<'reason'>;
  tokenRefreshDuration: Histogram;
  lastSuccess: Gauge;
  up: Gauge;
}

export interface TokenSourceOptions {
  /** Refresh this long before expiry; default 20% of the token's lifetime, at least 5 s. */
  marginMs?: number;
  /** Retry backoff cap while no valid token is held: short, because every request is failing. */
  retryMaxMs?: number;
  /** Least time between two token requests after a failure, at any time (the issuer may be down for everyone). */
  retryMinMs?: number;
  /** Retry backoff while a valid token is still held: gentler on the issuer. */
  retryMaxHeldMs?: number;
  /** A token with less than this left is treated as expired (it could expire in flight). */
  expirySkewMs?: number;
  logger: Logger;
  metrics?: TokenMetrics;
}

export interface TokenStatus {
  valid: boolean;
  expiresAt?: number;
  lastError?: { reason: string; message: string; at: number; consecutive: number };
  lastSuccessAt?: number;
}

const RETRY_MIN_MS = 250;

/**
 * Holds the access token and keeps it fresh in the background. Requests read the held token and never
 * wait on the issuer while it is valid; refreshes are single-flight, bounded by the client's timeout,
 * and retried with capped, jittered backoff, so an issuer outage never crashes the process.
 */
export class TokenSource extends EventEmitter<{ token: [TokenResponse] }> {
  #token?: TokenResponse;
  #inflight?: Promise<void>;
  #inflightSince = 0;
  /** Whether the running refresh began while a valid token was held (a background refresh). */
  #inflightHadToken = false;
  #lastForcedAt = 0;
  #timer?: NodeJS.Timeout;
  #failures = 0;
  #lastError?: TokenStatus['lastError'];
  #lastSuccessAt?: number;
  #stopped = false;

  constructor(private readonly client: OAuthClient, private readonly opts: TokenSourceOptions) {
    super();
  }

  start(): void {
    this.#stopped = false;
    void this.refresh();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** The held token if it is still usable. */
  current(): string | undefined {
    const t = this.#token;
    // The skew stays well below the refresh margin (at least half the lifetime), even for 2 s tokens.
    const skew = t ? Math.min(this.opts.expirySkewMs ?? 1000, t.ttlMs * 0.1) : 0;
    if (t && t.expiresAt - Date.now() > skew) return t.accessToken;
    return undefined;
  }

  /**
   * A usable token, or a TokenError saying why there is none, at once. It waits on the issuer only when
   * nothing is known yet: no failure recorded and no refresh started while a token was held (start-up,
   * or a held token that aged out before its scheduled refresh ran), and then for one bounded attempt.
   */
  async get(): Promise<string> {
    const now = this.current();
    if (now) return now;
    const e = this.#lastError;
    if (e) throw new TokenError(e.reason, e.message);
    if (this.#inflight && this.#inflightHadToken) {
      // The background refresh began while the token was valid and is still waiting on the issuer.
      throw new TokenError('token_expired', `the access token expired while a token request to the issuer has been pending for ${Date.now() - this.#inflightSince} ms (issuer slow or unreachable)`);
    }
    // The held token aged out before its scheduled refresh ran (a busy event loop): refresh now, once.
    if (!this.#inflight && this.#token && !this.#stopped) void this.refresh();
    if (this.#inflight) {
      await this.#inflight;
      const after = this.current();
      if (after) return after;
      const failed = this.#lastError;
      if (failed) throw new TokenError(failed.reason, failed.message);
    }
    throw new TokenError('no_token_yet', 'no access token has been obtained yet');
  }

  /**
   * A new token after the upstream rejected `stale` as invalid (e.g. signed by a key the issuer no longer
   * publishes). Single-flight: concurrent callers share one token request, and a caller whose stale token
   * was already replaced gets the replacement. At most one forced request per retry floor. Returns the
   * new token, or undefined when none newer than `stale` could be had.
   */
  async renew(stale: string): Promise<string | undefined> {
    const fresher = () => {
      const t = this.current();
      return t !== undefined && t !== stale ? t : undefined;
    };
    if (fresher()) return fresher();
    if (!this.#inflight) {
      if (this.#stopped || Date.now() - this.#lastForcedAt < this.#retryMinMs) return undefined;
      this.#lastForcedAt = Date.now();
      this.opts.logger.info('upstream rejected the access token: requesting a new one');
      void this.refresh();
    }
    await this.#inflight;
    return fresher();
  }

  status(): TokenStatus {
    return { valid: this.current() !== undefined, expiresAt: this.#token?.expiresAt, lastError: this.#lastError, lastSuccessAt: this.#lastSuccessAt };
  }

  /** Runs one refresh now (joining one already running), then schedules the next. */
  refresh(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    clearTimeout(this.#timer);
    this.#inflightSince = Date.now();
    this.#inflightHadToken = this.current() !== undefined;
    this.#inflight = this.#attempt().finally(() => {
      this.#inflight = undefined;
      this.#scheduleNext();
    });
    return this.#inflight;
  }

  async #attempt(): Promise<void> {
    const m = this.opts.metrics;
    const stopTimer = m?.tokenRefreshDuration.startTimer();
    try {
      const token = await this.client.fetchToken();
      this.#token = token;
      // Info for the first token and after a recovery; routine refreshes are debug.
      const level = this.#failures > 0 || this.#lastSuccessAt === undefined ? 'info' : 'debug';
      this.opts.logger[level]({ expiresInS: Math.round(token.ttlMs / 1000), afterFailures: this.#failures }, 'access token obtained');
      this.#lastSuccessAt = Date.now();
      this.#failures = 0;
      this.#lastError = undefined;
      m?.tokenRefresh.inc({ result: 'success' });
      m?.lastSuccess.set(this.#lastSuccessAt / 1000);
      m?.tokenExpiry.set(token.expiresAt / 1000);
      this.emit('token', token);
    } catch (err) {
      const te = err instanceof TokenError ? err : new TokenError('issuer_error', (err as Error).message);
      this.#failures++;
      const changed = this.#lastError?.reason !== te.reason;
      this.#lastError = { reason: te.reason, message: te.message, at: Date.now(), consecutive: this.#failures };
      m?.tokenRefresh.inc({ result: 'error' });
      m?.tokenRefreshErrors.inc({ reason: te.reason });
      // Log every change of cause, then only every 20th repeat: an outage must not flood the logs.
      if (changed || this.#failures % 20 === 0) {
        this.opts.logger.error({ reason: te.reason, consecutiveFailures: this.#failures, holdingValidToken: this.current() !== undefined }, `cannot obtain access token: ${te.message}`);
      }
    } finally {
      stopTimer?.();
      m?.up.set(this.current() ? 1 : 0);
    }
  }

  get #retryMinMs(): number {
    return this.opts.retryMinMs ?? RETRY_MIN_MS;
  }

  /**
   * Capped exponential backoff with full jitter above a floor: never more than 1000/floor token requests
   * a second, whether a token is held, about to expire or gone (every replica does this to the issuer).
   */
  #retryDelay(): number {
    const floor = this.#retryMinMs;
    const cap = Math.max(floor, this.current() ? (this.opts.retryMaxHeldMs ?? 5000) : (this.opts.retryMaxMs ?? 1000));
    const exp = Math.min(cap, floor * 2 ** Math.min(this.#failures, 16));
    let delay = floor + Math.random() * (exp - floor);
    // While a token is held, try again before it expires, but never sooner than the floor.
    const t = this.#token;
    if (t && t.expiresAt > Date.now()) delay = Math.min(delay, Math.max(floor, t.expiresAt - Date.now() - 500));
    return delay;
  }

  #scheduleNext(): void {
    if (this.#stopped) return;
    let delay: number;
    const t = this.#token;
    if (this.#failures === 0 && t) {
      const margin = Math.min(this.opts.marginMs ?? Math.max(0.2 * t.ttlMs, 5000), t.ttlMs / 2);
      delay = Math.max(0, t.expiresAt - margin - Date.now());
    } else {
      delay = this.#retryDelay();
    }
    this.#timer = setTimeout(() => void this.refresh(), delay);
    // The readiness gauge must flip when the held token expires even if no refresh finishes.
    if (t && t.expiresAt > Date.now()) {
      const expiryTimer = setTimeout(() => this.opts.metrics?.up.set(this.current() ? 1 : 0), t.expiresAt - Date.now());
      expiryTimer.unref();
    }
  }
}
