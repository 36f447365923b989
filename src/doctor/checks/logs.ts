// Runbook step 1: read the fleet manager's and the token refresher's recent logs (current and previous
// containers) and count known error signatures (logs/signatures.ts), each mapped to a suspected cause.

import type { Pod } from '../k8s/types.js';
import { scanLogs, type LogInput, type ScanSummary } from '../logs/scan.js';
import type { LogComponent } from '../logs/signatures.js';
import { checkResult, skipped, type CheckResult, type Evidence, type Suspect } from '../report.js';
import { fleetManagerPods, refresherPods, tryFacts, type CheckContext } from './context.js';

const TITLE = 'Fleet manager and token refresher logs';

/** File-name hints that tie a loose snapshot log to a component. */
const LOOSE_HINTS: Readonly<Record<LogComponent, RegExp>> = {
  'token-refresher': /token-refresher/i,
  'fleet-manager': /fleet-manager|kas-fleet/i,
};

async function podInputs(ctx: CheckContext, component: LogComponent, pods: Pod[], errors: string[]): Promise<LogInput[]> {
  const inputs: LogInput[] = [];
  for (const pod of pods) {
    const name = pod.metadata.name ?? '?';
    const ns = pod.metadata.namespace ?? ctx.targets.namespace;
    const containers = pod.spec?.containers ?? [];
    const defaultContainer = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] ?? containers[0]?.name;
    const names = containers.length > 0 ? containers.map((c) => c.name) : [undefined];
    for (const container of names) {
      for (const previous of [false, true]) {
        // Only ask for a previous log when the container has restarted: there is none otherwise.
        if (previous && !(pod.status?.containerStatuses ?? []).some((s) => s.name === container && (s.restartCount ?? 0) > 0)) continue;
        const r = await tryFacts(() => ctx.facts.podLogs({
          namespace: ns, pod: name, container, isDefaultContainer: container === defaultContainer, previous,
          tailLines: ctx.logTailLines, sinceSeconds: previous ? undefined : ctx.logSinceSeconds,
        }));
        if (r.error !== undefined) errors.push(r.error);
        else if (r.value) inputs.push({ component, source: `${name}${containers.length > 1 ? `/${container}` : ''}${previous ? ' (previous)' : ''}`, text: r.value });
      }
    }
  }
  return inputs;
}

const workerList = (ids: readonly number[]) => `worker${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`;

/** The signature hits (naming the workers that logged each, for a component run with --workers) and the unmatched errors. */
export function hitEvidence(s: ScanSummary): Evidence[] {
  const out: Evidence[] = Object.entries(s.workers).map(([component, ids]) => ({
    text: `${component} runs with --workers: its lines name ${workerList(ids!)} (a worker's own lines and its primary's about it carry its id)`,
    data: { component, workers: ids },
  }));
  out.push(...s.hits.map((h) => ({
    text: `${h.component}: ${h.count} x "${h.signature.title}"${h.workers.length > 0 ? ` (${workerList(h.workers)})` : ''} -> ${h.signature.cause === 'unknown' ? h.signature.meaning : `${h.signature.cause}: ${h.signature.meaning}`}`,
    data: { component: h.component, signature: h.signature.id, cause: h.signature.cause, count: h.count, sources: h.sources, samples: h.samples, ...(h.workers.length > 0 ? { workers: h.workers } : {}) },
  })));
  for (const u of s.unmatchedErrors) {
    out.push({ text: `${u.component}: ${u.count} error line(s) matching no known signature`, data: { component: u.component, count: u.count, samples: u.samples } });
  }
  return out;
}

/** Folds signature hits into suspects: one per cause, with the strongest confidence and the biggest count. */
export function suspectsFromScan(s: ScanSummary): Suspect[] {
  const out = new Map<string, Suspect>();
  for (const h of s.hits) {
    if (h.signature.cause === 'unknown') continue;
    const prev = out.get(h.signature.cause);
    const because = `${h.count} x "${h.signature.title}" in the ${h.component} log`;
    if (!prev || (prev.confidence === 'possible' && h.signature.confidence !== 'possible')) {
      out.set(h.signature.cause, { cause: h.signature.cause, confidence: h.signature.confidence, because });
    }
  }
  return [...out.values()];
}

export async function runLogsCheck(ctx: CheckContext): Promise<CheckResult> {
  const errors: string[] = [];
  const inputs: LogInput[] = [];
  const read: string[] = [];
  for (const [component, list] of [['fleet-manager', fleetManagerPods], ['token-refresher', refresherPods]] as const) {
    const pods = await tryFacts(() => list(ctx));
    if (pods.error !== undefined) { errors.push(pods.error); continue; }
    const got = await podInputs(ctx, component, pods.value, errors);
    inputs.push(...got);
    read.push(`${component}: ${pods.value.length} pod(s), ${got.length} log(s)`);
  }
  const loose = await tryFacts(() => ctx.facts.looseLogs());
  for (const l of loose.value ?? []) {
    const component = (Object.keys(LOOSE_HINTS) as LogComponent[]).find((c) => LOOSE_HINTS[c].test(l.name));
    if (component) {
      inputs.push({ component, source: l.name, text: l.text });
      read.push(`${component}: file ${l.name}`);
    }
  }
  if (inputs.length === 0) {
    return skipped('logs', TITLE, errors.length > 0 ? `no log could be read: ${errors[0]}` : 'no fleet-manager or token-refresher log found');
  }
  const scan = scanLogs(inputs, { secrets: ctx.secrets });
  const suspects = suspectsFromScan(scan);
  const evidence: Evidence[] = [
    { text: `scanned ${scan.linesScanned} line(s): ${read.join('; ')}`, data: { linesScanned: scan.linesScanned } },
    ...hitEvidence(scan),
    ...[...new Set(errors)].slice(0, 3).map((e) => ({ text: `not read: ${e}` })),
  ];
  const strong = suspects.filter((s) => s.confidence !== 'possible');
  const status = strong.length > 0 ? 'fail' : scan.hits.length > 0 || scan.unmatchedErrors.length > 0 ? 'warn' : 'ok';
  const top = scan.hits[0];
  const summary = top
    ? `${scan.hits.reduce((n, h) => n + h.count, 0)} known error line(s); most frequent: ${top.count} x "${top.signature.title}" (${top.component})`
    : scan.unmatchedErrors.length > 0 ? 'error lines found, none matching a known signature' : 'no known error signature in the recent logs';
  return checkResult('logs', TITLE, {
    status, summary, evidence, suspects,
    ...(status !== 'ok' ? { fix: 'Follow the suspected cause below; the samples show the first and latest occurrence.' } : {}),
  });
}
