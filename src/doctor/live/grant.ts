// Runbook step 3, live: OIDC discovery and one real client-credentials grant with the refresher's client id,
// secret and audience (the refresher's own OAuthClient, so the failure is classified exactly as the refresher
// classifies it), then the token's aud/iss against what the API's tenant verifies. The token is kept in memory
// for step 2 and 5's direct queries and never printed.

import { OAuthClient, TokenError } from '../../oauth/client.js';
import { decodeJwt } from 'jose';
import { clockSkewFinding } from '../checks/clock-skew.js';
import { compareTokenClaims } from '../checks/token-claims.js';
import { probeHttp } from './http-probe.js';
import { causeOfTokenFailure } from './token-failure.js';
import { checkResult, skipped, type CheckResult, type Evidence, type Suspect } from '../report.js';
import type { LiveTargets } from './targets.js';

export { causeOfTokenFailure };

export interface GrantOutcome {
  token?: string;
  /** Why no token: the classified failure, or what was missing. */
  failure?: { reason: string; message: string; status?: number };
  skipped?: string;
  discoveredIssuer?: string;
  ms: number;
  /** This machine's clock when the token arrived, ms. */
  receivedAtMs?: number;
  /** The issuer's Date header and this machine's clock when it arrived. */
  issuerDate?: { dateMs: number; receivedAtMs: number };
}

/** The issuer's clock as its Date header reads (discovery document answer). */
async function issuerDate(t: LiveTargets): Promise<GrantOutcome['issuerDate']> {
  const p = await probeHttp(`${t.issuerUrl!.trim().replace(/\/+$/, '')}/.well-known/openid-configuration`, { timeoutMs: t.timeouts.oauthMs });
  const dateMs = p.date ? Date.parse(p.date) : NaN;
  return Number.isFinite(dateMs) ? { dateMs, receivedAtMs: Date.now() } : undefined;
}

export async function grantToken(t: LiveTargets): Promise<GrantOutcome> {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  const missing = [!t.issuerUrl && 'issuer URL', !t.clientId && 'client id', !t.clientSecret && 'client secret'].filter(Boolean);
  if (missing.length > 0) return { skipped: `no ${missing.join(', ')} to request a token with`, ms: 0 };
  const date = issuerDate(t).catch(() => undefined);
  const client = new OAuthClient({ issuerUrl: t.issuerUrl!.trim(), clientId: t.clientId!, clientSecret: t.clientSecret!, audience: t.audience, timeoutMs: t.timeouts.oauthMs });
  try {
    const doc = await client.discover();
    try {
      const tok = await client.fetchToken();
      const receivedAtMs = Date.now();
      return { token: tok.accessToken, discoveredIssuer: doc.issuer, ms: ms(), receivedAtMs, issuerDate: await date };
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      return { failure: { reason: err.reason, message: err.message, status: err.status }, discoveredIssuer: doc.issuer, ms: ms() };
    }
  } catch (err) {
    if (!(err instanceof TokenError)) throw err;
    return { failure: { reason: err.reason, message: `${err.message}`, status: err.status }, ms: ms() };
  } finally {
    await client.close();
  }
}

const TITLE = 'Client ID, client secret and issuer URL are populated';

/** The fresh token's times and the issuer's Date header against this machine's clock. */
function clockEvidence(g: GrantOutcome): ReturnType<typeof clockSkewFinding> {
  let claims: ReturnType<typeof decodeJwt>;
  try { claims = decodeJwt(g.token!); } catch { return undefined; }
  return clockSkewFinding({ receivedAtMs: g.receivedAtMs ?? Date.now(), iat: claims.iat, nbf: claims.nbf, exp: claims.exp, issuerDate: g.issuerDate });
}

export async function runLiveCredentialsCheck(t: LiveTargets, grant: Promise<GrantOutcome>): Promise<CheckResult> {
  const g = await grant;
  if (g.skipped) return skipped('credentials', TITLE, `live token grant not attempted: ${g.skipped}`);
  const evidence: Evidence[] = [];
  const suspects: Suspect[] = [];
  if (g.discoveredIssuer) evidence.push({ text: `OIDC discovery at ${t.issuerUrl} works (issuer ${g.discoveredIssuer})` });
  if (g.failure) {
    const c = causeOfTokenFailure(g.failure.reason);
    const stage = g.discoveredIssuer ? 'client-credentials grant' : 'OIDC discovery';
    evidence.push({ text: `${stage} for client ${t.clientId} failed in ${g.ms} ms: ${g.failure.reason}: ${g.failure.message}`, data: { reason: g.failure.reason, status: g.failure.status, clientId: t.clientId, audience: t.audience } });
    if (c) suspects.push({ cause: c.cause, confidence: 'confirmed', because: `${stage} with the refresher's credentials failed: ${g.failure.reason} (${c.what})` });
    return checkResult('credentials', TITLE, {
      status: 'fail', summary: `${stage} failed: ${g.failure.reason}`, evidence, suspects,
      fix: c?.cause === 'invalid-client-credentials' ? 'correct CLIENT_ID/CLIENT_SECRET (the refresher\'s secret) and restart the refresher'
        : c?.cause === 'issuer-unreachable' ? `make ${t.issuerUrl} reachable from the refresher (DNS, egress, proxy), or correct ISSUER_URL`
          : 'see the evidence: the issuer\'s answer names the problem',
    });
  }
  evidence.push({ text: `client-credentials grant for client ${t.clientId}${t.audience ? ` (audience ${t.audience})` : ''} succeeded in ${g.ms} ms` });
  let status: CheckResult['status'] = 'ok';
  const skew = g.token ? clockEvidence(g) : undefined;
  if (skew) {
    evidence.push({ text: skew.text, data: { offsetSec: skew.offsetSec } });
    suspects.push({ cause: 'clock-skew', confidence: skew.confidence, because: skew.text });
    status = skew.confidence === 'possible' ? 'warn' : 'fail';
  }
  if (t.tenantExpectation && g.token) {
    const cmp = compareTokenClaims(g.token, t.tenantExpectation, new Date(), { checkExpiry: false });
    evidence.push({ text: `token claims: iss=${cmp.claims.iss ?? '-'} aud=[${(cmp.claims.aud ?? []).join(', ')}]; the tenant expects iss=${t.tenantExpectation.issuer} aud containing ${t.tenantExpectation.audience}`, data: { iss: cmp.claims.iss, aud: cmp.claims.aud, expected: t.tenantExpectation } });
    for (const f of cmp.findings) {
      evidence.push({ text: f.text });
      suspects.push({ cause: f.cause, confidence: 'confirmed', because: `the refresher's token: ${f.text}` });
      status = 'fail';
    }
  }
  return checkResult('credentials', TITLE, {
    status, evidence, suspects,
    summary: status === 'ok' ? 'discovery and a real client-credentials grant work; the token carries what the tenant verifies' : suspects[0]!.because,
    ...(status !== 'ok' ? { fix: suspects[0]?.cause === 'clock-skew' ? 'fix the issuer host\'s clock (NTP): the API checks exp/nbf against its own' : `request the tenant's audience (--oidc.audience=${t.tenantExpectation?.audience}) from the tenant's issuer and restart the refresher` } : {}),
  });
}
