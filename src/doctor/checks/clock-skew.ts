// Runbook step 3, the clock half: a token the issuer has just issued says what the issuer's clock read (iat,
// nbf, exp); its HTTP Date header says it again. Both against this machine's clock tell whether the API (which
// checks exp and nbf against its own clock, with a small tolerance) will call fresh tokens expired or not yet
// valid. Locally the API shares this machine's clock; in a cluster, the verdict names the two clocks compared.

import type { Confidence } from '../report.js';

export interface ClockReadings {
  /** This machine's clock when the token arrived, ms. */
  receivedAtMs: number;
  /** The token's claims, seconds since the epoch. */
  iat?: number;
  nbf?: number;
  exp?: number;
  /** The issuer's Date header (1 s resolution) and this machine's clock when it arrived. */
  issuerDate?: { dateMs: number; receivedAtMs: number };
  /** The API's tolerance for exp/nbf, seconds (the obspath API's default clock skew: 10 s). */
  toleranceSec?: number;
}

export interface ClockFinding {
  confidence: Confidence;
  text: string;
  /** Issuer clock minus this machine's clock, seconds (negative: the issuer is behind). */
  offsetSec: number;
}

const fmt = (s: number) => `${Math.abs(Math.round(s))} s ${s < 0 ? 'behind' : 'ahead of'}`;

/** Skew between the issuer's clock and this machine's, when it matters; undefined when the clocks agree. */
export function clockSkewFinding(r: ClockReadings): ClockFinding | undefined {
  const tol = r.toleranceSec ?? 10;
  const now = r.receivedAtMs / 1000;
  const iatOffset = r.iat !== undefined ? r.iat - now : undefined;
  // The Date header has a one-second resolution; a round trip adds to it.
  const dateOffset = r.issuerDate ? (r.issuerDate.dateMs - r.issuerDate.receivedAtMs) / 1000 : undefined;
  const expired = r.exp !== undefined && r.exp <= now - tol;
  const notYet = r.nbf !== undefined && r.nbf > now + tol;
  const skewed = iatOffset !== undefined && Math.abs(iatOffset) > tol;
  if (!expired && !notYet && !skewed) return undefined;
  const offset = iatOffset ?? dateOffset ?? 0;
  const dateAgrees = dateOffset !== undefined && iatOffset !== undefined && Math.abs(dateOffset - iatOffset) <= 5 && Math.abs(dateOffset) > tol / 2;
  const parts = [
    iatOffset !== undefined ? `the token the issuer has just issued has iat ${fmt(iatOffset)} this machine's clock` : undefined,
    dateOffset !== undefined ? `the issuer's Date header is ${fmt(dateOffset)} it` : undefined,
    expired ? `its exp is ${Math.round(now - r.exp!)} s in the past: the API refuses it as expired on arrival` : undefined,
    notYet ? `its nbf is ${Math.round(r.nbf! - now)} s in the future: the API refuses it as not yet valid` : undefined,
  ].filter((p): p is string => p !== undefined);
  const rejected = expired || notYet;
  const confidence: Confidence = rejected && (dateAgrees || skewed) ? 'confirmed' : rejected ? 'likely' : 'possible';
  return { confidence, offsetSec: Math.round(offset), text: `the issuer's clock is ${fmt(offset)} this machine's: ${parts.join('; ')}` };
}
