// Each hop's state from what the stack shows right now: the supervisor's view of each process, readiness, and the
// recent outcomes of the requests crossing the hop (the fleet manager's, the refresher's, the API's and the
// dashboard user's counters). Pure: the watcher gathers an Observation, this says which hop is broken and why.
import { total, type Counts } from './counters.js';

export const HOP_IDS = ['user', 'fleet-manager', 'network', 'token-refresher', 'issuer', 'api', 'store', 'probe'] as const;
export type HopId = (typeof HOP_IDS)[number];
export type HopState = 'ok' | 'degraded' | 'down' | 'unknown';

export interface HopView {
  state: HopState;
  /** One human sentence: why it is not ok, or what shows it is ok. */
  reason: string;
}

/** One process as the supervisor and its readiness endpoint show it. */
export interface ProcessView {
  /** Absent from the stack's plan (a fault replaced or removed it). */
  planned: boolean;
  running: boolean;
  crashLooping: boolean;
  restarts: number;
  lastExitCode?: number | null;
  /** ms since its last exit. */
  lastExitAgoMs?: number;
  /** undefined: not asked (or no answer yet). */
  ready?: boolean;
  readyDetail?: string;
}

export interface Observation {
  processes: Partial<Record<'issuer' | 'store' | 'api' | 'token-refresher' | 'fleet-manager' | 'probe', ProcessView>>;
  /** The fleet manager's Observatorium requests lately: by code ("0": no response), and the no-response reasons. */
  fleet?: { codes: Counts; failures: Counts };
  /** The refresher lately: token errors by reason, upstream no-response reasons, codes it answered; up = holds a token. */
  refresher?: { tokenErrors: Counts; upstreamFailures: Counts; codes: Counts; up?: number; lastTokenError?: string };
  /** The API lately: codes it answered, and why it answered requests itself. */
  api?: { codes: Counts; rejected: Counts };
  /** up_probe_success: the probe's last round. */
  probeSuccess?: number;
  /** The dashboard user's answers lately, by code ("0": no response). */
  user?: Counts;
  /** Doctor serve's top verdict, mapped to a hop, while alerts fire. */
  verdict?: { cause: string; hop: HopId };
  /** Hops that were not ok a moment ago: what they broke may still show in the other hops' recent counters. */
  recentlyNotOk?: ReadonlySet<HopId>;
}

const ok = (why: string): HopView => ({ state: 'ok', reason: why });
const down = (why: string): HopView => ({ state: 'down', reason: why });
const degraded = (why: string): HopView => ({ state: 'degraded', reason: why });
const RANK: Record<HopState, number> = { ok: 0, unknown: 1, degraded: 2, down: 3 };
const worse = (a: HopView, b: HopView): HopView => (RANK[b.state] > RANK[a.state] ? b : a);

const codesText = (c: Counts): string => Object.entries(c).sort().map(([k, v]) => `${v}x ${k === '0' ? 'no answer' : k}`).join(', ');
const pick = (c: Counts, pred: (code: string) => boolean): Counts => Object.fromEntries(Object.entries(c).filter(([k]) => pred(k)));
const is2xx = (code: string) => /^2\d\d$/.test(code);

/**
 * The supervisor's crash-loop flag changes only at an exit: a process running this long since its last exit (past
 * the supervisor's 10 s "started fine" mark plus its longest backoff) has left the loop.
 */
const CRASH_LOOP_QUIET_MS = 20_000;

/** The process itself: not running, crash-looping or not ready is down; undefined when it looks fine. */
export function processState(name: string, p: ProcessView | undefined): HopView | undefined {
  if (!p || !p.planned) return down(`${name} is not running in this stack`);
  if (p.crashLooping && (!p.running || (p.lastExitAgoMs ?? 0) < CRASH_LOOP_QUIET_MS)) return down(`crash loop: ${name} exited ${p.restarts} time(s), last exit code ${p.lastExitCode ?? '-'}; restarted with backoff`);
  if (!p.running) return down(`${name} is not running (exit code ${p.lastExitCode ?? '-'})`);
  if (p.ready === false) return down(`${name} is not ready${p.readyDetail ? `: ${p.readyDetail}` : ''}`);
  return undefined;
}

