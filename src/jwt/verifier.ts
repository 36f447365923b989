// JWT verification against an issuer's keys, shared by the Observatorium API (per-tenant OIDC) and the fleet
// manager (users' bearer tokens): discovery (single-flight, retried on the next call when it fails), the JWKS
// held locally (refetched on an unknown `kid` at most once per cooldown, the old keys kept while the issuer is
// down), and jose's checks. Callers map the errors to their own answers: jose's errors pass through, and the
// two cases that are not the token's fault or are ours to name are KeysUnavailableError and UnknownKeyError.
import { createLocalJWKSet, jwtVerify, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters, type JWTPayload } from 'jose';
import { Agent, request } from 'undici';

export interface JwtVerifierOptions {
  /** The expected `iss` (trailing slashes ignored); discovery is read from <issuer>/.well-known/openid-configuration. */
  issuer: string;
  /** JWKS URL; default: the discovery document's jwks_uri. */
  jwksUrl?: string;
  /** Reject a discovery document whose `issuer` is not the configured one. */
  checkDiscoveryIssuer?: boolean;
  /** PEM CA bundle for an https issuer (default: system roots). */
  ca?: string;
  /** Bound on connecting to and on each answer of the issuer. */
  timeoutMs?: number;
  /** Least time between two JWKS fetches caused by unknown key ids. */
  cooldownMs?: number;
  /** When no keys are held, fetch them in the call (fleet) instead of failing at once (the API fetches in the background). */
  fetchOnDemand?: boolean;
  /** Keys older than this are refetched before use (kept when the issuer is down); default never. */
  maxKeyAgeMs?: number;
  /** Called when a fetch returned a different set of key ids (a verified-token cache must be dropped). */
  onKeysChanged?: () => void;
}

export interface VerifyOptions {
  audience?: string;
  algorithms?: string[];
  /** Allowed clock difference for exp/nbf, seconds. */
  clockToleranceSec?: number;
}

/** The issuer's keys are not at hand: none fetched yet, or an unknown key id could not be looked up. */
export class KeysUnavailableError extends Error {
  constructor(readonly reason: 'issuer_unavailable' | 'jwks_unreachable', message: string) {
    super(message);
    this.name = 'KeysUnavailableError';
  }
}

/** The token names a key id the issuer's JWKS does not hold, even after a refetch. */
export class UnknownKeyError extends Error {
  constructor(readonly kid: string, message: string) {
    super(message);
    this.name = 'UnknownKeyError';
  }
}

interface KeySet {
  verify: ReturnType<typeof createLocalJWKSet>;
  kids: Set<string>;
  fetchedAt: number;
}

export class JwtVerifier {
  readonly issuer: string;
  private readonly timeout: number;
  private readonly dispatcher: Agent;
  private jwksUri: string | null;
  private keys: KeySet | null = null;
  private inflight: Promise<void> | null = null;
  private lastFetchAttempt = 0;
  /** Why the last discovery or JWKS fetch failed (cleared by a success). */
  lastError: string | undefined;

  constructor(private readonly opts: JwtVerifierOptions) {
    this.issuer = opts.issuer.replace(/\/+$/, '');
    this.jwksUri = opts.jwksUrl ?? null;
    this.timeout = opts.timeoutMs ?? 5000;
    this.dispatcher = new Agent({ connect: { timeout: this.timeout, ...(opts.ca ? { ca: opts.ca } : {}) }, headersTimeout: this.timeout, bodyTimeout: this.timeout });
  }

  /** Number of keys held; 0 before the first successful fetch. */
  get keyCount(): number {
    return this.keys?.kids.size ?? 0;
  }

  get hasKeys(): boolean {
    return this.keys !== null;
  }

  /** Keys are held but older than maxKeyAgeMs: the next verify() refetches them (a result cache must not answer). */
  get keysStale(): boolean {
    return this.keys !== null && this.opts.maxKeyAgeMs !== undefined && Date.now() - this.keys.fetchedAt > this.opts.maxKeyAgeMs;
  }

