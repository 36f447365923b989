// OIDC bearer-token authentication for one tenant: discovery (retried in the background, never fatal),
// the issuer's JWKS (refetched on an unknown `kid` with a short cooldown, refreshed periodically, the
// old keys kept while the issuer is down: src/jwt/verifier.ts), an algorithm allow-list, a cache of
// verified tokens, and the API's answers for each failure.
import { decodeProtectedHeader, errors as joseErrors, type JWTPayload } from 'jose';
import { JwtVerifier, KeysUnavailableError, UnknownKeyError } from '../../jwt/verifier.js';
import { VerifiedTokens } from '../../jwt/verified-tokens.js';
import type { Logger } from '../../telemetry/logger.js';
import type { TenantOidc } from '../config/tenants.js';
import { AuthError } from './errors.js';

export const DEFAULT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

export interface OidcOptions {
  logger: Logger;
  algorithms?: string[];
  /** Allowed clock difference for exp/nbf (seconds). */
  clockSkewSec?: number;
  /** Least time between two JWKS fetches triggered by unknown key ids. */
  jwksCooldownMs?: number;
  /** Periodic JWKS refresh. */
  jwksRefreshMs?: number;
  /** How long a verified token is remembered (never past its exp). 0 disables. */
  tokenCacheTtlMs?: number;
  httpTimeoutMs?: number;
  /** Called on every failed discovery/JWKS attempt before the tenant is ready. */
  onRegistrationFailure?: () => void;
}

export interface Identity {
  subject: string;
  groups: string[];
  /** Token expiry (ms since epoch). */
  expiresAt: number;
}

export interface AuthenticatorStatus {
  ready: boolean;
  issuer: string;
  reason?: string;
  lastError?: string;
  keys: number;
}

const MAX_TOKEN_BYTES = 8 * 1024;
const MAX_CACHE = 10_000;

export class OidcAuthenticator {
  private readonly algorithms: string[];
  private readonly skew: number;
  private readonly cacheTtl: number;
  private readonly verifier: JwtVerifier;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly cache = new VerifiedTokens<Identity>(MAX_CACHE);

  constructor(readonly tenant: string, readonly config: TenantOidc, private readonly opts: OidcOptions) {
    this.algorithms = opts.algorithms ?? DEFAULT_ALGORITHMS;
    this.skew = opts.clockSkewSec ?? 10;
    this.cacheTtl = opts.tokenCacheTtlMs ?? 30_000;
    this.verifier = new JwtVerifier({
      issuer: config.issuerURL,
      checkDiscoveryIssuer: true,
      ca: config.issuerCA,
      timeoutMs: opts.httpTimeoutMs ?? 5000,
      cooldownMs: opts.jwksCooldownMs ?? 1000,
      onKeysChanged: () => this.cache.clear(),
    });
  }

  private get issuer(): string {
    return this.verifier.issuer;
  }

  /** Starts discovery in the background; retries with capped, jittered backoff until keys are held. */
  start(): void {
    let backoff = 500;
    const attempt = async () => {
      if (this.closed) return;
      try {
        await this.refreshKeys();
        this.opts.logger.info({ tenant: this.tenant, issuer: this.issuer, keys: this.verifier.keyCount }, 'issuer keys fetched: tenant ready');
        this.schedule(this.opts.jwksRefreshMs ?? 5 * 60_000, periodic);
      } catch (err) {
        this.opts.onRegistrationFailure?.();
        this.opts.logger.warn({ tenant: this.tenant, issuer: this.issuer, err: this.verifier.lastError, retryInMs: backoff }, 'issuer discovery failed; retrying');
        this.schedule(backoff * (0.8 + Math.random() * 0.4), attempt);
        backoff = Math.min(backoff * 2, 5000);
        void err;
      }
    };
    const periodic = async () => {
      try {
        await this.refreshKeys();
      } catch {
        this.opts.logger.warn({ tenant: this.tenant, issuer: this.issuer, err: this.verifier.lastError }, 'periodic JWKS refresh failed; keeping the keys held');
      }
      this.schedule(this.opts.jwksRefreshMs ?? 5 * 60_000, periodic);
    };
    void attempt();
  }

