import { EventEmitter } from 'node:events';
import type { Logger } from '../telemetry/logger.js';
import type { RefresherMetrics } from './metrics.js';
import { TokenError, type OAuthClient, type TokenResponse } from './oauth.js';

export interface TokenSourceOptions {
  /** Refresh this long before expiry; default 20% of the token's lifetime, at least 5 s. */
  marginMs?: number;
  /** Retry backoff while no valid token is held: fast, because every request is failing. */
  retryMaxMs?: number;
  /** Retry backoff while a valid token is still held: gentler on the issuer. */
  retryMaxHeldMs?: number;
  /** A token with less than this left is treated as expired (it could expire in flight). */
  expirySkewMs?: number;
  logger: Logger;
  metrics?: RefresherMetrics;
}

export interface TokenStatus {
  valid: boolean;
  expiresAt?: number;
  lastError?: { reason: string; message: string; at: number; consecutive: number };
  lastSuccessAt?: number;
}

const RETRY_BASE_MS = 100;

/**
 * Holds the access token and keeps it fresh in the background. Requests read the held token and never
 * wait on the issuer while it is valid; refreshes are single-flight, bounded by the client's timeout,
 * and retried with capped, jittered backoff, so an issuer outage never crashes the process.
 */
export class TokenSource extends EventEmitter<{ token: [TokenResponse] }> {
  #token?: TokenResponse;
  #inflight?: Promise<void>;
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
   * A usable token, or a TokenError saying why there is none. Waits only when a refresh is already
   * under way and no token is held (at start-up), and then only as long as that refresh may take.
   */
  async get(): Promise<string> {
    const now = this.current();
    if (now) return now;
    // The held token aged out before its scheduled refresh ran (a busy event loop): refresh now, once,
    // for all waiting requests. After a failure, the background retry owns the pace instead.
    if (!this.#inflight && !this.#lastError && this.#token && !this.#stopped) void this.refresh();
    if (this.#inflight) {
      await this.#inflight;
      const after = this.current();
      if (after) return after;
    }
    const e = this.#lastError;
    if (e) throw new TokenError(e.reason, e.message);
    throw new TokenError('no_token_yet', 'no access token has been obtained yet');
  }

  status(): TokenStatus {
    return { valid: this.current() !== undefined, expiresAt: this.#token?.expiresAt, lastError: this.#lastError, lastSuccessAt: this.#lastSuccessAt };
  }

  /** Runs one refresh now (joining one already running), then schedules the next. */
  refresh(): Promise<void> {
    if (this.#inflight) return this.#inflight;
    clearTimeout(this.#timer);
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

  #scheduleNext(): void {
    if (this.#stopped) return;
    let delay: number;
    const t = this.#token;
    if (this.#failures === 0 && t) {
      const margin = Math.min(this.opts.marginMs ?? Math.max(0.2 * t.ttlMs, 5000), t.ttlMs / 2);
      delay = Math.max(0, t.expiresAt - margin - Date.now());
    } else {
      const cap = this.current() ? (this.opts.retryMaxHeldMs ?? 5000) : (this.opts.retryMaxMs ?? 1000);
      const exp = Math.min(cap, RETRY_BASE_MS * 2 ** Math.min(this.#failures - 1, 16));
      delay = exp / 2 + Math.random() * (exp / 2);
      // Never sleep past the held token's expiry.
      if (t && t.expiresAt > Date.now()) delay = Math.min(delay, Math.max(0, t.expiresAt - Date.now() - 500));
    }
    this.#timer = setTimeout(() => void this.refresh(), delay);
    // The readiness gauge must flip when the held token expires even if no refresh finishes.
    if (t && t.expiresAt > Date.now()) {
      const expiryTimer = setTimeout(() => this.opts.metrics?.up.set(this.current() ? 1 : 0), t.expiresAt - Date.now());
      expiryTimer.unref();
    }
  }
}
