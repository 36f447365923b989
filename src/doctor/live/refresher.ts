// Runbook step 4, live. 4.1: can the fleet manager reach the refresher? A TCP connect and one request to the
// address the fleet manager uses tell "nothing listens" (refused) from "accepted but never answered" (what a
// NetworkPolicy drop, or a black-holed route, looks like from the client) from "answers". 4.3: is the refresher
// up? Its process (locally the supervisor's view: running, restarts, crash loop), its /ready and the reason,
// and whether TokenRefresherDown fires.

import { checkResult, skipped, type CheckResult, type Evidence, type Suspect } from '../report.js';
import { fetchAlerts } from './alerts.js';
import { causeOfTokenFailure } from './grant.js';
import { describeProbe, probeHttp, probeHttpServer, probeTcp } from './http-probe.js';
import type { LiveTargets } from './targets.js';

const REACH_TITLE = 'The fleet manager can reach the token refresher';
const HEALTH_TITLE = 'Token refresher deployment is up';

/** GET <refresher>/ready on the internal server: 200 when it holds a token, else 503 with the reason. */
async function readiness(t: LiveTargets) {
  if (!t.refresherInternalUrl) return undefined;
  return probeHttp(`${t.refresherInternalUrl.replace(/\/+$/, '')}/ready`, { timeoutMs: t.timeouts.httpMs });
}

export async function runLiveReachabilityCheck(t: LiveTargets): Promise<CheckResult> {
  const target = t.fleetRefresherUrl;
  if (!target) return skipped('network-policy', REACH_TITLE, 'the fleet manager\'s refresher address is not known (pass --fleet-refresher-url)');
  const [tcp, ready] = await Promise.all([probeTcp(target, t.timeouts.connectMs), readiness(t)]);
  const evidence: Evidence[] = [{ text: `TCP connect to ${target} (where the fleet manager sends requests): ${tcp.outcome} in ${tcp.ms} ms${tcp.detail ? ` (${tcp.detail})` : ''}`, data: { ...tcp } }];
  const suspects: Suspect[] = [];
  const refresherAnswers = ready?.outcome === 'answered';
  if (tcp.outcome === 'refused') {
    suspects.push({ cause: 'refresher-unreachable', confidence: 'likely', because: `${target} refuses connections: nothing listens where the fleet manager sends requests` });
    return checkResult('network-policy', REACH_TITLE, { status: 'fail', summary: suspects[0]!.because, evidence, suspects, fix: 'see step 4.3: the refresher process is not listening' });
  }
  if (tcp.outcome !== 'accepted') {
    suspects.push({ cause: 'network-policy-blocks', confidence: 'likely', because: `no TCP connection to ${target} within ${tcp.ms} ms: packets are dropped on the way` });
    return checkResult('network-policy', REACH_TITLE, { status: 'fail', summary: suspects[0]!.because, evidence, suspects, fix: 'allow the fleet manager to the refresher\'s port (NetworkPolicy, firewall)' });
  }
  // The refresher's HTTP server itself (not its upstream) must answer: see probeHttpServer.
  const [p, own] = await Promise.all([
    probeHttpServer(target, t.timeouts.httpMs),
    t.refresherUrl && t.refresherUrl !== target ? probeHttpServer(t.refresherUrl, t.timeouts.httpMs) : undefined,
  ]);
  evidence.push({ text: `HTTP to ${target}: ${p.outcome === 'answers' ? `the server answers ("${p.statusLine}") in ${p.ms} ms` : p.outcome === 'silent' ? `accepted the connection but sent nothing in ${p.ms} ms` : `${p.outcome}${p.detail ? ` (${p.detail})` : ''}`}`, data: { ...p } });
  if (p.outcome === 'answers') {
    return checkResult('network-policy', REACH_TITLE, { status: 'ok', evidence, suspects, summary: `the refresher's HTTP server answers at ${target} (${p.ms} ms)` });
  }
  if (own) evidence.push({ text: `the refresher's own address ${t.refresherUrl}: ${own.outcome === 'answers' ? `answers in ${own.ms} ms` : own.outcome}` });
  if (ready) evidence.push({ text: `the refresher's internal server ${t.refresherInternalUrl}/ready: ${describeProbe(ready)}` });
  const refresherAlive = own?.outcome === 'answers' || refresherAnswers;
  if (p.outcome === 'silent' && refresherAlive) {
    suspects.push({ cause: 'network-policy-blocks', confidence: 'confirmed', because: `${target} accepts connections but its HTTP server never answers (${p.ms} ms), while the refresher itself answers${own?.outcome === 'answers' ? ` at ${t.refresherUrl}` : ''}: something between the fleet manager and the refresher drops the traffic` });
  } else if (p.outcome === 'silent') {
    suspects.push({ cause: 'refresher-unreachable', confidence: 'likely', because: `${target} accepts connections but never answers, and the refresher's internal server does not answer either: the process hangs` });
  } else if (p.outcome === 'tls') {
    suspects.push({ cause: 'tls-untrusted', confidence: 'confirmed', because: `the TLS handshake with ${target} fails: ${p.detail ?? 'tls'}` });
  } else {
    suspects.push({ cause: 'refresher-unreachable', confidence: 'likely', because: `the HTTP exchange with ${target} failed: ${p.outcome}${p.detail ? ` (${p.detail})` : ''}` });
  }
  return checkResult('network-policy', REACH_TITLE, {
    status: 'fail', summary: suspects[0]!.because, evidence, suspects,
    fix: suspects[0]!.cause === 'network-policy-blocks' ? 'find what drops fleet manager -> refresher traffic: NetworkPolicy token-refresher (ingress from app=kas-fleet-manager), egress policies on the fleet manager, the Service\'s endpoints' : 'restart the refresher; read its log',
  });
}

