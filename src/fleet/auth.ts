import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ServiceError, ErrorCode, unauthenticated } from './errors.js';

// Bearer JWT authentication as the fleet manager's middlewares do it: a valid signature from the
// configured issuer's keys, `iss` equal to --token-issuer-url, not expired, and an organisation claim.

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

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export class Authenticator {
  private keySet?: Promise<KeySet>;

  constructor(private readonly opts: AuthenticatorOptions) {}

  /** Verifies the Authorization header's token; throws a ServiceError (401 code 15, or 500 when the issuer's keys cannot be had). */
  async authenticate(authorization: string | undefined): Promise<Caller> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) throw unauthenticated("Request doesn't contain the 'Authorization' header with a Bearer token");
    let payload: JWTPayload;
    try {
      payload = (await jwtVerify(m[1]!, await this.keys(), { issuer: this.opts.issuerUrl.replace(/\/+$/, ''), requiredClaims: ['exp'] })).payload;
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

  private keys(): Promise<KeySet> {
    if (!this.keySet) {
      const p = this.resolveJwksUrl().then((url) => createRemoteJWKSet(url, { timeoutDuration: this.opts.timeoutMs ?? 5000, cooldownDuration: 5000 }));
      // A failed discovery is retried on the next request instead of being cached forever.
      p.catch(() => (this.keySet = undefined));
      this.keySet = p;
    }
    return this.keySet;
  }

  private async resolveJwksUrl(): Promise<URL> {
    if (this.opts.jwksUrl) return new URL(this.opts.jwksUrl);
    const discovery = `${this.opts.issuerUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const res = await fetch(discovery, { signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000) });
    if (!res.ok) throw new Error(`issuer discovery ${discovery} answered ${res.status}`);
    const doc = (await res.json()) as { jwks_uri?: unknown };
    if (typeof doc.jwks_uri !== 'string') throw new Error(`issuer discovery ${discovery} has no jwks_uri`);
    return new URL(doc.jwks_uri);
  }

  private toServiceError(err: unknown): ServiceError {
    if (err instanceof joseErrors.JWTExpired) return unauthenticated('Account authentication could not be verified: the token has expired');
    if (err instanceof joseErrors.JWTClaimValidationFailed) {
      if (err.claim === 'iss') return unauthenticated(`Account authentication could not be verified: token issuer ${JSON.stringify(err.payload.iss ?? null)} is not accepted (expected ${this.opts.issuerUrl})`);
      return unauthenticated(`Account authentication could not be verified: token claim ${err.claim} is invalid (${err.reason})`);
    }
    if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWSSignatureVerificationFailed) {
      return unauthenticated('Account authentication could not be verified: the token is not signed by the issuer\'s keys');
    }
    if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid || !(err instanceof joseErrors.JOSEError)) {
      // Not the caller's fault: the keys to check tokens with could not be fetched.
      return new ServiceError(ErrorCode.General, `unable to verify the token: the issuer's keys could not be fetched: ${(err as Error).message}`);
    }
    return unauthenticated(`Account authentication could not be verified: ${(err as Error).message}`);
  }
}
