// Runbook step 4, third bullet: is the token-refresher deployment up? Availability of the Deployment, then
// per pod: readiness, restarts, crash loops (CrashLoopBackOff, OOMKilled, exit codes), config errors
// (CreateContainerConfigError: a missing secret key), image pulls, and the namespace's warning events about them.

import type { ContainerStatus, Deployment, KubeEvent, Pod } from '../k8s/types.js';
import { checkResult, skipped, type CheckResult, type Evidence, type Suspect } from '../report.js';
import { events, refresherDeployment, refresherPods, tryFacts, type CheckContext } from './context.js';

const TITLE = 'Token refresher deployment is up';

const CONFIG_ERRORS = new Set(['CreateContainerConfigError', 'CreateContainerError', 'InvalidImageName']);
const IMAGE_ERRORS = new Set(['ImagePullBackOff', 'ErrImagePull']);

export interface PodHealth {
  name: string;
  ready: boolean;
  phase: string;
  restarts: number;
  /** CrashLoopBackOff now, or the last termination was recent and abnormal. */
  crashLooping: boolean;
  waitingReason?: string;
  lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string };
  recentRestart: boolean;
  problems: string[];
}

function isReady(p: Pod): boolean {
  return p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** A pod's health from its status alone (pure). */
export function podHealth(p: Pod, now: Date, recentWindowMs: number): PodHealth {
  const statuses: ContainerStatus[] = p.status?.containerStatuses ?? [];
  const problems: string[] = [];
  let restarts = 0;
  let crashLooping = false;
  let recentRestart = false;
  let waitingReason: string | undefined;
  let lastTermination: PodHealth['lastTermination'];
  for (const cs of statuses) {
    restarts += cs.restartCount ?? 0;
    const waiting = cs.state?.waiting;
    if (waiting?.reason) {
      waitingReason = waiting.reason;
      if (waiting.reason === 'CrashLoopBackOff') crashLooping = true;
      if (waiting.reason !== 'ContainerCreating' && waiting.reason !== 'PodInitializing') {
        problems.push(`container ${cs.name} is waiting: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`);
      }
    }
    const term = cs.lastState?.terminated ?? cs.state?.terminated;
    if (term) {
      lastTermination = { reason: term.reason, exitCode: term.exitCode, finishedAt: term.finishedAt };
      const finished = term.finishedAt ? Date.parse(term.finishedAt) : NaN;
      const recent = Number.isFinite(finished) && now.getTime() - finished <= recentWindowMs;
      if (recent && (cs.restartCount ?? 0) > 0) recentRestart = true;
      if (term.reason === 'OOMKilled') problems.push(`container ${cs.name} was OOMKilled${recent ? ' recently' : ''} (raise its memory limit)`);
      else if (recent && term.exitCode !== 0) problems.push(`container ${cs.name} exited with code ${term.exitCode ?? '?'}${term.reason ? ` (${term.reason})` : ''} at ${term.finishedAt}`);
    }
  }
  const phase = p.status?.phase ?? 'Unknown';
  const ready = isReady(p);
  if (!ready && problems.length === 0) problems.push(`pod is not ready (phase ${phase})`);
  return { name: p.metadata.name ?? '?', ready, phase, restarts, crashLooping, waitingReason, lastTermination, recentRestart, problems };
}

/** Warning events about the refresher's deployment, replica sets or pods, newest first. */
export function refresherEvents(all: readonly KubeEvent[], deploymentName: string, podNames: readonly string[]): KubeEvent[] {
  const time = (e: KubeEvent) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '') || 0;
  return all
    .filter((e) => e.type === 'Warning')
    .filter((e) => {
      const n = e.involvedObject?.name ?? '';
      return podNames.includes(n) || n === deploymentName || n.startsWith(`${deploymentName}-`);
    })
    .sort((a, b) => time(b) - time(a));
}

function deploymentEvidence(d: Deployment): { evidence: Evidence; unavailable: boolean; stuck?: string } {
  const want = d.spec?.replicas ?? 1;
  const available = d.status?.availableReplicas ?? 0;
  const ready = d.status?.readyReplicas ?? 0;
  const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
  const stuck = progressing?.reason === 'ProgressDeadlineExceeded' ? `rollout stuck: ${progressing.message ?? 'ProgressDeadlineExceeded'}` : undefined;
  return {
    evidence: {
      text: `deployment ${d.metadata.name}: ${available}/${want} available, ${ready} ready${stuck ? `; ${stuck}` : ''}`,
      data: { deployment: d.metadata.name, replicas: want, availableReplicas: available, readyReplicas: ready },
    },
    unavailable: want > 0 ? available === 0 : true,
    stuck,
  };
}

/** What the check has found so far; a status only gets worse. */
class Findings {
  readonly evidence: Evidence[] = [];
  readonly suspects: Suspect[] = [];
  status: CheckResult['status'] = 'ok';
  worse(s: 'warn' | 'fail'): void {
    if (this.status !== 'fail') this.status = s;
  }
}

