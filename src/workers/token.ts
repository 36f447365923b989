// One token for the whole cluster: the primary's TokenSource alone talks to the issuer; it pushes every new
// token to the workers, and answers the rare waits (no token yet, or the upstream rejected the held one).
import { TokenError, type OAuthClient, type TokenResponse } from '../oauth/client.js';
import { TokenSource, type TokenStatus } from '../oauth/token-source.js';
import type { Logger } from '../telemetry/logger.js';
import { RemoteError, type Channel } from './channel.js';
import type { WorkerPool } from './pool.js';

function asTokenError(err: unknown): TokenError {
  if (err instanceof TokenError) return err;
  // The IPC's own failures (timeout, disconnected) are not the issuer's reasons; they read as issuer_error.
  const remote = err instanceof RemoteError ? err.reason : undefined;
  const code = remote && remote !== 'timeout' && remote !== 'disconnected' ? remote : 'issuer_error';
  return new TokenError(code, `${(err as Error).message}`);
}

/** Primary side: hands the held token to each worker as it starts and pushes every refresh. */
export function shareTokens(pool: WorkerPool, tokens: TokenSource): void {
  let last: TokenResponse | undefined;
  tokens.on('token', (t) => {
    last = t;
    pool.push('token', t);
  });
  pool.onWorkerStarted((channel: Channel) => {
    if (last) channel.push('token', last);
  });
  pool.handle('token.get', async () => {
    await tokens.get();
    return last;
  });
  pool.handle('token.renew', async (p: { stale: string }) => {
    const fresh = await tokens.renew(p.stale);
    return fresh !== undefined && last?.accessToken === fresh ? last : undefined;
  });
}

/**
 * Worker side: a TokenSource the proxy uses as it is, holding the token the primary pushed. It never calls the
 * issuer (no client: every method that would is replaced), so issuer load does not grow with workers.
 */
export class WorkerTokenSource extends TokenSource {
  #token?: TokenResponse;
  #lastError?: TokenStatus['lastError'];

  constructor(private readonly channel: Channel, logger: Logger, private readonly expirySkewMs = 1000) {
    super(undefined as unknown as OAuthClient, { logger });
    channel.onPush('token', (t: TokenResponse) => this.#hold(t));
  }

  override start(): void {}
  override stop(): void {}

  override current(): string | undefined {
    const t = this.#token;
    const skew = t ? Math.min(this.expirySkewMs, t.ttlMs * 0.1) : 0;
    return t && t.expiresAt - Date.now() > skew ? t.accessToken : undefined;
  }

  override async get(): Promise<string> {
    const now = this.current();
    if (now) return now;
    try {
      const t = await this.channel.call<TokenResponse | undefined>('token.get');
      if (t) this.#hold(t);
    } catch (err) {
      const te = asTokenError(err);
      this.#lastError = { reason: te.reason, message: te.message, at: Date.now(), consecutive: (this.#lastError?.consecutive ?? 0) + 1 };
      throw te;
    }
    const after = this.current();
    if (after) return after;
    throw new TokenError('no_token_yet', 'no access token has been obtained yet');
  }

  override async renew(stale: string): Promise<string | undefined> {
    const t = this.current();
    if (t !== undefined && t !== stale) return t;
    const fresh = await this.channel.call<TokenResponse | undefined>('token.renew', { stale }).catch(() => undefined);
    if (fresh) this.#hold(fresh);
    return fresh?.accessToken;
  }

  override status(): TokenStatus {
    return { valid: this.current() !== undefined, expiresAt: this.#token?.expiresAt, lastError: this.#token ? undefined : this.#lastError };
  }

  override refresh(): Promise<void> {
    return this.get().then(() => undefined, () => undefined);
  }

  #hold(t: TokenResponse): void {
    this.#token = t;
    this.#lastError = undefined;
    this.emit('token', t);
  }
}
