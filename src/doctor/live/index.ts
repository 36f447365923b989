// The live checks (steps 2-5 against running endpoints), wired for runDoctor's `liveChecks`: one token grant
// shared by step 2 (URL probe with a token), step 3 (the grant itself) and step 5 (direct queries), started
// once and awaited by each, so the whole set runs in parallel and is bounded by the slowest single timeout chain.

import type { LocalConfig } from '../checks/config.js';
import type { CheckContext } from '../checks/context.js';
import { argValue, type LocalStack } from '../local/stack-state.js';
import { runLocalLogsCheck } from '../local/logs.js';
import type { CheckId, CheckResult } from '../report.js';
import { grantToken, runLiveCredentialsCheck, type GrantOutcome } from './grant.js';
import { runLiveObservatoriumHealthCheck } from './observatorium-health.js';
import { runLiveObservatoriumUrlCheck } from './observatorium-url.js';
import { runLiveReachabilityCheck, runLiveRefresherHealthCheck } from './refresher.js';
import { deadlinesFromArgs, withDeploymentDeadlines } from './hop-deadlines.js';
import { DEFAULT_TIMEOUTS, timeoutsFromHops, type LiveTargets } from './targets.js';

export { DEFAULT_TIMEOUTS, liveCheckBoundMs, MAX_QUERY_MS, timeoutsFromHops, type LiveTargets, type LiveTimeouts, type TenantExpectation } from './targets.js';

export interface LiveCheck { id: CheckId; run: (ctx: CheckContext | undefined) => Promise<CheckResult> }

export function liveChecks(t: LiveTargets): LiveCheck[] {
  let grant: Promise<GrantOutcome> | undefined;
  // Lazily, so building the list has no side effect; the first check to need it starts it.
  const token = () => (grant ??= grantToken(t).catch((err: Error) => ({ failure: { reason: 'error', message: err.message }, ms: 0 })));
  return [
    { id: 'observatorium-url', run: () => runLiveObservatoriumUrlCheck(t) },
    { id: 'credentials', run: () => runLiveCredentialsCheck(t, token()) },
    { id: 'network-policy', run: () => runLiveReachabilityCheck(t) },
    { id: 'refresher-health', run: () => runLiveRefresherHealthCheck(t) },
    { id: 'observatorium-health', run: async (ctx) => runLiveObservatoriumHealthCheck(ctx ? await withDeploymentDeadlines(t, ctx) : t, token()) },
  ];
}

/** The live targets of a local stack: what the refresher is given, and where the API really is. */
export function targetsFromLocalStack(s: LocalStack, extra: Partial<LiveTargets> = {}): LiveTargets {
  const env = s.refresherEnv;
  const audience = argValue(s.refresherArgs, '--oidc.audience');
  return {
    origin: `obspath up in ${s.dataDir}`,
    observatoriumUrl: env.OBSERVATORIUM_URL ?? env.UPSTREAM_URL ?? argValue(s.refresherArgs, '--url'),
    expectedObservatoriumUrl: s.apiUrl,
    tenant: s.tenant,
    issuerUrl: env.ISSUER_URL ?? env.OIDC_ISSUER_URL,
    clientId: env.CLIENT_ID ?? env.OIDC_CLIENT_ID,
    clientSecret: env.CLIENT_SECRET ?? env.OIDC_CLIENT_SECRET,
    audience,
    tenantExpectation: s.tenantOidc?.issuerUrl && s.tenantOidc.clientId ? { issuer: s.tenantOidc.issuerUrl, audience: s.tenantOidc.clientId } : undefined,
    tenantsFile: s.tenantsFile,
    tenantInTenantsFile: s.tenantConfigured,
    refresherUrl: s.refresherUrl,
    refresherInternalUrl: s.refresherInternalUrl,
    fleetRefresherUrl: s.fleetRefresherUrl,
    apiInternalUrl: s.apiInternalUrl,
    components: s.components,
    timeouts: timeoutsFromHops(deadlinesFromArgs(s.refresherArgs, s.apiArgs), DEFAULT_TIMEOUTS),
    ...extra,
  };
}

/** The offline checks' view of a local stack (steps 2 and 3 from configuration). */
export function localConfigFromStack(s: LocalStack): LocalConfig {
  const t = targetsFromLocalStack(s);
  return {
    observatoriumUrl: t.observatoriumUrl, clientId: t.clientId ?? '', clientSecret: t.clientSecret ?? '', issuerUrl: t.issuerUrl ?? '', audience: t.audience,
    from: `${s.refresherEnv.CLIENT_ID !== undefined ? 'refresher env file' : 'refresher args'}`,
    expected: { tenant: s.tenant, issuerUrl: t.tenantExpectation?.issuer, audience: t.tenantExpectation?.audience },
  };
}

/** Step 1 from the local stack's log files. */
export function localLogsCheck(s: LocalStack, opts: { tailLines: number; sinceSeconds?: number; secrets: readonly string[] }): LiveCheck {
  return { id: 'logs', run: () => runLocalLogsCheck(s.logsDir, opts) };
}
