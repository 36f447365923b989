// Runs the runbook's checks in order and folds them into a report. Checks that need the running stack (live
// HTTP to the issuer, the refresher and Observatorium) are passed in as `liveChecks` once they exist; until
// then step 5 is reported as skipped with the reason, never silently left out.

import { runCredentialsCheck, runObservatoriumUrlCheck, type LocalConfig } from './checks/config.js';
import { createContext, type CheckContext } from './checks/context.js';
import { runLogsCheck } from './checks/logs.js';
import { runNetworkPolicyCheck } from './checks/network-policy.js';
import { runRefresherHealthCheck } from './checks/refresher-health.js';
import type { ClusterFacts } from './facts.js';
import { redactValue } from './redact.js';
import { buildReport, checkResult, skipped, type CheckId, type CheckResult, type DoctorReport } from './report.js';
import { defaultTargets, environmentFromNamespace, type DoctorTargets, type Environment } from './targets.js';

export interface DoctorOptions {
  /** The cluster or snapshot; without one only the configuration checks run, on `local`. */
  facts?: ClusterFacts;
  targets?: Partial<DoctorTargets>;
  environment?: Environment;
  local?: LocalConfig;
  /** Secret values to keep out of the report (the doctor adds the ones it learns). */
  secrets?: string[];
  now?: Date;
  logTailLines?: number;
  logSinceSeconds?: number;
  /** Later checks (step 5 and live variants of 2/3); a result with the same id replaces the built-in one. */
  liveChecks?: ((ctx: CheckContext | undefined) => Promise<CheckResult>)[];
}

async function guarded(id: CheckId, title: string, fn: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await fn();
  } catch (err) {
    // A bug in one check must not hide the others' findings.
    return skipped(id, title, `the check failed unexpectedly: ${(err as Error).message}`);
  }
}

export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const facts = opts.facts;
  const namespace = opts.targets?.namespace ?? facts?.namespace;
  const targets: DoctorTargets = { ...defaultTargets(namespace), ...opts.targets, ...(namespace ? { namespace } : {}) };
  // Without a cluster the namespace is only a default, so it says nothing about the environment.
  const environment = opts.environment ?? (facts ? environmentFromNamespace(targets.namespace) : undefined);
  const secrets = [...(opts.secrets ?? []), ...[opts.local?.clientSecret, opts.local?.token].filter((s): s is string => !!s)];
  const ctx = facts
    ? createContext(facts, targets, { environment, secrets, now: opts.now, logTailLines: opts.logTailLines, logSinceSeconds: opts.logSinceSeconds })
    : undefined;
  const noCluster = (id: CheckId, title: string) => async () => skipped(id, title, 'needs a cluster (kubeconfig) or a snapshot directory');
  const local = opts.local ?? {};

  const checks: CheckResult[] = [
    await guarded('logs', 'Fleet manager and token refresher logs', ctx ? () => runLogsCheck(ctx) : noCluster('logs', 'Fleet manager and token refresher logs')),
    await guarded('observatorium-url', 'Observatorium URL is correct', () => runObservatoriumUrlCheck(ctx, local, opts.environment)),
    await guarded('credentials', 'Client ID, client secret and issuer URL are populated', () => runCredentialsCheck(ctx, local)),
    await guarded('network-policy', 'NetworkPolicy admits the fleet manager to the token refresher', ctx ? () => runNetworkPolicyCheck(ctx) : noCluster('network-policy', 'NetworkPolicy admits the fleet manager to the token refresher')),
    await guarded('refresher-health', 'Token refresher deployment is up', ctx ? () => runRefresherHealthCheck(ctx) : noCluster('refresher-health', 'Token refresher deployment is up')),
    checkResult('observatorium-health', 'Observatorium instance is up', { status: 'skipped', summary: 'the live Observatorium health check is not available in this version' }),
  ];
  for (const live of opts.liveChecks ?? []) {
    const r = await guarded('observatorium-health', 'live check', () => live(ctx));
    const i = checks.findIndex((c) => c.id === r.id);
    if (i >= 0) checks[i] = r;
    else checks.push(r);
  }
  const source = facts
    ? { kind: facts.kind, description: facts.describe(), namespace: targets.namespace }
    : { kind: 'local' as const, description: 'flags and environment only', namespace: targets.namespace };
  const report = buildReport(source, checks, { environment, now: opts.now });
  // Last line of defence: every string in the report is scrubbed of the secrets known by now.
  return redactValue(report, ctx?.secrets ?? secrets);
}