function judgeDeployment(f: Findings, ctx: CheckContext, dep: { value?: Deployment; error?: string }, depName: string): void {
  const d = dep.value;
  if (dep.error === undefined && !d) {
    f.evidence.push({ text: `no deployment ${ctx.targets.refresherDeployment} (or with the refresher's labels) in namespace ${ctx.targets.namespace}` });
    f.suspects.push({ cause: 'refresher-unreachable', confidence: 'likely', because: `the token-refresher deployment does not exist in ${ctx.targets.namespace}` });
    f.worse('fail');
  } else if (d) {
    const de = deploymentEvidence(d);
    f.evidence.push(de.evidence);
    if (d.spec?.replicas === 0) {
      f.suspects.push({ cause: 'refresher-unreachable', confidence: 'confirmed', because: `deployment ${depName} is scaled to 0` });
      f.worse('fail');
    } else if (de.unavailable) {
      f.worse('fail');
    } else if ((d.status?.availableReplicas ?? 0) < (d.spec?.replicas ?? 1) || de.stuck) {
      f.worse('warn');
    }
  } else if (dep.error !== undefined) {
    f.evidence.push({ text: `deployment not read: ${dep.error}` });
  }
}

function judgePods(f: Findings, ctx: CheckContext, health: readonly PodHealth[], d: Deployment | undefined): void {
  if (health.length === 0 && d?.spec?.replicas !== 0) {
    f.evidence.push({ text: `no pods match ${Object.entries(ctx.targets.refresherSelector).map(([k, v]) => `${k}=${v}`).join(',')}` });
    f.suspects.push({ cause: 'refresher-unreachable', confidence: 'likely', because: 'no token-refresher pod exists' });
    f.worse('fail');
  }
  for (const h of health) {
    f.evidence.push({
      text: `pod ${h.name}: ${h.ready ? 'ready' : 'NOT ready'}, ${h.restarts} restart(s)${h.problems.length ? `; ${h.problems.join('; ')}` : ''}`,
      data: { pod: h.name, ready: h.ready, phase: h.phase, restarts: h.restarts, crashLooping: h.crashLooping, waitingReason: h.waitingReason, lastTermination: h.lastTermination },
    });
  }
  const readyCount = health.filter((h) => h.ready).length;
  const looping = health.filter((h) => h.crashLooping);
  if (looping.length > 0) {
    f.suspects.push({ cause: 'refresher-crashloop', confidence: 'confirmed', because: `${looping.map((h) => h.name).join(', ')} in CrashLoopBackOff` });
    f.worse(readyCount === 0 ? 'fail' : 'warn');
  }
  const config = health.filter((h) => h.waitingReason && CONFIG_ERRORS.has(h.waitingReason));
  if (config.length > 0) {
    f.suspects.push({ cause: 'missing-client-credentials', confidence: 'likely', because: `${config.map((h) => h.name).join(', ')} cannot start: ${config[0]!.problems[0]}` });
    f.worse('fail');
  }
  if (health.some((h) => h.waitingReason && IMAGE_ERRORS.has(h.waitingReason))) f.worse('fail');
  if (health.length > 0 && readyCount === 0) {
    if (looping.length === 0 && config.length === 0) f.suspects.push({ cause: 'refresher-unreachable', confidence: 'likely', because: `none of ${health.length} token-refresher pod(s) is ready` });
    f.worse('fail');
  } else if (health.some((h) => h.recentRestart || !h.ready)) {
    f.worse('warn');
  }
}

async function addWarningEvents(f: Findings, ctx: CheckContext, depName: string, health: readonly PodHealth[]): Promise<void> {
  const ev = await tryFacts(() => events(ctx));
  if (!ev.value) return;
  for (const e of refresherEvents(ev.value, depName, health.map((h) => h.name)).slice(0, 8)) {
    f.evidence.push({ text: `event ${e.reason ?? '?'} on ${e.involvedObject?.kind ?? ''} ${e.involvedObject?.name ?? ''}${e.count && e.count > 1 ? ` (x${e.count})` : ''}: ${e.message ?? ''}`, data: { event: e.reason, object: e.involvedObject?.name, count: e.count } });
  }
}

export async function runRefresherHealthCheck(ctx: CheckContext): Promise<CheckResult> {
  const dep = await tryFacts(() => refresherDeployment(ctx));
  const pods = await tryFacts(() => refresherPods(ctx));
  if (dep.error !== undefined && pods.error !== undefined) return skipped('refresher-health', TITLE, pods.error);
  const f = new Findings();
  const depName = dep.value?.metadata.name ?? ctx.targets.refresherDeployment;
  judgeDeployment(f, ctx, dep, depName);

  const health = (pods.value ?? []).map((p) => podHealth(p, ctx.now, ctx.recentRestartWindowMs));
  if (pods.value) judgePods(f, ctx, health, dep.value);
  else f.evidence.push({ text: `pods not read: ${pods.error}` });
  await addWarningEvents(f, ctx, depName, health);

  const { status, evidence, suspects } = f;
  const readyNow = health.filter((h) => h.ready).length;
  const summary = status === 'ok'
    ? `${readyNow} of ${health.length} token-refresher pod(s) ready, no recent restarts`
    : suspects.length > 0 ? suspects[0]!.because : `${readyNow} of ${health.length} token-refresher pod(s) ready${health.some((h) => h.recentRestart) ? ', with recent restarts' : ''}`;
  return checkResult('refresher-health', TITLE, {
    status, summary, evidence, suspects,
    ...(status !== 'ok' ? { fix: `kubectl -n ${ctx.targets.namespace} describe deployment ${depName}; kubectl -n ${ctx.targets.namespace} logs deploy/${depName} --previous (why the last container died)` } : {}),
  });
}
