import { errors as joseErrors, type JWTPayload } from 'jose';
import { JwtVerifier, KeysUnavailableError, UnknownKeyError } from '../jwt/verifier.js';
import { VerifiedTokens } from '../jwt/verified-tokens.js';
import { ServiceError, ErrorCode, unauthenticated } from './errors.js';

// Bearer JWT authentication as the fleet manager's middlewares do it: a valid signature from the
// configured issuer's keys (src/jwt/verifier.ts), `iss` equal to --token-issuer-url, not expired, and an
// organisation claim; the answers are the fleet manager's (401 code 15, 500 when the keys cannot be had).

export interface Caller {
  /** Organisation id: `org_id` (sso.redhat.com) or `rh-org-id` (MAS-SSO). */
  orgId: string;
  /** Username for logs: `username`, `preferred_username`, else `sub`. */
  username: string;
  claims: JWTPayload;
}

export interface AuthenticatorOptions {
  issuerUrl: string;
  /** JWKS URL; default: from the issuer's discovery document. */
  jwksUrl?: string;
  /** Bound on each discovery / JWKS fetch. */
  timeoutMs?: number;
  /** Longest time a verified token is answered from the cache (never past its exp); default 30 s. */
  cacheTtlMs?: number;
  /** Most tokens held in the cache (oldest dropped first); default 1,000. */
  cacheMax?: number;
  /** Keys older than this are refetched before the next verification; default 10 minutes. */
  keyMaxAgeMs?: number;
}

export class Authenticator {
  private readonly verifier: JwtVerifier;
  /**
   * Tokens already verified, so a user's repeated requests skip the signature check (3.5-4.8% of the fleet
   * manager's CPU per query_range in the bench:fleet profiles). An entry answers only while the token is
   * unexpired (jose's rule: now < exp), within the TTL, and while the keys it was checked with are the ones held:
   * dropped when a JWKS fetch returns another key set, and bypassed once the keys are due for a refetch.
   */
  private readonly verified: VerifiedTokens<Caller>;
  private readonly cacheTtlMs: number;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.cacheTtlMs = opts.cacheTtlMs ?? 30_000;
    this.verified = new VerifiedTokens(opts.cacheMax ?? 1000);
    // As jose's remote key set did before: fetched on first use, refetched on an unknown key id at most every
    // 5 s, and after 10 minutes.
    this.verifier = new JwtVerifier({
      issuer: opts.issuerUrl, jwksUrl: opts.jwksUrl, timeoutMs: opts.timeoutMs ?? 5000, cooldownMs: 5000, fetchOnDemand: true, maxKeyAgeMs: opts.keyMaxAgeMs ?? 600_000,
      onKeysChanged: () => this.verified.clear(),
    });
  }

  /** Tokens held in the verified-token cache. */
  get cachedTokens(): number {
    return this.verified.size;
  }

  close(): Promise<void> {
    return this.verifier.close();
  }

  /** Verifies the Authorization header's token; throws a ServiceError (401 code 15, or 500 when the issuer's keys cannot be had). */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) throw unauthenticated("Request doesn't contain the 'Authorization' header with a Bearer token");
    const token = m[1]!;
    if (!this.verifier.keysStale) {
      const hit = this.verified.get(token);
      if (hit !== undefined) return hit;
    }
    let payload: JWTPayload;
    try {
      payload = await this.verifier.verify(token);
    } catch (err) {
      throw this.toServiceError(err);
    }
    const org = payload.org_id ?? payload['rh-org-id'];
    if ((typeof org !== 'string' || org === '') && typeof org !== 'number') {
      throw unauthenticated('Account authentication could not be verified: the token carries no organisation (org_id) claim');
    }
    const username = [payload.username, payload.preferred_username, payload.sub].find((x): x is string => typeof x === 'string' && x !== '') ?? '';
    const caller = { orgId: String(org), username, claims: payload };
    if (typeof payload.exp === 'number') this.verified.set(token, caller, Math.min(payload.exp * 1000, Date.now() + this.cacheTtlMs));
    return caller;
  }

  private toServiceError(err: unknown): ServiceError {
    if (err instanceof joseErrors.JWTExpired) return unauthenticated('Account authentication could not be verified: the token has expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed) {
      if (err.claim === 'iss') return unauthenticated(`Account authentication could not be verified: token issuer ${JSON.stringify(err.payload.iss ?? null)} is not accepted (expected ${this.opts.issuerUrl})`);
      return unauthenticated(`Account authentication could not be verified: token claim ${err.claim} is invalid (${err.reason})`);
    }
    if (err instanceof UnknownKeyError || err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWSSignatureVerificationFailed) {
      return unauthenticated('Account authentication could not be verified: the token is not signed by the issuer\'s keys');
    }
    if (err instanceof KeysUnavailableError || !(err instanceof joseErrors.JOSEError)) {
      // Not the caller's fault: the keys to check tokens with could not be fetched.
      return new ServiceError(ErrorCode.General, `unable to verify the token: the issuer's keys could not be fetched: ${(err as Error).message}`);
    }
    return unauthenticated(`Account authentication could not be verified: ${(err as Error).message}`);
  }
}
