// Runbook step 5, live, from the API's own side: its rejection counters (observatorium_api_requests_rejected_total
// by reason) say whether the API is failing other clients right now, even when a fault nearer the fleet manager
// keeps the doctor's own queries from reaching it (no token, a hung refresher). A counter only counts since the
// API started, so a failure is named only when the counter still grows: it is read again after a short window.

import type { RootCauseId } from '../causes.js';
import { checkResult, type CheckResult, type Confidence, type Evidence, type Suspect } from '../report.js';
import type { LiveTargets } from './targets.js';

const TITLE = 'Observatorium instance is up';

/** Rejection reasons that name a fault on the fleet manager's path whoever the client is. */
const FAULT_OF: Readonly<Record<string, { cause: RootCauseId; confidence: Confidence; what: string }>> = {
  backend: { cause: 'backend-down', confidence: 'confirmed', what: 'requests failing at its backend' },
  ratelimit: { cause: 'rate-limited', confidence: 'likely', what: 'requests over the tenant\'s rate limit' },
};

/** Default window between the two readings: longer than the probe's 2 s period and the API's 3 s backend deadline. */
export const COUNTER_WINDOW_MS = 3500;

/** Rejections by reason, then by handler, from the API's /metrics text. */
export function parseRejections(text: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const line of text.split('\n')) {
    const m = /^observatorium_api_requests_rejected_total\{([^}]*)\} ([0-9.e+]+)/.exec(line);
    if (!m) continue;
    const reason = /reason="([^"]+)"/.exec(m[1]!)?.[1] ?? '?';
    const handler = /handler="([^"]*)"/.exec(m[1]!)?.[1] ?? '?';
    const byHandler = (out[reason] ??= {});
    byHandler[handler] = (byHandler[handler] ?? 0) + Number(m[2]);
  }
  return out;
}

async function readRejections(t: LiveTargets): Promise<Record<string, Record<string, number>> | undefined> {
  const url = `${t.apiInternalUrl!.replace(/\/+$/, '')}/metrics`;
  const res = await fetch(url, { signal: AbortSignal.timeout(t.timeouts.httpMs) }).catch(() => undefined);
  if (!res?.ok) return undefined;
  return parseRejections(await res.text());
}

const total = (byHandler: Record<string, number> | undefined) => Object.values(byHandler ?? {}).reduce((a, b) => a + b, 0);

/**
 * Reads the API's rejections of FAULT_OF's reasons twice, `windowMs` apart (only when there are any: a healthy
 * API costs one reading). Nothing to add (no counters, none of those rejections) is an ok result without evidence.
 */
export async function runLiveApiCountersCheck(t: LiveTargets, opts: { windowMs?: number } = {}): Promise<CheckResult> {
  const quiet = () => checkResult('observatorium-health', TITLE, { status: 'ok', summary: 'the API rejects nothing for a backend or rate-limit reason' });
  if (!t.apiInternalUrl) return quiet();
  const first = await readRejections(t);
  if (!first || Object.keys(FAULT_OF).every((r) => total(first[r]) === 0)) return quiet();
  const windowMs = opts.windowMs ?? COUNTER_WINDOW_MS;
  await new Promise((r) => setTimeout(r, windowMs));
  const second = await readRejections(t);
  if (!second) return quiet();
  const evidence: Evidence[] = [];
  const suspects: Suspect[] = [];
  for (const [reason, fault] of Object.entries(FAULT_OF)) {
    const since = total(second[reason]);
    const grew = Object.entries(second[reason] ?? {}).map(([h, n]) => [h, n - (first[reason]?.[h] ?? 0)] as const).filter(([, d]) => d > 0);
    const delta = grew.reduce((a, [, d]) => a + d, 0);
    if (since === 0) continue;
    const handlers = grew.map(([h, d]) => `${h}: ${d}`).join(', ');
    evidence.push({
      text: `the API's own counters: ${delta} ${fault.what} (reason ${reason}) in the last ${(windowMs / 1000).toFixed(1)} s${delta > 0 ? ` (${handlers})` : ''}; ${since} since it started`,
      data: { reason, delta, windowMs, sinceStart: since, byHandler: Object.fromEntries(grew) },
    });
    if (delta > 0) suspects.push({ cause: fault.cause, confidence: fault.confidence, because: `the API counts ${delta} ${fault.what} in ${(windowMs / 1000).toFixed(1)} s (observatorium_api_requests_rejected_total{reason="${reason}"}: ${handlers})` });
  }
  if (suspects.length === 0) return checkResult('observatorium-health', TITLE, { status: 'ok', summary: 'the API\'s past rejections have stopped', evidence });
  return checkResult('observatorium-health', TITLE, {
    status: 'fail', summary: suspects[0]!.because, evidence, suspects,
    fix: suspects[0]!.cause === 'backend-down' ? 'check the metrics backend behind the API; escalate to Observatorium' : 'lower the query rate or raise the tenant\'s limit',
  });
}
