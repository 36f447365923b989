// When `doctor serve` runs the runbook: one run in flight per target (what arrives meanwhile joins it), at
// most one alert-triggered run per target every `minIntervalMs` (alerts inside the interval are folded into
// one run at its end, so a new fault is still diagnosed, only later), every run bounded by `runTimeoutMs`.
// A manual run skips the interval (a person asked) but still joins a run in flight.

import type { DoctorReport } from '../report.js';

export type Trigger = 'alert' | 'manual';
export type RunResult = DoctorReport['status'] | 'timeout' | 'error';

/** What is diagnosed: a local stack's data directory, or a namespace of a cluster. */
export interface DoctorTarget {
  /** Identity for de-duplication and rate limiting. */
  key: string;
  run: () => Promise<DoctorReport>;
}

export interface RunRecord {
  id: number;
  target: string;
  trigger: Trigger;
  /** Names of the alerts this run answers (those that joined it included). */
  alerts: string[];
  /** When the first request for this run arrived (a scheduled run's requests may be older than its start). */
  requestedAt: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  result?: RunResult;
  error?: string;
  report?: DoctorReport;
}

export type RequestAction = 'started' | 'joined' | 'scheduled';

export interface RunRequest {
  action: RequestAction;
  target: string;
  /** For 'scheduled': when the run will start. */
  startsAt?: string;
  /** Resolves with the finished run (never rejects). */
  done: Promise<RunRecord>;
}

interface Pending {
  timer: NodeJS.Timeout;
  alerts: Set<string>;
  requestedAt: number;
  done: Promise<RunRecord>;
  resolve: (r: RunRecord) => void;
}

interface TargetState {
  inflight?: { record: RunRecord; done: Promise<RunRecord> };
  lastStartMs?: number;
  pending?: Pending;
}

export interface SchedulerOptions {
  minIntervalMs: number;
  runTimeoutMs: number;
  /** Called once per finished run, before its `done` resolves. */
  onFinished?: (record: RunRecord) => void;
  onStarted?: (record: RunRecord) => void;
}

export class RunScheduler {
  private readonly states = new Map<string, TargetState>();
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: SchedulerOptions) {}

  request(target: DoctorTarget, trigger: Trigger, alerts: readonly string[] = []): RunRequest {
    if (this.closed) throw new Error('the scheduler is shut down');
    const state = this.stateOf(target.key);
    if (state.inflight) {
      for (const a of alerts) if (!state.inflight.record.alerts.includes(a)) state.inflight.record.alerts.push(a);
      return { action: 'joined', target: target.key, done: state.inflight.done };
    }
    const now = Date.now();
    const nextAllowed = (state.lastStartMs ?? -Infinity) + this.opts.minIntervalMs;
    if (trigger === 'alert' && now < nextAllowed) return this.schedule(target, state, alerts, nextAllowed);
    // Starting now: alerts waiting for the interval's end are answered by this run.
    const pending = state.pending;
    const all = new Set([...(pending?.alerts ?? []), ...alerts]);
    if (pending) clearTimeout(pending.timer);
    state.pending = undefined;
    const done = this.start(target, state, trigger, [...all], pending?.requestedAt ?? now);
    if (pending) void done.then(pending.resolve);
    return { action: 'started', target: target.key, done };
  }

  private schedule(target: DoctorTarget, state: TargetState, alerts: readonly string[], at: number): RunRequest {
    if (!state.pending) {
      let resolve!: (r: RunRecord) => void;
      const done = new Promise<RunRecord>((r) => (resolve = r));
      const timer = setTimeout(() => {
        const p = state.pending;
        if (!p) return;
        state.pending = undefined;
        const inflight = state.inflight;
        if (inflight) {
          // A run still in flight (one slower than the interval): the folded alerts join it.
          for (const a of p.alerts) if (!inflight.record.alerts.includes(a)) inflight.record.alerts.push(a);
          void inflight.done.then(p.resolve);
          return;
        }
        void this.start(target, state, 'alert', [...p.alerts], p.requestedAt).then(p.resolve);
      }, Math.max(0, at - Date.now()));
      state.pending = { timer, alerts: new Set(), requestedAt: Date.now(), done, resolve };
    }
    for (const a of alerts) state.pending.alerts.add(a);
    return { action: 'scheduled', target: target.key, startsAt: new Date(at).toISOString(), done: state.pending.done };
  }

  private start(target: DoctorTarget, state: TargetState, trigger: Trigger, alerts: string[], requestedAt: number): Promise<RunRecord> {
    const started = Date.now();
    state.lastStartMs = started;
    const record: RunRecord = {
      id: this.nextId++, target: target.key, trigger, alerts,
      requestedAt: new Date(requestedAt).toISOString(), startedAt: new Date(started).toISOString(),
    };
    this.opts.onStarted?.(record);
    const done = this.bounded(target, record, started).then((r) => {
      state.inflight = undefined;
      this.opts.onFinished?.(r);
      return r;
    });
    state.inflight = { record, done };
    return done;
  }

  private async bounded(target: DoctorTarget, record: RunRecord, started: number): Promise<RunRecord> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), this.opts.runTimeoutMs); });
    try {
      const outcome = await Promise.race([target.run(), timeout]);
      if (outcome === 'timeout') {
        record.result = 'timeout';
        record.error = `the run did not finish within ${this.opts.runTimeoutMs} ms`;
      } else {
        record.result = outcome.status;
        record.report = outcome;
      }
    } catch (err) {
      record.result = 'error';
      record.error = (err as Error).message;
    } finally {
      clearTimeout(timer);
    }
    record.finishedAt = new Date().toISOString();
    record.durationMs = Date.now() - started;
    return record;
  }

  private stateOf(key: string): TargetState {
    let s = this.states.get(key);
    if (!s) this.states.set(key, (s = {}));
    return s;
  }

  /** Runs in flight (for readiness details and shutdown). */
  inflight(): RunRecord[] {
    return [...this.states.values()].flatMap((s) => (s.inflight ? [s.inflight.record] : []));
  }

  /**
   * Shutdown: no new requests; scheduled runs are dropped (their `done` resolves with a record saying so);
   * runs in flight are awaited (each is bounded by runTimeoutMs).
   */
  async close(): Promise<void> {
    this.closed = true;
    const waits: Promise<unknown>[] = [];
    for (const [key, s] of this.states) {
      if (s.pending) {
        clearTimeout(s.pending.timer);
        const now = new Date().toISOString();
        s.pending.resolve({ id: 0, target: key, trigger: 'alert', alerts: [...s.pending.alerts], requestedAt: new Date(s.pending.requestedAt).toISOString(), startedAt: now, finishedAt: now, durationMs: 0, result: 'error', error: 'shut down before the scheduled run' });
        s.pending = undefined;
      }
      if (s.inflight) waits.push(s.inflight.done);
    }
    await Promise.all(waits);
  }
}
