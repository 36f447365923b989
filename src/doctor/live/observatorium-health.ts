// Runbook step 5, live: is the Observatorium instance healthy? `/query` and `/query_range` through the
// refresher (what the fleet manager does) and directly with step 3's token (the refresher out of the way),
// each timed; failures classified from the typed error bodies (errorType, hop, reason: src/http/errors.ts)
// by the same client the fleet manager uses; and the API's own request counters when its /metrics answers.

import { Registry } from 'prom-client';
import { ObservatoriumClient, ObservatoriumError } from '../../client/index.js';
import type { RootCauseId } from '../causes.js';
import { checkResult, skipped, type CheckResult, type Confidence, type Evidence, type Suspect } from '../report.js';
import type { GrantOutcome } from './grant.js';
import { causeOfTokenFailure } from './grant.js';
import { AUTH_401_REASONS } from '../../errors/index.js';
import { readAuthReason } from '../logs/catalog-signatures.js';
import { compareTokenClaims } from '../checks/token-claims.js';
import type { LiveTargets } from './targets.js';

const TITLE = 'Observatorium instance is up';
/** Slower than this on a query of vector(1) is worth a warning. */
const SLOW_MS = 2000;

interface Call { path: 'query' | 'query_range'; via: 'refresher' | 'direct'; ms: number; error?: ObservatoriumError | Error }

/** What the rest of the run knows that changes how a failed call reads. */
export interface CallContext {
  /** Step 3's fresh token carries the audience the tenant verifies (a 401 is then not about the audience). */
  audienceMatches?: boolean;
  /** The URL is the environment's, naming the expected tenant (a 404 unknown tenant is then the API's side). */
  urlNamesExpectedTenant?: boolean;
}

type Reading = { cause: RootCauseId; confidence: Confidence; what: string };

/** A 401 by its reason (src/errors/api.ts AUTH_401_REASONS): each reason its own cause, or evidence only. */
function classify401(e: ObservatoriumError, via: Call['via'], ctx: CallContext): Reading | undefined {
  const whose = via === 'refresher' ? 'the refresher\'s token' : 'step 3\'s fresh token';
  const r = readAuthReason(e.reason);
  const said = AUTH_401_REASONS[e.reason as keyof typeof AUTH_401_REASONS];
  if (r.cause !== 'unknown') return { cause: r.cause, confidence: 'likely', what: `the API rejects ${whose} (401 ${e.reason}): ${said}` };
  if (e.reason === undefined && !ctx.audienceMatches) {
    return { cause: 'audience-mismatch', confidence: 'possible', what: 'the API rejects the token (401 without a reason): see step 3' };
  }
  return undefined;
}