  private schedule(ms: number, fn: () => Promise<void>): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void fn(), ms);
    this.timer.unref();
  }

  status(): AuthenticatorStatus {
    const v = this.verifier;
    if (v.hasKeys) return { ready: true, issuer: this.issuer, keys: v.keyCount, lastError: v.lastError };
    return { ready: false, issuer: this.issuer, reason: v.discovered ? 'jwks_unreachable' : 'discovery_pending', lastError: v.lastError, keys: 0 };
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    return this.verifier.close();
  }

  /** Discovery (once) then the JWKS; single-flight. Throws with the cause; old keys stay on failure. */
  refreshKeys(): Promise<void> {
    return this.verifier.refreshKeys();
  }

  /**
   * The identity of a token verified within the cache's TTL, without a promise (the request path's common
   * case; an expired entry is dropped). undefined: verify it with authenticate().
   */
  cachedIdentity(token: string): Identity | undefined {
    return this.cache.get(token);
  }

  /** Verifies a bearer token; throws AuthError (401 for the token, 503 when keys cannot be had). */
  async authenticate(token: string): Promise<Identity> {
    const hit = this.cachedIdentity(token);
    if (hit !== undefined) return hit;
    if (token.length > MAX_TOKEN_BYTES) throw new AuthError(401, 'too_large', `token of ${token.length} bytes is larger than ${MAX_TOKEN_BYTES}`);
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch (err) {
      throw new AuthError(401, 'malformed', `token is not a valid JWT: ${(err as Error).message}`);
    }
    if (typeof header.alg !== 'string' || !this.algorithms.includes(header.alg)) {
      throw new AuthError(401, 'alg_not_allowed', `token algorithm "${String(header.alg)}" is not allowed (allowed: ${this.algorithms.join(', ')})`);
    }
    let payload: JWTPayload;
    try {
      payload = await this.verifier.verify(token, { audience: this.config.audience, algorithms: this.algorithms, clockToleranceSec: this.skew });
    } catch (err) {
      if (err instanceof KeysUnavailableError) throw new AuthError(503, err.reason, err.message);
      if (err instanceof UnknownKeyError) throw new AuthError(401, 'unknown_key', err.message);
      throw mapJoseError(err, this);
    }
    const subject = payload[this.config.usernameClaim];
    if (typeof subject !== 'string' || subject === '') {
      throw new AuthError(401, 'missing_claim', `token has no non-empty string claim "${this.config.usernameClaim}" (the tenant's usernameClaim)`);
    }
    const groups: string[] = [];
    if (this.config.groupClaim) {
      const g = payload[this.config.groupClaim];
      if (typeof g === 'string') groups.push(g);
      else if (Array.isArray(g)) for (const x of g) if (typeof x === 'string') groups.push(x);
    }
    const expiresAt = (payload.exp as number) * 1000;
    const identity = { subject, groups, expiresAt };
    if (this.cacheTtl > 0) {
      this.cache.set(token, identity, Math.min(Date.now() + this.cacheTtl, expiresAt + this.skew * 1000));
    }
    return identity;
  }

  get expectedIssuer(): string {
    return this.issuer;
  }
}

function mapJoseError(err: unknown, a: OidcAuthenticator): AuthError {
  const e = err as Error & { code?: string; claim?: string; reason?: string; payload?: JWTPayload };
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return new AuthError(401, 'expired', `token expired at ${new Date(((e.payload?.exp as number) ?? 0) * 1000).toISOString()}`);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'iss') return new AuthError(401, 'wrong_issuer', `token issuer "${String(e.payload?.iss)}" is not the tenant's issuer ${a.expectedIssuer}`);
      if (e.claim === 'aud') return new AuthError(401, 'wrong_audience', `token audience ${JSON.stringify(e.payload?.aud)} does not contain "${a.config.audience}"`);
      if (e.claim === 'nbf') return new AuthError(401, 'not_yet_valid', 'token is not valid yet (nbf in the future)');
      if (e.reason === 'missing') return new AuthError(401, 'missing_claim', `token has no "${e.claim}" claim`);
      return new AuthError(401, 'invalid_token', `token claim "${e.claim}" is invalid: ${e.message}`);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new AuthError(401, 'bad_signature', 'token signature does not verify with the issuer\'s key');
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new AuthError(401, 'alg_not_allowed', `token algorithm is not allowed: ${e.message}`);
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return new AuthError(401, 'unknown_key', `no key of issuer ${a.expectedIssuer} matches the token: ${e.message}`);
    default:
      if (err instanceof joseErrors.JOSEError) return new AuthError(401, 'malformed', `token is invalid: ${e.message}`);
      return new AuthError(401, 'invalid_token', `token is invalid: ${e.message}`);
  }
}
