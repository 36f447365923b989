// Runbook step 3, the pure half: does an access token carry what the Observatorium tenant verifies? The API
// (go-oidc) requires `iss` to equal the tenant's issuerURL exactly and `aud` to contain the tenant's clientID;
// an expired token fails the same way. The token is decoded, not verified, and never printed.

import { decodeJwt } from 'jose';
import type { RootCauseId } from '../causes.js';

export interface TenantExpectation {
  /** The tenant's OIDC clientID, which must be in `aud` (observatorium-telemeter for managedkafka). */
  audience: string;
  /** The tenant's issuerURL, compared byte for byte. */
  issuer: string;
}

export interface ClaimFinding {
  cause: RootCauseId;
  text: string;
}

export interface ClaimComparison {
  /** Non-secret claims, for evidence. */
  claims: { iss?: string; aud?: string[]; azp?: string; exp?: string; sub?: string };
  findings: ClaimFinding[];
}

/** `checkExpiry: false` for a token just granted: its times are the clock check's business (clock-skew.ts). */
export function compareTokenClaims(token: string, expected: TenantExpectation, now: Date = new Date(), opts: { checkExpiry?: boolean } = {}): ClaimComparison {
  let payload: ReturnType<typeof decodeJwt>;
  try {
    payload = decodeJwt(token.trim().replace(/^Bearer\s+/i, ''));
  } catch {
    return { claims: {}, findings: [{ cause: 'invalid-client-credentials', text: 'the token is not a JWT: the API cannot verify it' }] };
  }
  const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const claims = {
    iss: payload.iss,
    aud,
    azp: typeof payload.azp === 'string' ? payload.azp : undefined,
    exp: payload.exp !== undefined ? new Date(payload.exp * 1000).toISOString() : undefined,
    sub: payload.sub,
  };
  const findings: ClaimFinding[] = [];
  if (!aud.includes(expected.audience)) {
    findings.push({ cause: 'audience-mismatch', text: `aud is [${aud.join(', ') || 'none'}], the tenant expects "${expected.audience}" (request it with --oidc.audience=${expected.audience})` });
  }
  if (payload.iss !== expected.issuer) {
    const slash = payload.iss !== undefined && payload.iss.replace(/\/$/, '') === expected.issuer.replace(/\/$/, '');
    findings.push({
      cause: 'issuer-mismatch',
      text: `iss is "${payload.iss ?? 'none'}", the tenant expects "${expected.issuer}"${slash ? ' (they differ only in a trailing slash, which go-oidc does not forgive)' : ''}`,
    });
  }
  if (opts.checkExpiry !== false && payload.exp !== undefined && payload.exp * 1000 <= now.getTime()) {
    findings.push({ cause: 'issuer-unreachable', text: `the token expired at ${claims.exp}: the refresher is not renewing it (issuer unreachable or credentials rejected)` });
  }
  return { claims, findings };
}
