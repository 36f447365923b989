// Reading the stack's live signals over loopback, each with a deadline: readiness endpoints, /metrics bodies, the
// store's alerts and doctor serve's latest verdict. A call that fails or times out is "no answer", never a throw.
import { request } from 'undici';
import { FAULTS } from '../faults.js';
import type { HopId } from './derive.js';

/** Deadline of each call of one poll: generous for 2 shared cores, short enough that a poll stays near 1 s. */
export const CALL_TIMEOUT_MS = 2000;

async function get(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await request(url, { headersTimeout: CALL_TIMEOUT_MS, bodyTimeout: CALL_TIMEOUT_MS, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    return { status: res.statusCode, body: await res.body.text() };
  } catch {
    return undefined;
  }
}

function parseJson<T>(body: string): T | undefined {
  try {
    return JSON.parse(body) as T;
  } catch {
    return undefined;
  }
}

/** true: 2xx; false: another status (detail: its body's error, if any); undefined: no answer. */
export async function readiness(url: string): Promise<{ ready: boolean; detail?: string } | undefined> {
  const res = await get(url);
  if (!res) return undefined;
  if (res.status < 300) return { ready: true };
  const error = parseJson<{ error?: unknown }>(res.body)?.error;
  return { ready: false, detail: typeof error === 'string' ? error : `answers ${res.status}` };
}

/** A /metrics body, or undefined when it does not answer 200. */
export async function metricsText(url: string): Promise<string | undefined> {
  const res = await get(url);
  return res?.status === 200 ? res.body : undefined;
}

export interface StoreAlert {
  name: string;
  state: 'firing' | 'pending';
  /** ISO time the condition started holding. */
  since: string;
  summary: string;
  runbookUrl: string;
}

/** The store's firing and pending alerts (Prometheus /api/v1/alerts); undefined when it does not answer. */
export async function storeAlerts(storeUrl: string): Promise<StoreAlert[] | undefined> {
  const res = await get(`${storeUrl}/api/v1/alerts`);
  if (res?.status !== 200) return undefined;
  type Raw = { labels?: Record<string, string>; annotations?: Record<string, string>; state?: string; activeAt?: string };
  const raw = parseJson<{ data?: { alerts?: Raw[] } }>(res.body)?.data?.alerts;
  if (!raw) return undefined;
  return raw
    .filter((a) => a.state === 'firing' || a.state === 'pending')
    .map((a) => ({
      name: a.labels?.alertname ?? '?',
      state: a.state as 'firing' | 'pending',
      since: a.activeAt ?? '',
      summary: a.annotations?.summary ?? '',
      runbookUrl: a.annotations?.runbook_url ?? '',
    }));
}

export interface VerdictReading {
  /** Doctor serve's latest report as it serves it (JSON), null before its first run. */
  report: unknown;
  /** The report's top verdict's cause, or "none" when it found no fault. */
  cause?: string;
  title?: string;
  hop?: HopId;
}

/** The hop a verdict's cause belongs to: the fault catalog's (its "backend" is the console's store), else the doctor's own. */
export function hopOfVerdict(cause: string, doctorHop?: string): HopId | undefined {
  const fault = FAULTS.find((f) => f.verdict === cause);
  const hop = fault?.hop ?? doctorHop;
  if (hop === 'backend') return 'store';
  if (hop === 'observatorium-api') return 'api';
  if (hop === 'issuer' || hop === 'token-refresher' || hop === 'network' || hop === 'api' || hop === 'fleet-manager') return hop;
  return undefined;
}

/** Doctor serve's latest verdict; undefined when it does not answer, report null before its first run (404). */
export async function latestVerdict(doctorUrl: string): Promise<VerdictReading | undefined> {
  const res = await get(`${doctorUrl}/api/v1/verdict`);
  if (res?.status === 404) return { report: null };
  if (res?.status !== 200) return undefined;
  const report = parseJson<{ verdicts?: Array<{ cause: string; title?: string; hop?: string; role?: string }> }>(res.body);
  if (!report) return undefined;
  const top = report.verdicts?.find((v) => v.role === 'top') ?? report.verdicts?.[0];
  if (!top) return { report, cause: 'none' };
  return { report, cause: top.cause, title: top.title, hop: hopOfVerdict(top.cause, top.hop) };
}
