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
  /** Each direct query to the API (a little longer than the API's own backend deadline). */
  queryMs: number;
  /** Each query through the refresher (a little longer than the refresher's upstream deadline); default queryMs. */
  refresherQueryMs?: number;
  /** Where the query timeouts come from, for evidence ("the refresher's --upstream.timeout 4s + 1 s"). */
  basis?: string[];
}

/** A probe waits this much longer than the hop it calls waits for the next one, so it sees the hop's typed 504. */
export const TIMEOUT_MARGIN_MS = 1000;
/** No probe waits longer, whatever a hop's deadline (production refreshers wait 110 s): the run stays short. */
export const MAX_QUERY_MS = 15_000;

/** The hops' own deadlines, ms, as their flags set them (undefined: not known). */
export interface HopDeadlines {
  /** The refresher's --upstream.timeout (its wait for the API's response headers). */
  refresherUpstreamMs?: number;
  /** The API's --metrics.write-timeout (its deadline on every backend call, reads included). */
  apiBackendMs?: number;
}

/** Query timeouts a margin above the deadlines of the hops they call, capped; the defaults where unknown. */
export function timeoutsFromHops(h: HopDeadlines, base: LiveTimeouts = DEFAULT_TIMEOUTS): LiveTimeouts {
  const basis: string[] = [];
  const above = (ms: number | undefined, fallback: number, what: string): number => {
    if (ms === undefined) return fallback;
    const want = ms + TIMEOUT_MARGIN_MS;
    basis.push(`${what} ${ms} ms + ${TIMEOUT_MARGIN_MS} ms${want > MAX_QUERY_MS ? `, capped at ${MAX_QUERY_MS} ms (a timeout there is the doctor giving up first, not the hop)` : ''}`);
    return Math.min(want, MAX_QUERY_MS);
  };
  const queryMs = above(h.apiBackendMs, base.queryMs, 'direct queries: the API\'s backend deadline');
  const refresherQueryMs = above(h.refresherUpstreamMs, base.refresherQueryMs ?? base.queryMs, 'queries through the refresher: its upstream deadline');
  return { ...base, queryMs, refresherQueryMs, basis };
}

/** A bound on the whole live run: the longest chain (discovery, token, then a query) and a second to spare. */
export function liveCheckBoundMs(t: LiveTimeouts): number {
  return Math.max(9000, 2 * t.oauthMs + Math.max(t.queryMs, t.refresherQueryMs ?? t.queryMs) + 1000);
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
  /** The API's tenants file (locally), and whether it lists the tenant: evidence for tenant-not-registered. */
  tenantsFile?: string;
  tenantInTenantsFile?: boolean;
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