/** Token error reasons that mean the issuer could not be reached (oauth/client.ts), as opposed to a refusal. */
const ISSUER_TRANSPORT = new Set(['issuer_unreachable', 'issuer_timeout', 'issuer_tls', 'issuer_dns']);

function userHop(o: Observation): HopView {
  const u = o.user ?? {};
  if (total(u) === 0) return { state: 'unknown', reason: 'no dashboard request answered yet' };
  const bad = pick(u, (c) => !is2xx(c));
  if (total(bad) === 0) return ok(`the dashboard user's requests to the fleet manager succeed (${total(u)} lately)`);
  if (bad['0']) return down(`the dashboard user gets no answer from the fleet manager (${codesText(u)})`);
  return degraded(`the dashboard user gets errors from the fleet manager (${codesText(u)})`);
}

function fleetHop(o: Observation): HopView {
  const p = processState('the fleet manager', o.processes['fleet-manager']);
  if (p) return p;
  const codes = o.fleet?.codes ?? {};
  if (total(codes) === 0) return ok('serving; no Observatorium request lately');
  const good = total(pick(codes, is2xx));
  return ok(`serving; ${good} of ${total(codes)} Observatorium requests answered 2xx lately`);
}

function networkHop(o: Observation): HopView {
  if (!o.fleet) return { state: 'unknown', reason: "the fleet manager's metrics cannot be read" };
  const timeouts = o.fleet.failures.timeout ?? 0;
  // A refresher that is itself not serving explains the timeouts (a hung process accepts and never answers).
  if (timeouts > 0 && processState('', o.processes['token-refresher'])) return ok("the fleet manager's requests time out, but the token refresher itself is not serving");
  if (timeouts > 0) return down(`the fleet manager's requests to the token refresher time out: no answer (${timeouts} lately), as when a NetworkPolicy drops them`);
  return ok('the fleet manager reaches the token refresher');
}

/** Why the fleet manager's failing requests fail, for the hops whose own signals say nothing (e.g. a stand-in answering). */
function fleetCodeBlame(o: Observation, code: string, n: number): { hop: HopId; view: HopView } | undefined {
  const answered = `the fleet manager's Observatorium requests get ${code} (${n} lately)`;
  if (code === '0') return (o.fleet?.failures.refused ?? 0) > 0 ? { hop: 'token-refresher', view: down(`refuses connections: ${answered.replace(` ${code} `, ' no answer ')}`) } : undefined;
  if (code === '429') return { hop: 'api', view: degraded(`rate limits the tenant: ${answered}`) };
  if (code === '504') return { hop: 'store', view: degraded(`too slow: the API gives up waiting for it; ${answered}`) };
  if (code === '503') return { hop: 'token-refresher', view: down(`holds no token: ${answered}`) };
  if (/^[45]\d\d$/.test(code)) return { hop: 'api', view: down(`answers errors: ${answered}`) };
  return undefined;
}

function refresherHop(o: Observation, apiProblem: boolean): HopView {
  const p = processState('the token refresher', o.processes['token-refresher']);
  if (p && !(p.state === 'down' && p.reason.includes('not ready'))) return p;
  const r = o.refresher;
  const lastErr = r?.lastTokenError;
  if (p || r?.up === 0) {
    if (lastErr && ISSUER_TRANSPORT.has(lastErr)) return degraded(`holds no token: it cannot reach the issuer (${lastErr})`);
    if (lastErr) return down(`holds no token: the issuer refuses its request (${lastErr}); check CLIENT_ID and CLIENT_SECRET`);
    return p ?? down('holds no token');
  }
  const upstream = r?.upstreamFailures ?? {};
  if (total(upstream) > 0 && !apiProblem) {
    return down(`its Observatorium URL answers nothing (${codesText(upstream).replace(/no answer/g, '')}); check OBSERVATORIUM_URL`);
  }
  return ok('holds a token and proxies the fleet manager\'s requests');
}

function issuerHop(o: Observation): HopView {
  const p = processState('the issuer', o.processes.issuer);
  if (p) return p;
  const lastErr = o.refresher?.lastTokenError;
  if (o.refresher?.up === 0 && lastErr && ISSUER_TRANSPORT.has(lastErr)) {
    return down(`the token refresher cannot reach it (${lastErr}): SSO down, slow, or egress to it cut`);
  }
  return ok('serves tokens (discovery answers)');
}

