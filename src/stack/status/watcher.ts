// The stack's live status: every second (never two polls at once, every call with a deadline) it reads the
// supervisor, readiness, the components' metrics, the store's alerts and doctor serve's verdict, derives each hop's
// state, and emits a change event for what changed (hop state, alert, verdict, restart) on the StackEvents feed.
import type { StackEvents } from '../events.js';
import type { StackPlan } from '../plan.js';
import type { Supervisor } from '../supervisor.js';
import { CounterWindow, gaugeValue, growth, joined, parseMetrics, part, sumBy, total, type Counts } from './counters.js';
import { deriveHops, HOP_IDS, type HopId, type HopState, type Observation, type ProcessView } from './derive.js';
import { latestVerdict, metricsText, readiness, storeAlerts, type StoreAlert, type VerdictReading } from './signals.js';

export const POLL_INTERVAL_MS = 1000;
/** How long after a hop recovers its failures may still show in other hops' recent counters (the counters' window). */
const RECOVERY_MARGIN_MS = 6000;

export interface HopStatus { hop: HopId; state: HopState; reason: string; since: string }

export interface StatusSnapshot {
  hops: HopStatus[];
  alerts: StoreAlert[];
  /** Doctor serve's latest report (JSON) or null. */
  verdict: unknown;
}

type ProcessName = keyof Observation['processes'];
const PROCESSES: ProcessName[] = ['issuer', 'store', 'api', 'token-refresher', 'fleet-manager', 'probe'];
/** The hop a supervised component's restart belongs to. */
const HOP_OF_COMPONENT: Record<string, HopId | undefined> = { issuer: 'issuer', store: 'store', api: 'api', 'token-refresher': 'token-refresher', 'fleet-manager': 'fleet-manager', probe: 'probe' };

export interface StatusWatcherDeps {
  plan: StackPlan;
  supervisor: Supervisor;
  events: StackEvents;
  /** The in-process dashboard user's answers by code, since start. */
  userStats: () => Record<number, number>;
  intervalMs?: number;
}

/** Counter families followed over time, each with its recent window; a request and its failure reason share one. */
class Windows {
  readonly fleet = new CounterWindow();
  readonly refresher = new CounterWindow();
  readonly tokenErrors = new CounterWindow();
  readonly api = new CounterWindow();
  readonly user = new CounterWindow();
}

export class StatusWatcher {
  readonly #d: StatusWatcherDeps;
  readonly #w = new Windows();
  #hops = new Map<HopId, HopStatus>(HOP_IDS.map((hop) => [hop, { hop, state: 'unknown', reason: 'not observed yet', since: new Date().toISOString() }]));
  #alerts: StoreAlert[] = [];
  #verdict?: VerdictReading;
  #notReadyStreak = new Map<ProcessName, number>();
  #restarts = new Map<string, number>();
  #seenKnown = new Set<HopId>();
  /** Hops that have been degraded or down at some point. */
  #wasBroken = new Set<HopId>();
  #tokenErrorTotals?: Counts;
  #lastTokenError?: string;
  #timer?: NodeJS.Timeout;
  #stopped = false;
  #polled?: () => void;
  /** Why the last poll that failed failed (every call has its own handling: this is a bug showing). */
  lastPollError?: string;

  constructor(deps: StatusWatcherDeps) {
    this.#d = deps;
  }