/** What a failed call says about the cause, and how sure that is. */
export function classifyCallError(e: ObservatoriumError, via: Call['via'], ctx: CallContext = {}): Reading | undefined {
  const hop = e.hop;
  if (e.status === 429) return { cause: 'rate-limited', confidence: 'confirmed', what: 'the API rate-limits the tenant (429)' };
  if (e.kind === 'network' && e.reason === 'tls') return { cause: 'tls-untrusted', confidence: 'confirmed', what: `the TLS handshake with the ${via === 'direct' ? 'Observatorium URL' : 'refresher'} fails: ${e.message}` };
  if (hop === 'backend' || hop === 'store') return { cause: 'backend-down', confidence: 'confirmed', what: `the API's backend fails: ${e.status} ${e.errorType}${e.reason ? ` (${e.reason})` : ''}` };
  if (hop === 'token-refresher') {
    if (e.errorType === 'token_unavailable') {
      const c = e.reason ? causeOfTokenFailure(e.reason) : undefined;
      return c ? { cause: c.cause, confidence: 'likely', what: `the refresher holds no token: ${e.reason}` } : undefined;
    }
    if (e.errorType === 'upstream_unreachable' && e.reason === 'tls') return { cause: 'tls-untrusted', confidence: 'confirmed', what: `the refresher refuses Observatorium's TLS certificate: ${e.message}` };
    if (e.errorType === 'upstream_unreachable' || e.errorType === 'upstream_timeout') return { cause: 'observatorium-unreachable', confidence: 'likely', what: `the refresher cannot reach Observatorium: ${e.errorType} (${e.reason ?? '?'})` };
    if (e.kind === 'network') return { cause: 'refresher-unreachable', confidence: 'likely', what: `no answer from the refresher (${e.reason})` };
    return undefined;
  }
  if (e.kind === 'network') {
    if (via === 'direct') return { cause: 'observatorium-unreachable', confidence: 'likely', what: `no answer from the Observatorium URL (${e.reason})` };
    return { cause: 'refresher-unreachable', confidence: 'likely', what: `no answer from the refresher (${e.reason})` };
  }
  if (e.status === 401) return classify401(e, via, ctx);
  if (e.status === 403) return { cause: 'rbac-denied', confidence: via === 'direct' ? 'confirmed' : 'likely', what: 'the API denies the client read access (403)' };
  if (e.status === 404 && e.reason === 'unknown_tenant' && ctx.urlNamesExpectedTenant) return { cause: 'tenant-not-registered', confidence: 'likely', what: 'the API does not know the expected tenant the URL names (404 unknown_tenant)' };
  if (e.status === 404) return { cause: 'wrong-observatorium-url', confidence: 'likely', what: `404 ${e.message}` };
  if (e.status >= 500) return { cause: 'observatorium-down', confidence: 'confirmed', what: `the Observatorium API answers ${e.status} ${e.errorType}${e.hop ? ` (hop ${e.hop})` : ''}` };
  return undefined;
}

/**
 * A refresher token the API refuses for its key while step 3's fresh token works directly: the refresher
 * holds a token signed by a key the issuer no longer publishes. Confirmed only with both halves.
 */
function confirmStaleKey(suspects: Map<RootCauseId, Suspect>, all: readonly Call[]): void {
  const s = suspects.get('stale-signing-key');
  const freshWorks = all.some((c) => c.via === 'direct' && !c.error);
  const viaRefresher = all.some((c) => c.via === 'refresher' && c.error instanceof ObservatoriumError && (c.error.reason === 'unknown_key' || c.error.reason === 'bad_signature'));
  if (s && freshWorks && viaRefresher) {
    suspects.set('stale-signing-key', { ...s, confidence: 'confirmed', because: `${s.because}; a fresh token from the issuer works directly, so the refresher's token is signed by a key the issuer no longer publishes` });
  }
}

async function calls(client: ObservatoriumClient, via: Call['via'], timeoutMs: number): Promise<Call[]> {
  const one = async (path: Call['path'], fn: () => Promise<unknown>): Promise<Call> => {
    const t0 = performance.now();
    try {
      await fn();
      return { path, via, ms: Math.round(performance.now() - t0) };
    } catch (err) {
      return { path, via, ms: Math.round(performance.now() - t0), error: err as Error };
    }
  };
  const now = Date.now();
  return Promise.all([
    one('query', () => client.query('vector(1)', { timeoutMs })),
    one('query_range', () => client.queryRange('vector(1)', { startMs: now - 300_000, endMs: now, stepS: 60, timeoutMs })),
  ]);
}

const normalUrl = (u: string | undefined) => u?.trim().replace(/\/+$/, '');

async function callContext(t: LiveTargets, grant: Promise<GrantOutcome>): Promise<CallContext> {
  const g = await grant;
  const audienceMatches = g.token && t.tenantExpectation ? !compareTokenClaims(g.token, t.tenantExpectation, new Date(), { checkExpiry: false }).findings.some((f) => f.cause === 'audience-mismatch') : undefined;
  return { audienceMatches, urlNamesExpectedTenant: urlNamesExpectedTenant(t) };
}