/** The API says it is not ready because of its backend (its /ready names the backend). */
const apiBlamesBackend = (o: Observation): boolean => o.processes.api?.ready === false && /backend/i.test(o.processes.api.readyDetail ?? '');

function apiHop(o: Observation, storeNotOk: boolean): HopView {
  const p = processState('the Observatorium API', o.processes.api);
  if (p && (storeNotOk || apiBlamesBackend(o)) && p.reason.includes('not ready')) return degraded('not ready: its backend, the store, is down or does not answer in time');
  if (p) return p;
  const rejected = o.api?.rejected ?? {};
  // Rejections among answered requests (one stray 401 after a restart) are a degradation; with none answered, an outage.
  const refusal = total(pick(o.api?.codes ?? {}, is2xx)) > 0 ? degraded : down;
  if (rejected.auth) return refusal(`rejects the refresher's tokens (401, ${rejected.auth} lately): wrong audience or issuer`);
  if (rejected.not_found) return refusal(`answers 404 (${rejected.not_found} lately): the refresher's URL names a wrong path or tenant`);
  if (rejected.ratelimit) return degraded(`rate limits the tenant (429, ${rejected.ratelimit} lately)`);
  if (rejected.rbac) return refusal(`denies the tenant's reads (403, ${rejected.rbac} lately)`);
  return ok('ready: issuer keys fetched, backend reachable');
}

function storeHop(o: Observation): HopView {
  const p = processState('the store', o.processes.store);
  if (p) return p;
  if (apiBlamesBackend(o)) return down(`the API cannot reach it: ${o.processes.api!.readyDetail}`);
  const backend = o.api?.rejected.backend ?? 0;
  const answered = total(pick(o.api?.codes ?? {}, is2xx));
  if (backend > 0 && answered === 0) return down(`the API's requests to it fail or time out (${backend} lately, none answered)`);
  if (backend > 0) return degraded(`some of the API's requests to it fail or time out (${backend} lately)`);
  return ok('ready: ingesting, scraping and evaluating alert rules');
}

function probeHop(o: Observation): HopView {
  const p = processState('the probe', o.processes.probe);
  if (p) return p;
  if (o.probeSuccess === 0) return degraded('its synthetic write -> read-back fails (up_probe_success 0)');
  if (o.probeSuccess === undefined) return { state: 'unknown', reason: 'no probe round reported yet' };
  return ok('its synthetic write -> read-back succeeds');
}

/** Every hop's state, in path order. */
export function deriveHops(o: Observation): Record<HopId, HopView> {
  const store = storeHop(o);
  const api = apiHop(o, store.state !== 'ok');
  const apiProblem = api.state !== 'ok' || store.state !== 'ok' || o.recentlyNotOk?.has('api') === true || o.recentlyNotOk?.has('store') === true;
  const hops: Record<HopId, HopView> = {
    user: userHop(o), 'fleet-manager': fleetHop(o), network: networkHop(o),
    'token-refresher': refresherHop(o, apiProblem), issuer: issuerHop(o), api, store, probe: probeHop(o),
  };
  // Failing codes at the fleet manager no direct signal explains yet (e.g. a stand-in answering in a hop's place):
  // blamed on the hop that answers them, unless another hop of the path is (or just was) broken.
  const path: HopId[] = ['network', 'token-refresher', 'issuer', 'api', 'store'];
  const direct = new Set(path.filter((h) => hops[h].state !== 'ok' || o.recentlyNotOk?.has(h)));
  for (const [code, n] of Object.entries(pick(o.fleet?.codes ?? {}, (c) => !is2xx(c)))) {
    const blame = fleetCodeBlame(o, code, n);
    if (blame && ![...direct].some((h) => h !== blame.hop)) hops[blame.hop] = worse(hops[blame.hop], blame.view);
  }
  // The doctor's verdict names the cause on a broken hop; it never breaks a hop itself (it outlives the fault: its
  // alerts keep firing for their rate window after the fault is gone).
  const v = o.verdict && hops[o.verdict.hop];
  if (v && v.state !== 'ok') v.reason = `${v.reason}; the doctor's verdict: ${o.verdict!.cause}`;
  return hops;
}