/** A worker as the refresher's /ready lists it when it runs with --workers (src/workers/pool.ts). */
interface ReadyWorker {
  id: number;
  pid?: number;
  ready: boolean;
  reason?: string;
  restarts?: number;
  crashLooping?: boolean;
}

/**
 * `--workers N`: the process the supervisor (or Kubernetes) sees is the primary, which restarts a worker that
 * exits itself, so a crash loop of its workers never shows as process restarts. /ready lists each worker: how
 * many run and are ready, their restarts, and a crash loop (exited soon after start twice in a row).
 */
export function workersFinding(workers: readonly ReadyWorker[]): { evidence: Evidence; suspect?: Suspect; status: 'ok' | 'warn' | 'fail' } {
  const ready = workers.filter((w) => w.ready).length;
  const restarts = workers.reduce((n, w) => n + (w.restarts ?? 0), 0);
  const looping = workers.filter((w) => w.crashLooping);
  const notReady = workers.filter((w) => !w.ready).map((w) => `worker ${w.id}${w.pid ? ` (pid ${w.pid})` : ''}: ${w.reason ?? 'not ready'}`);
  const evidence: Evidence = {
    text: `the refresher runs ${workers.length} worker process(es) (--workers ${workers.length}) behind one primary: ${ready} ready, ${restarts} worker restart(s)${looping.length ? `, worker ${looping.map((w) => w.id).join(', ')} crash looping` : ''}${notReady.length ? `; ${notReady.join('; ')}` : ''}`,
    data: { workers: workers.length, ready, restarts, crashLooping: looping.map((w) => w.id) },
  };
  if (looping.length > 0) {
    const w = looping[0]!;
    return { evidence, status: 'fail', suspect: { cause: 'refresher-crashloop', confidence: 'confirmed', because: `worker ${w.id} of the token refresher keeps exiting soon after start (${w.restarts ?? 0} restarts by its primary; the process itself stays up)` } };
  }
  return { evidence, status: restarts > 0 || ready < workers.length ? 'warn' : 'ok' };
}