/** The refresher's URL is the environment's own, ending in the expected tenant. */
export function urlNamesExpectedTenant(t: Pick<LiveTargets, 'observatoriumUrl' | 'expectedObservatoriumUrl' | 'tenant'>): boolean {
  const url = normalUrl(t.observatoriumUrl);
  return !!url && !!t.tenant && url === normalUrl(t.expectedObservatoriumUrl) && url.endsWith(`/${t.tenant}`);
}

/** The API's own request counters (http_requests_total of the query handlers by code; rejections by reason). */
async function apiRequestCounts(t: LiveTargets): Promise<Evidence | undefined> {
  if (!t.apiInternalUrl) return undefined;
  const res = await fetch(`${t.apiInternalUrl.replace(/\/+$/, '')}/metrics`, { signal: AbortSignal.timeout(t.timeouts.httpMs) }).catch(() => undefined);
  if (!res || !res.ok) return { text: `the API's metrics at ${t.apiInternalUrl}/metrics: ${res ? `answered ${res.status}` : 'no answer'}` };
  const text = await res.text();
  const byCode: Record<string, number> = {};
  const rejected: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^http_requests_total\{([^}]*)\} ([0-9.e+]+)/.exec(line);
    if (m && /handler="query(_range)?"/.test(m[1]!)) {
      const code = /code="(\d+)"/.exec(m[1]!)?.[1] ?? '?';
      byCode[code] = (byCode[code] ?? 0) + Number(m[2]);
    }
    const r = /^observatorium_api_requests_rejected_total\{([^}]*)\} ([0-9.e+]+)/.exec(line);
    if (r) { const reason = /reason="([^"]+)"/.exec(r[1]!)?.[1] ?? '?'; rejected[reason] = (rejected[reason] ?? 0) + Number(r[2]); }
  }
  const fmt = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
  const workers = workersOfMetrics(text);
  return {
    text: `the API's own counters since it started: query/query_range requests by code {${fmt(byCode)}}; rejected by reason {${fmt(rejected)}}${workers ? `; ${workers.text}` : ''}`,
    data: { byCode, rejected, ...(workers ? { workers: workers.data } : {}) },
  };
}

/**
 * A component run with `--workers N` says so on its /metrics (src/workers/metrics.ts): how many workers, how
 * many serve, how often the primary restarted one. Undefined for a single process.
 */
