import { errors as joseErrors, type JWTPayload } from 'jose';
import { JwtVerifier, KeysUnavailableError, UnknownKeyError } from '../jwt/verifier.js';
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
}

export class Authenticator {
  private readonly verifier: JwtVerifier;

  constructor(private readonly opts: AuthenticatorOptions) {
    // As jose's remote key set did before: fetched on first use, refetched on an unknown key id at most every
    // 5 s, and after 10 minutes.
    this.verifier = new JwtVerifier({ issuer: opts.issuerUrl, jwksUrl: opts.jwksUrl, timeoutMs: opts.timeoutMs ?? 5000, cooldownMs: 5000, fetchOnDemand: true, maxKeyAgeMs: 600_000 });
  }

  close(): Promise<void> {
    return this.verifier.close();
  }

  /** Verifies the Authorization header's token; throws a ServiceError (401 code 15, or 500 when the issuer's keys cannot be had). */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) throw unauthenticated("Request doesn't contain the 'Authorization' header with a Bearer token");
    let payload: JWTPayload;
    try {
      payload = await this.verifier.verify(m[1]!);
    } catch (err) {
      throw this.toServiceError(err);
    }
    const org = payload.org_id ?? payload['rh-org-id'];
    if ((typeof org !== 'string' || org === '') && typeof org !== 'number') {
      throw unauthenticated('Account authentication could not be verified: the token carries no organisation (org_id) claim');
    }
    const username = [payload.username, payload.preferred_username, payload.sub].find((x): x is string => typeof x === 'string' && x !== '') ?? '';
    return { orgId: String(org), username, claims: payload };
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
