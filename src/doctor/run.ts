// Runs the runbook's checks and folds them into a report. Every check runs in parallel with its own timeout;
// live checks (steps 2-5 against running endpoints, src/doctor/live) are passed in as `liveChecks` and merged
// with the configuration/cluster check of the same step (evidence and suspects of both; the worse status).

import { runCredentialsCheck, runObservatoriumUrlCheck, type LocalConfig } from './checks/config.js';
import { createContext, type CheckContext } from './checks/context.js';
import { runLogsCheck } from './checks/logs.js';
import { runNetworkPolicyCheck } from './checks/network-policy.js';
import { runRefresherHealthCheck } from './checks/refresher-health.js';
import { escalationFor, type EscalationConfig } from './escalation.js';
import type { ClusterFacts } from './facts.js';
import { redactValue } from './redact.js';
import { buildReport, checkResult, RUNBOOK_STEP, skipped, type CheckId, type CheckResult, type DoctorReport, type ReportSource } from './report.js';
import { defaultTargets, environmentFromNamespace, type DoctorTargets, type Environment } from './targets.js';

export type LiveCheckFn = (ctx: CheckContext | undefined) => Promise<CheckResult>;

export interface DoctorOptions {
  /** The cluster or snapshot; without one only the configuration checks run, on `local`. */
  facts?: ClusterFacts;
  targets?: Partial<DoctorTargets>;
  environment?: Environment | 'local';
  local?: LocalConfig;
  /** Secret values to keep out of the report (the doctor adds the ones it learns). */
  secrets?: string[];
  now?: Date;
  logTailLines?: number;
  logSinceSeconds?: number;
  /** Live checks; a result is merged with the built-in check of the same id (give the id so a hung one is placed right). */
  liveChecks?: (LiveCheckFn | { id: CheckId; run: LiveCheckFn })[];
  /** Overrides the report's source (e.g. `obspath up in <dir>`). */
  source?: Omit<ReportSource, 'namespace'> & { namespace?: string };
  escalation?: EscalationConfig;
  /** Bound on each cluster/configuration check (default 20 s: cluster reads are bounded at 15 s each). */
  checkTimeoutMs?: number;
  /** Bound on each live check (default 9 s: its own probes add up to 8 s at most). */
  liveCheckTimeoutMs?: number;
}

const TITLES: Record<CheckId, string> = {
  logs: 'Fleet manager and token refresher logs',
  'observatorium-url': 'Observatorium URL is correct',
  credentials: 'Client ID, client secret and issuer URL are populated',
  'network-policy': 'NetworkPolicy admits the fleet manager to the token refresher',
  'refresher-health': 'Token refresher deployment is up',
  'observatorium-health': 'Observatorium instance is up',
};

/** Runs one check, bounded; a bug or a hang in one check must not hide the others' findings. */
async function guarded(id: CheckId, fn: () => Promise<CheckResult>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<CheckResult>((resolve) => { timer = setTimeout(() => resolve(skipped(id, TITLES[id], `the check did not finish within ${timeoutMs} ms`)), timeoutMs); }),
    ]);
  } catch (err) {
    return skipped(id, TITLES[id], `the check failed unexpectedly: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

const STATUS_RANK = { skipped: 0, ok: 1, warn: 2, fail: 3 } as const;

/** One result from the configuration/cluster half and the live half of a step. */
export function mergeChecks(a: CheckResult, b: CheckResult): CheckResult {
  if (a.status === 'skipped') return b.status === 'skipped' ? { ...b, summary: `${b.summary}; ${a.summary}` } : b;
  if (b.status === 'skipped') return { ...a, evidence: [...a.evidence, { text: `live part skipped: ${b.summary}` }] };
  const worse = STATUS_RANK[b.status] > STATUS_RANK[a.status] ? b : a;
  const fix = [a.fix, b.fix].filter((f): f is string => !!f && (worse.fix === f || a.status === b.status));
  return {
    ...worse,
    // The step's own title, whichever half is worse (a live check may title itself after what it probes).
    title: b.title,
    evidence: [...a.evidence, ...b.evidence],
    suspects: [...a.suspects, ...b.suspects],
    ...(fix.length > 0 ? { fix: [...new Set(fix)].join('\n') } : {}),
  };
}

export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const facts = opts.facts;
  const namespace = opts.targets?.namespace ?? facts?.namespace;
  const targets: DoctorTargets = { ...defaultTargets(namespace), ...opts.targets, ...(namespace ? { namespace } : {}) };
  // Without a cluster the namespace is only a default, so it says nothing about the environment.
  const preset = opts.environment === 'local' ? undefined : opts.environment;
  const environment = preset ?? (facts ? environmentFromNamespace(targets.namespace) : undefined);
  const secrets = [...(opts.secrets ?? []), ...[opts.local?.clientSecret, opts.local?.token].filter((s): s is string => !!s)];
  const ctx = facts
    ? createContext(facts, targets, { environment, secrets, now: opts.now, logTailLines: opts.logTailLines, logSinceSeconds: opts.logSinceSeconds })
    : undefined;
  const noCluster = (id: CheckId) => async () => skipped(id, TITLES[id], 'needs a cluster (kubeconfig) or a snapshot directory');
  const local = opts.local ?? {};
  const builtInTimeout = opts.checkTimeoutMs ?? 20_000;
  const liveTimeout = opts.liveCheckTimeoutMs ?? 9_000;

  const builtIn: [CheckId, () => Promise<CheckResult>][] = [
    ['logs', ctx ? () => runLogsCheck(ctx) : noCluster('logs')],
    ['observatorium-url', () => runObservatoriumUrlCheck(ctx, local, preset)],
    ['credentials', () => runCredentialsCheck(ctx, local)],
    ['network-policy', ctx ? () => runNetworkPolicyCheck(ctx) : noCluster('network-policy')],
    ['refresher-health', ctx ? () => runRefresherHealthCheck(ctx) : noCluster('refresher-health')],
  ];
  const [checks, live] = await Promise.all([
    Promise.all(builtIn.map(([id, fn]) => guarded(id, fn, builtInTimeout))),
    Promise.all((opts.liveChecks ?? []).map((c) => (typeof c === 'function'
      ? guarded('observatorium-health', () => c(ctx), liveTimeout)
      : guarded(c.id, () => c.run(ctx), liveTimeout)))),
  ]);
  checks.push(checkResult('observatorium-health', TITLES['observatorium-health'], { status: 'skipped', summary: 'needs the running stack: use --env local, or give the refresher and Observatorium URLs' }));
  for (const r of live) {
    const i = checks.findIndex((c) => c.id === r.id);
    if (i >= 0) checks[i] = mergeChecks(checks[i]!, r);
    else checks.push(r);
  }
  checks.sort((a, b) => Object.keys(RUNBOOK_STEP).indexOf(a.id) - Object.keys(RUNBOOK_STEP).indexOf(b.id));
  const source = opts.source
    ? { ...opts.source, namespace: opts.source.namespace ?? targets.namespace }
    : facts
      ? { kind: facts.kind, description: facts.describe(), namespace: targets.namespace }
      : { kind: 'local' as const, description: 'flags and environment only', namespace: targets.namespace };
  const report = buildReport(source, checks, { environment: opts.environment === 'local' ? 'local' : environment, now: opts.now });
  const escalation = escalationFor(report.verdicts, opts.escalation);
  if (escalation) report.escalation = escalation;
  // Last line of defence: every string in the report is scrubbed of the secrets known by now.
  return redactValue(report, ctx?.secrets ?? secrets);
}