export function workersOfMetrics(text: string): { text: string; data: { workers: number; started: number; restarts: number } } | undefined {
  const read = (name: string) => {
    const m = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const workers = read('obspath_workers');
  if (workers === undefined) return undefined;
  const started = read('obspath_workers_started') ?? 0;
  const restarts = read('obspath_worker_restarts_total') ?? 0;
  return { text: `it runs ${workers} worker process(es) (--workers ${workers}): ${started} serving, ${restarts} restarted by its primary`, data: { workers, started, restarts } };
}

export async function runLiveObservatoriumHealthCheck(t: LiveTargets, grant: Promise<GrantOutcome>): Promise<CheckResult> {
  if (!t.refresherUrl && !t.observatoriumUrl) return skipped('observatorium-health', TITLE, 'neither the refresher nor the Observatorium URL is known');
  const registry = new Registry();
  const clients: ObservatoriumClient[] = [];
  const evidence: Evidence[] = [];
  try {
    const refresherMs = t.timeouts.refresherQueryMs ?? t.timeouts.queryMs;
    const viaRefresher = t.refresherUrl ? new ObservatoriumClient({ baseUrl: t.refresherUrl, target: 'token-refresher', registry, timeoutMs: refresherMs, connectTimeoutMs: t.timeouts.connectMs }) : undefined;
    if (viaRefresher) clients.push(viaRefresher);
    const [refresherCalls, directCalls, counts] = await Promise.all([
      viaRefresher ? calls(viaRefresher, 'refresher', refresherMs) : Promise.resolve([]),
      (async () => {
        const g = await grant;
        if (!t.observatoriumUrl) return [];
        if (!g.token) { evidence.push({ text: `direct queries to ${t.observatoriumUrl} not made: no token from step 3 (${g.skipped ?? g.failure?.reason})` }); return []; }
        let direct: ObservatoriumClient;
        try {
          direct = new ObservatoriumClient({ baseUrl: t.observatoriumUrl.trim(), target: 'api', registry, token: g.token, timeoutMs: t.timeouts.queryMs, connectTimeoutMs: t.timeouts.connectMs });
        } catch (err) {
          evidence.push({ text: `direct queries not made: ${(err as Error).message}` });
          return [];
        }
        clients.push(direct);
        return calls(direct, 'direct', t.timeouts.queryMs);
      })(),
      apiRequestCounts(t),
    ]);
    const all = [...refresherCalls, ...directCalls];
    const callCtx = await callContext(t, grant);
    const suspects = new Map<RootCauseId, Suspect>();
    const rank = { confirmed: 3, likely: 2, possible: 1 } as const;
    for (const c of all) {
      const where = c.via === 'refresher' ? `through the refresher (${t.refresherUrl})` : `directly (${t.observatoriumUrl?.trim()}) with step 3's token`;
      if (!c.error) {
        evidence.push({ text: `/${c.path} ${where}: 200 in ${c.ms} ms${c.ms > SLOW_MS ? ' (slow)' : ''}`, data: { path: c.path, via: c.via, status: 200, ms: c.ms } });
        continue;
      }
      const e = c.error;
      if (!(e instanceof ObservatoriumError)) { evidence.push({ text: `/${c.path} ${where}: ${e.message}` }); continue; }
      const cls = classifyCallError(e, c.via, callCtx);
      evidence.push({ text: `/${c.path} ${where}: ${e.describe()} after ${c.ms} ms`, data: { path: c.path, via: c.via, status: e.status, errorType: e.errorType, hop: e.hop, reason: e.reason, ms: c.ms } });
      if (cls) {
        const prev = suspects.get(cls.cause);
        if (!prev || rank[cls.confidence] > rank[prev.confidence]) suspects.set(cls.cause, { cause: cls.cause, confidence: cls.confidence, because: `/${c.path} ${c.via === 'refresher' ? 'through the refresher' : 'direct'}: ${cls.what}` });
      }
    }
    confirmStaleKey(suspects, all);
    if (counts) evidence.push(counts);
    if (t.timeouts.basis?.length) evidence.push({ text: `query timeouts: ${t.timeouts.basis.join('; ')}`, data: { refresherQueryMs: refresherMs, directQueryMs: t.timeouts.queryMs } });

    const failed = all.filter((c) => c.error);
    const slow = all.filter((c) => !c.error && c.ms > SLOW_MS);
    const list = [...suspects.values()].sort((a, b) => rank[b.confidence] - rank[a.confidence]);
    const status: CheckResult['status'] = failed.length > 0 ? 'fail' : slow.length > 0 ? 'warn' : all.length === 0 ? 'skipped' : 'ok';
    if (status === 'skipped') return skipped('observatorium-health', TITLE, evidence[0]?.text ?? 'no query could be made');
    const okMs = all.filter((c) => !c.error).map((c) => c.ms);
    return checkResult('observatorium-health', TITLE, {
      status, evidence, suspects: list,
      summary: status === 'ok' ? `${all.length} queries answered 200 (slowest ${Math.max(...okMs)} ms)`
        : status === 'warn' ? `queries answer, but slowly (${Math.max(...okMs)} ms)`
          : list[0]?.because ?? `${failed.length} of ${all.length} queries failed`,
      ...(status !== 'ok' ? { fix: list[0] ? (list[0].cause === 'rate-limited' ? 'lower the query rate or raise the tenant\'s limit' : list[0].cause === 'backend-down' ? 'check the metrics backend (Thanos querier / store) behind the API; escalate to Observatorium' : 'check the Observatorium API (dashboard /query and /query_range panels); escalate to Observatorium') : 'see the evidence' } : {}),
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