export async function runLiveRefresherHealthCheck(t: LiveTargets): Promise<CheckResult> {
  const evidence: Evidence[] = [];
  const suspects: Suspect[] = [];
  let status: CheckResult['status'] = 'ok';
  const worse = (s: 'warn' | 'fail') => { if (status !== 'fail') status = s; };
  let workerData: Record<string, unknown> | undefined;
  const [ready, alerts] = await Promise.all([
    readiness(t),
    t.prometheusUrl || t.alertmanagerUrl ? fetchAlerts({ prometheusUrl: t.prometheusUrl, alertmanagerUrl: t.alertmanagerUrl, timeoutMs: t.timeouts.httpMs }) : undefined,
  ]);
  if (!ready && !t.components && !alerts) return skipped('refresher-health', HEALTH_TITLE, 'no refresher internal address, process status or alert source known');

  const proc = t.components?.find((c) => c.name === 'token-refresher');
  if (t.components && !proc) {
    suspects.push({ cause: 'refresher-unreachable', confidence: 'confirmed', because: 'the token-refresher process is not started' });
    worse('fail');
  } else if (proc) {
    const exit = proc.lastExit ? `; last exit code ${proc.lastExit.code ?? '-'}${proc.lastExit.signal ? ` signal ${proc.lastExit.signal}` : ''} ${Math.round((Date.now() - proc.lastExit.at) / 1000)} s ago` : '';
    evidence.push({ text: `process token-refresher: ${proc.running ? 'running' : 'NOT running'}, ${proc.restarts} restart(s)${proc.crashLooping ? ', crash looping' : ''}${exit}`, data: { ...proc } });
    if (proc.crashLooping) {
      suspects.push({ cause: 'refresher-crashloop', confidence: 'confirmed', because: `the token-refresher process keeps exiting soon after start (${proc.restarts} restarts${exit})` });
      worse('fail');
    } else if (!proc.running) {
      suspects.push({ cause: 'refresher-unreachable', confidence: 'confirmed', because: 'the token-refresher process is not running' });
      worse('fail');
    } else if (proc.restarts > 0) {
      worse('warn');
    }
  }
  if (ready) {
    const body = ready.body as { reason?: string; cause?: string; error?: string; tokenExpiresAt?: string; workers?: ReadyWorker[] } | undefined;
    evidence.push({ text: `${t.refresherInternalUrl}/ready: ${describeProbe(ready)}${body?.cause ? `; cause ${body.cause}` : ''}${body?.tokenExpiresAt ? `; token expires ${body.tokenExpiresAt}` : ''}`, data: { status: ready.status, outcome: ready.outcome, reason: body?.reason, cause: body?.cause } });
    const workers = Array.isArray(body?.workers) ? workersFinding(body.workers) : undefined;
    workerData = workers?.evidence.data;
    if (workers) {
      evidence.push(workers.evidence);
      if (workers.suspect) suspects.push(workers.suspect);
      if (workers.status !== 'ok') worse(workers.status);
    }
    if (ready.outcome === 'answered' && ready.status !== 200 && body?.reason === 'workers_not_ready' && !body.cause) {
      // Only workers are missing (the primary holds a token): restarting ones warn, a crash loop failed above.
    } else if (ready.outcome === 'answered' && ready.status !== 200) {
      worse('fail');
      const c = body?.cause ? causeOfTokenFailure(body.cause) : undefined;
      if (c) suspects.push({ cause: c.cause, confidence: 'likely', because: `the refresher is not ready: ${body?.reason ?? 'not ready'} (${body?.cause}: ${c.what})` });
    } else if (ready.outcome !== 'answered' && !suspects.length) {
      suspects.push({ cause: 'refresher-unreachable', confidence: 'likely', because: `the refresher's internal server does not answer: ${describeProbe(ready)}` });
      worse('fail');
    }
  }
  if (alerts) {
    const firing = alerts.alerts.filter((a) => a.state === 'firing');
    const down = firing.some((a) => a.name === 'TokenRefresherDown');
    evidence.push({ text: `alerts firing: ${firing.map((a) => a.name).join(', ') || 'none'}${down ? ' (TokenRefresherDown: the refresher is down or not ready)' : ''}`, data: { firing: firing.map((a) => a.name) } });
    for (const e of alerts.errors) evidence.push({ text: `alerts not read: ${e}` });
    if (down) worse('fail');
  }
  const workerCount = (workerData?.workers as number | undefined);
  const ofWorkers = workerCount ? ` (${workerCount} workers)` : '';
  const summary = suspects[0]?.because ?? (status === 'ok' ? `the token refresher is running and ready${ofWorkers}` : `the token refresher${ofWorkers} has restarted or is not fully ready; see evidence`);
  return checkResult('refresher-health', HEALTH_TITLE, {
    status, summary, evidence, suspects,
    ...(status !== 'ok' ? { fix: suspects[0]?.cause === 'refresher-crashloop' ? 'read the refresher\'s log (step 1) for why it exits at start: a missing setting or a bad listen address' : 'read the refresher\'s log (step 1) and its /ready reason' } : {}),
  });
}
