// What the live checks talk to, whatever the source: an environment preset (stage/production), the local
// stack (`--env local`, local/stack-state.ts), or flags. Anything unknown stays undefined and the check
// that needs it is skipped with the reason.

import type { ComponentState } from '../local/stack-state.js';

export interface TenantExpectation {
  /** The tenant's OIDC issuerURL (compared byte for byte with the token's iss). */
  issuer: string;
  /** The tenant's OIDC clientID (must be in the token's aud). */
  audience: string;
}

export interface LiveTimeouts {
  /** TCP connect probes. */
  connectMs: number;
  /** Plain HTTP probes (/ready, the URL, the fleet manager's path to the refresher). */
  httpMs: number;
  /** Each call to the issuer (discovery, token). */
  oauthMs: number;
  /** Each query through the refresher or directly (longer than the API's own 3 s backend deadline). */
  queryMs: number;
}

// Worst chain when every hop hangs: discovery + token (2 x oauthMs) then a direct query (queryMs) = 8 s, under
// the 10 s the issue allows; every other probe runs beside it.
export const DEFAULT_TIMEOUTS: LiveTimeouts = { connectMs: 1000, httpMs: 1500, oauthMs: 2000, queryMs: 4000 };

export interface LiveTargets {
  /** Where the targets came from, for evidence ("obspath up in .obspath", "stage preset"). */
  origin: string;
  /** The refresher's upstream (OBSERVATORIUM_URL). */
  observatoriumUrl?: string;
  /** Where the Observatorium API is (the environment's URL, or the API `obspath up` started). */
  expectedObservatoriumUrl?: string;
  tenant?: string;
  issuerUrl?: string;
  clientId?: string;
  /** Used for the grant, never printed (the caller adds it to the redaction list). */
  clientSecret?: string;
  audience?: string;
  tenantExpectation?: TenantExpectation;
  /** The refresher's proxy address, as the doctor reaches it. */
  refresherUrl?: string;
  /** The refresher's internal server (/ready, /metrics). */
  refresherInternalUrl?: string;
  /** Where the fleet manager sends its Observatorium requests (the Service address in a cluster). */
  fleetRefresherUrl?: string;
  /** The API's internal server (/metrics), for its own request counters. */
  apiInternalUrl?: string;
  /** The local supervisor's view of each component (the stand-in for pod status). */
  components?: ComponentState[];
  prometheusUrl?: string;
  alertmanagerUrl?: string;
  timeouts: LiveTimeouts;
}