  /** Whether the JWKS address is known (given, or read from discovery). */
  get discovered(): boolean {
    return this.jwksUri !== null;
  }

  close(): Promise<void> {
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

  private async discover(): Promise<string> {
    const doc = (await this.getJson(`${this.issuer}/.well-known/openid-configuration`, 'discovery')) as { issuer?: unknown; jwks_uri?: unknown };
    if (this.opts.checkDiscoveryIssuer && (typeof doc.issuer !== 'string' || doc.issuer.replace(/\/+$/, '') !== this.issuer)) {
      throw new Error(`discovery: issuer mismatch: configured ${this.issuer}, issuer says ${String(doc.issuer)}`);
    }
    if (typeof doc.jwks_uri !== 'string') throw new Error('discovery: no jwks_uri in the discovery document');
    return doc.jwks_uri;
  }

  /** Discovery (until it succeeds once) then the JWKS; single-flight. Throws with the cause; old keys stay on failure. */
  refreshKeys(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.lastFetchAttempt = Date.now();
    this.inflight = (async () => {
      try {
        this.jwksUri ??= await this.discover();
        const jwks = (await this.getJson(this.jwksUri, 'JWKS')) as JSONWebKeySet;
        if (!jwks || !Array.isArray(jwks.keys)) throw new Error(`JWKS ${this.jwksUri}: no "keys" array`);
        const kids = new Set(jwks.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
        const changed = !this.keys || kids.size !== this.keys.kids.size || [...kids].some((k) => !this.keys!.kids.has(k));
        this.keys = { verify: createLocalJWKSet(jwks), kids, fetchedAt: Date.now() };
        if (changed) this.opts.onKeysChanged?.();
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

  /** The keys to verify with: fetched now when allowed and none (or only stale ones) are held. */
  private async currentKeys(): Promise<KeySet> {
    const stale = this.keysStale;
    if (!this.keys && this.opts.fetchOnDemand) {
      try {
        await this.refreshKeys();
      } catch {
        // reported below
      }
    } else if (stale) {
      await this.refreshKeys().catch(() => undefined); // keep the old keys while the issuer is down
    }
    if (!this.keys) throw new KeysUnavailableError('issuer_unavailable', `keys of issuer ${this.issuer} not fetched yet${this.lastError ? `: ${this.lastError}` : ''}`);
    return this.keys;
  }

  /**
   * Verifies a compact JWS token: signature by one of the issuer's keys, `iss`, `exp` present and not past, and
   * the audience and algorithms when given. Throws jose's errors for the token (a malformed one included, with
   * jose's wording), KeysUnavailableError or UnknownKeyError; returns the payload.
   */
  async verify(token: string, opts: VerifyOptions = {}): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, (header, jws) => this.keyFor(header, jws), {
      issuer: this.issuer,
      audience: opts.audience,
      algorithms: opts.algorithms,
      clockTolerance: opts.clockToleranceSec,
      requiredClaims: ['exp'],
    });
    return payload;
  }

  /** The key for a token jose has parsed: an unknown key id triggers one JWKS refetch per cooldown. */
  private async keyFor(header: JWSHeaderParameters, jws: FlattenedJWSInput): Promise<CryptoKey> {
    let keys = await this.currentKeys();
    if (typeof header.kid === 'string' && !keys.kids.has(header.kid)) {
      if (Date.now() - this.lastFetchAttempt >= (this.opts.cooldownMs ?? 1000) || this.inflight) {
        try {
          await this.refreshKeys();
        } catch {
          throw new KeysUnavailableError('jwks_unreachable', `token key id "${header.kid}" is unknown and the issuer's JWKS cannot be fetched: ${this.lastError}`);
        }
        keys = this.keys!;
      }
      if (!keys.kids.has(header.kid)) throw new UnknownKeyError(header.kid, `token key id "${header.kid}" is not in the JWKS of issuer ${this.issuer}`);
    }
    return keys.verify(header, jws);
  }
}