  start(): void {
    void this.#loop();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  snapshot(): StatusSnapshot {
    return { hops: HOP_IDS.map((h) => ({ ...this.#hops.get(h)! })), alerts: this.#alerts.map((a) => ({ ...a })), verdict: this.#verdict?.report ?? null };
  }

  /** Resolves after the next poll completes (tests, and the first status after start). */
  nextPoll(): Promise<void> {
    return new Promise((resolve) => {
      const prev = this.#polled;
      this.#polled = () => { prev?.(); resolve(); };
    });
  }

  async #loop(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.pollOnce();
    } catch (err) {
      // A poll must never kill the watcher; the next one starts afresh.
      this.lastPollError = (err as Error).message;
    }
    const done = this.#polled;
    this.#polled = undefined;
    done?.();
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#loop(), this.#d.intervalMs ?? POLL_INTERVAL_MS);
  }

  /** One poll: gather, derive, emit the changes. */
  async pollOnce(): Promise<void> {
    const now = Date.now();
    const { plan } = this.#d;
    const url = plan.url;
    const p = plan.ports;
    const [processes, fleet, refresher, api, probe, alerts, verdict] = await Promise.all([
      this.#processes(),
      metricsText(`${url(p.fleetManagerMetrics)}/metrics`),
      metricsText(`${url(p.refresherInternal)}/metrics`),
      metricsText(`${url(p.apiInternal)}/metrics`),
      metricsText(`${url(p.probe)}/metrics`),
      storeAlerts(url(p.store)),
      latestVerdict(plan.alertsTo.doctorUrl),
    ]);
    const obs = this.#observe(processes, { fleet, refresher, api, probe }, now);
    if (alerts) this.#alertChanges(alerts);
    if (verdict) this.#verdictChange(verdict);
    const firing = this.#alerts.some((a) => a.state === 'firing');
    if (firing && this.#verdict?.hop && this.#verdict.cause) obs.verdict = { cause: this.#verdict.cause, hop: this.#verdict.hop };
    obs.recentlyNotOk = this.#recentlyNotOk(now);
    this.#hopChanges(deriveHops(obs));
  }

  /** The supervisor's view and readiness of each process; a readiness failure counts after two polls in a row. */
  async #processes(): Promise<Observation['processes']> {
    const { plan, supervisor } = this.#d;
    const p = plan.ports;
    const readyUrl: Record<ProcessName, string> = {
      issuer: `${plan.url(p.issuer)}/health`, store: `${plan.url(p.store)}/-/ready`, api: `${plan.url(p.apiInternal)}/ready`,
      'token-refresher': `${plan.url(p.refresherInternal)}/ready`, 'fleet-manager': `${plan.url(p.fleetManagerMetrics)}/live`, probe: `${plan.url(p.probe)}/ready`,
    };
    const statuses = supervisor.status();
    this.#restartChanges(statuses);
    const out: Observation['processes'] = {};
    await Promise.all(PROCESSES.map(async (name) => {
      const s = statuses.find((x) => x.name === name);
      const planned = s !== undefined || plan.components.some((c) => c.name === name);
      const view: ProcessView = { planned, running: s?.running ?? false, crashLooping: s?.crashLooping ?? false, restarts: s?.restarts ?? 0, lastExitCode: s?.lastExit?.code, lastExitAgoMs: s?.lastExit ? Date.now() - s.lastExit.at : undefined };
      if (view.running) {
        const r = await readiness(readyUrl[name]);
        const streak = r?.ready ? 0 : (this.#notReadyStreak.get(name) ?? 0) + 1;
        this.#notReadyStreak.set(name, streak);
        if (r?.ready) view.ready = true;
        else if (streak >= 2) { view.ready = false; view.readyDetail = r?.detail ?? 'no answer'; }
      } else this.#notReadyStreak.set(name, 0);
      out[name] = view;
    }));
    return out;
  }

  #observe(processes: Observation['processes'], text: Record<'fleet' | 'refresher' | 'api' | 'probe', string | undefined>, now: number): Observation {
    const w = this.#w;
    const fleet = text.fleet === undefined ? undefined : parseMetrics(text.fleet);
    const refresher = text.refresher === undefined ? undefined : parseMetrics(text.refresher);
    const api = text.api === undefined ? undefined : parseMetrics(text.api);
    const probe = text.probe === undefined ? undefined : parseMetrics(text.probe);
    w.fleet.observe(fleet && joined({ code: sumBy(fleet, 'kas_fleet_manager_observatorium_request_count', 'code'), fail: sumBy(fleet, 'kas_fleet_manager_observatorium_request_failures_total', 'reason') }), now);
    w.refresher.observe(refresher && joined({ code: sumBy(refresher, 'http_requests_total', 'code'), fail: sumBy(refresher, 'token_refresher_upstream_failures_total', 'reason') }), now);
    w.api.observe(api && joined({ code: sumBy(api, 'http_requests_total', 'code'), rejected: sumBy(api, 'observatorium_api_requests_rejected_total', 'reason') }), now);
    w.user.observe(Object.fromEntries(Object.entries(this.#d.userStats()).map(([k, v]) => [String(k), v])), now);
    if (refresher) this.#followTokenErrors(sumBy(refresher, 'token_refresher_token_refresh_errors_total', 'reason'), sumBy(refresher, 'token_refresher_token_refresh_total', 'result'));
    w.tokenErrors.observe(refresher && sumBy(refresher, 'token_refresher_token_refresh_errors_total', 'reason'), now);
    const [f, r, a] = [w.fleet.recent(now), w.refresher.recent(now), w.api.recent(now)];
    return {
      processes,
      fleet: fleet && { codes: part(f, 'code'), failures: part(f, 'fail') },
      refresher: refresher && {
        tokenErrors: w.tokenErrors.recent(now), upstreamFailures: part(r, 'fail'), codes: part(r, 'code'),
        up: gaugeValue(refresher, 'token_refresher_up'), lastTokenError: this.#lastTokenError,
      },
      api: api && { codes: part(a, 'code'), rejected: part(a, 'rejected') },
      probeSuccess: probe && gaugeValue(probe, 'up_probe_success'),
      user: w.user.recent(now),
    };
  }

  /** The reason of the refresher's latest failed token request; forgotten once a token request succeeds. */
  #followTokenErrors(errors: Counts, results: Counts): void {
    const prev = this.#tokenErrorTotals;
    this.#tokenErrorTotals = { ...errors, __success: results.success ?? 0 };
    if (!prev) {
      if (total(errors) > 0 && !results.success) this.#lastTokenError = Object.entries(errors).sort((a, b) => b[1] - a[1])[0]![0];
      return;
    }
    const d = growth(prev, this.#tokenErrorTotals);
    if (d.__success) this.#lastTokenError = undefined;
    delete d.__success;
    const newest = Object.entries(d).sort((a, b) => b[1] - a[1])[0];
    if (newest) this.#lastTokenError = newest[0];
  }

  /** Hops broken now, or ok again for less than the counters' window. */
  #recentlyNotOk(now: number): Set<HopId> {
    return new Set(HOP_IDS.filter((h) => {
      const cur = this.#hops.get(h)!;
      if (cur.state === 'down' || cur.state === 'degraded') return true;
      return cur.state === 'ok' && this.#wasBroken.has(h) && now - Date.parse(cur.since) < RECOVERY_MARGIN_MS;
    }));
  }

  #hopChanges(next: ReturnType<typeof deriveHops>): void {
    const ts = new Date().toISOString();
    for (const hop of HOP_IDS) {
      const cur = this.#hops.get(hop)!;
      const v = next[hop];
      if (v.state === cur.state) {
        cur.reason = v.reason;
        continue;
      }
      // A hop becoming ok for the first time (start-up) is no change worth a line.
      const quiet = !this.#seenKnown.has(hop) && v.state === 'ok';
      if (v.state !== 'unknown') this.#seenKnown.add(hop);
      if (v.state === 'down' || v.state === 'degraded') this.#wasBroken.add(hop);
      this.#hops.set(hop, { hop, state: v.state, reason: v.reason, since: ts });
      if (!quiet) this.#d.events.emit({ kind: 'hop-state', hop, text: `${hop}: ${cur.state} -> ${v.state} (${v.reason})` });
    }
  }

  #alertChanges(alerts: StoreAlert[]): void {
    const wasFiring = new Set(this.#alerts.filter((a) => a.state === 'firing').map((a) => a.name));
    const nowFiring = new Set(alerts.filter((a) => a.state === 'firing').map((a) => a.name));
    for (const a of alerts) {
      if (a.state === 'firing' && !wasFiring.has(a.name)) {
        this.#d.events.emit({ kind: 'alert-firing', alert: a.name, text: `alert ${a.name} firing${a.summary ? `: ${a.summary}` : ''}${a.runbookUrl ? ` (runbook: ${a.runbookUrl})` : ''}` });
        wasFiring.add(a.name); // one line per alert name, even when several series fire
      }
    }
    for (const name of wasFiring) {
      if (!nowFiring.has(name) && this.#alerts.some((a) => a.name === name && a.state === 'firing')) this.#d.events.emit({ kind: 'alert-resolved', alert: name, text: `alert ${name} resolved` });
    }
    this.#alerts = alerts;
  }

  #verdictChange(v: VerdictReading): void {
    const before = this.#verdict?.cause;
    this.#verdict = v;
    if (v.cause === undefined || v.cause === before) return;
    const text = v.cause === 'none'
      ? "doctor verdict: no fault found on the path"
      : `doctor verdict: ${v.cause}${v.hop ? ` (hop ${v.hop})` : ''}${v.title ? `: ${v.title}` : ''}`;
    this.#d.events.emit({ kind: 'verdict', verdict: v.cause, ...(v.hop ? { hop: v.hop } : {}), text });
  }

  #restartChanges(statuses: ReturnType<Supervisor['status']>): void {
    for (const s of statuses) {
      const before = this.#restarts.get(s.name) ?? 0;
      this.#restarts.set(s.name, s.restarts);
      if (s.restarts > before) {
        const hop = HOP_OF_COMPONENT[s.name];
        const exit = s.lastExit ? `exit code ${s.lastExit.code ?? '-'}${s.lastExit.signal ? `, signal ${s.lastExit.signal}` : ''}` : 'exited';
        this.#d.events.emit({ kind: 'restart', ...(hop ? { hop } : {}), text: `${s.name} restarted (${exit}; restart ${s.restarts}${s.crashLooping ? ', crash loop' : ''})` });
      }
    }
  }
}
