// OIDC bearer-token authentication for one tenant: discovery (retried in the background, never fatal),
// the issuer's JWKS (refetched on an unknown `kid` with a short cooldown, refreshed periodically, the
// old keys kept while the issuer is down), and jose verification with an algorithm allow-list.
import { createLocalJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { Agent, request } from 'undici';
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

interface KeySet {
  verify: ReturnType<typeof createLocalJWKSet>;
  kids: Set<string>;
  fetchedAt: number;
}

export class OidcAuthenticator {
  private readonly algorithms: string[];
  private readonly skew: number;
  private readonly cooldown: number;
  private readonly cacheTtl: number;
  private readonly timeout: number;
  private readonly dispatcher: Agent;
  private readonly issuer: string;
  private jwksUri: string | null = null;
  private keys: KeySet | null = null;
  private lastError: string | undefined;
  private lastFetchAttempt = 0;
  private inflight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly cache = new Map<string, Identity & { until: number }>();

  constructor(readonly tenant: string, readonly config: TenantOidc, private readonly opts: OidcOptions) {
    this.algorithms = opts.algorithms ?? DEFAULT_ALGORITHMS;
    this.skew = opts.clockSkewSec ?? 10;
    this.cooldown = opts.jwksCooldownMs ?? 1000;
    this.cacheTtl = opts.tokenCacheTtlMs ?? 30_000;
    this.timeout = opts.httpTimeoutMs ?? 5000;
    this.issuer = config.issuerURL.replace(/\/+$/, '');
    this.dispatcher = new Agent({ connect: { timeout: this.timeout, ...(config.issuerCA ? { ca: config.issuerCA } : {}) }, headersTimeout: this.timeout, bodyTimeout: this.timeout });
  }

  /** Starts discovery in the background; retries with capped, jittered backoff until keys are held. */
  start(): void {
    let backoff = 500;
    const attempt = async () => {
      if (this.closed) return;
      try {
        await this.refreshKeys();
        this.opts.logger.info({ tenant: this.tenant, issuer: this.issuer, keys: this.keys?.kids.size }, 'issuer keys fetched: tenant ready');
        this.schedule(this.opts.jwksRefreshMs ?? 5 * 60_000, periodic);
      } catch (err) {
        this.opts.onRegistrationFailure?.();
        this.opts.logger.warn({ tenant: this.tenant, issuer: this.issuer, err: this.lastError, retryInMs: backoff }, 'issuer discovery failed; retrying');
        this.schedule(backoff * (0.8 + Math.random() * 0.4), attempt);
        backoff = Math.min(backoff * 2, 5000);
        void err;
      }
    };
    const periodic = async () => {
      try {
        await this.refreshKeys();
      } catch {
        this.opts.logger.warn({ tenant: this.tenant, issuer: this.issuer, err: this.lastError }, 'periodic JWKS refresh failed; keeping the keys held');
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
    if (this.keys) return { ready: true, issuer: this.issuer, keys: this.keys.kids.size, lastError: this.lastError };
    return { ready: false, issuer: this.issuer, reason: this.jwksUri ? 'jwks_unreachable' : 'discovery_pending', lastError: this.lastError, keys: 0 };
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    return this.dispatcher.close();
  }

  private async getJson(url: string, what: string): Promise<unknown> {
    let res;
    try {
      res = await request(url, { dispatcher: this.dispatcher, signal: AbortSignal.timeout(this.timeout), headers: { accept: 'application/json' } });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string }; code?: string };
      throw new Error(`${what} ${url}: ${e.cause?.code ?? e.code ?? e.name}: ${e.message}`);
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${what} ${url}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${what} ${url}: response is not JSON`);
    }
  }

  /** Discovery (once) then the JWKS; single-flight. Throws with the cause; old keys stay on failure. */
  refreshKeys(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.lastFetchAttempt = Date.now();
    this.inflight = (async () => {
      try {
        if (!this.jwksUri) {
          const doc = (await this.getJson(`${this.issuer}/.well-known/openid-configuration`, 'discovery')) as { issuer?: unknown; jwks_uri?: unknown };
          if (typeof doc.issuer !== 'string' || doc.issuer.replace(/\/+$/, '') !== this.issuer) {
            throw new Error(`discovery: issuer mismatch: configured ${this.issuer}, issuer says ${String(doc.issuer)}`);
          }
          if (typeof doc.jwks_uri !== 'string') throw new Error('discovery: no jwks_uri in the discovery document');
          this.jwksUri = doc.jwks_uri;
        }
        const jwks = (await this.getJson(this.jwksUri, 'JWKS')) as JSONWebKeySet;
        if (!jwks || !Array.isArray(jwks.keys)) throw new Error(`JWKS ${this.jwksUri}: no "keys" array`);
        const kids = new Set(jwks.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
        const changed = !this.keys || kids.size !== this.keys.kids.size || [...kids].some((k) => !this.keys!.kids.has(k));
        this.keys = { verify: createLocalJWKSet(jwks), kids, fetchedAt: Date.now() };
        if (changed) this.cache.clear();
        this.lastError = undefined;
      } catch (err) {
        this.lastError = (err as Error).message;
        throw err;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }

  /** Verifies a bearer token; throws AuthError (401 for the token, 503 when keys cannot be had). */
  async authenticate(token: string): Promise<Identity> {
    const now = Date.now();
    const hit = this.cache.get(token);
    if (hit !== undefined) {
      if (hit.until > now) return hit;
      this.cache.delete(token);
    }
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
    if (!this.keys) {
      throw new AuthError(503, 'issuer_unavailable', `keys of issuer ${this.issuer} not fetched yet${this.lastError ? `: ${this.lastError}` : ''}`);
    }
    if (typeof header.kid === 'string' && !this.keys.kids.has(header.kid)) {
      if (Date.now() - this.lastFetchAttempt >= this.cooldown || this.inflight) {
        try {
          await this.refreshKeys();
        } catch {
          throw new AuthError(503, 'jwks_unreachable', `token key id "${header.kid}" is unknown and the issuer's JWKS cannot be fetched: ${this.lastError}`);
        }
      }
      if (!this.keys.kids.has(header.kid)) throw new AuthError(401, 'unknown_key', `token key id "${header.kid}" is not in the JWKS of issuer ${this.issuer}`);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.verify, {
        issuer: this.issuer,
        audience: this.config.audience,
        algorithms: this.algorithms,
        clockTolerance: this.skew,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
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
      if (this.cache.size >= MAX_CACHE) this.cache.clear();
      this.cache.set(token, { ...identity, until: Math.min(Date.now() + this.cacheTtl, expiresAt + this.skew * 1000) });
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
