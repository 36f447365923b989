// The cluster's primary: forks the workers (they share the listen sockets through node:cluster), restarts a
// crashed one with backoff, answers their calls, and on shutdown asks every worker to drain and waits for it.
import cluster, { type Worker } from 'node:cluster';
import type { ReadyState } from '../http/internal.js';
import type { Logger } from '../telemetry/logger.js';
import { Channel } from './channel.js';

export const WORKER_ENV = 'OBSPATH_WORKER_ID';

interface Slot {
  id: number;
  worker: Worker;
  channel: Channel;
  started: boolean;
  exited: boolean;
  forkedAt: number;
}

/** A worker as /ready and the doctor see it: restarts of its slot, and whether it keeps exiting soon after start. */
export interface WorkerState {
  id: number;
  pid?: number;
  started: boolean;
  restarts: number;
  crashLooping: boolean;
}

/** Up this long, a worker that then exits starts a new run of crashes (its backoff starts over). */
const STABLE_AFTER_MS = 60_000;

export interface WorkerPoolOptions {
  count: number;
  logger: Logger;
  /** Time a worker gets to drain on shutdown before it is killed (ms). */
  graceMs?: number;
  /** First restart delay after a crash; doubles per consecutive crash up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class WorkerPool {
  readonly #slots = new Map<number, Slot>();
  readonly #handlers = new Map<string, (payload: any) => unknown>();
  readonly #onStart: Array<(channel: Channel) => void> = [];
  readonly #crashes = new Map<number, number>();
  readonly #slotRestarts = new Map<number, number>();
  #stopping = false;
  #restarts = 0;

  constructor(private readonly opts: WorkerPoolOptions) {}

  get count(): number {
    return this.opts.count;
  }

  /** Worker restarts since the primary started (all slots). */
  get restarts(): number {
    return this.#restarts;
  }

  /**
   * Each slot's worker. Crash looping, as the supervisor judges a component: it exited soon after its start at
   * least twice in a row and the current one has not yet stayed up (or is not back yet).
   */
  states(now = Date.now()): WorkerState[] {
    return [...this.#slots.values()].map((s) => {
      const inARow = this.#crashes.get(s.id) ?? 0;
      const up = s.started && !s.exited && now - s.forkedAt > STABLE_AFTER_MS;
      return { id: s.id, pid: s.worker.process.pid, started: s.started && !s.exited, restarts: this.#slotRestarts.get(s.id) ?? 0, crashLooping: inARow >= 2 && !up };
    });
  }

  /** Answers every worker's calls of `kind` (registered before start). */
  handle(kind: string, handler: (payload: any) => unknown): void {
    this.#handlers.set(kind, handler);
  }

  /** Runs for each worker once it has started (and for its replacements): e.g. hands it the current token. */
  onWorkerStarted(fn: (channel: Channel) => void): void {
    this.#onStart.push(fn);
  }

  push(kind: string, payload?: unknown): void {
    for (const s of this.#slots.values()) if (s.started) s.channel.push(kind, payload);
  }

  /** Asks every started worker; a worker that fails to answer is reported as its error. */
  async gather<T>(kind: string, payload?: unknown): Promise<Array<{ id: number; pid?: number; value?: T; error?: string }>> {
    const slots = [...this.#slots.values()];
    return Promise.all(slots.map(async (s) => {
      if (!s.started) return { id: s.id, pid: s.worker.process.pid, error: 'starting' };
      try {
        return { id: s.id, pid: s.worker.process.pid, value: await s.channel.call<T>(kind, payload) };
      } catch (err) {
        return { id: s.id, pid: s.worker.process.pid, error: (err as Error).message };
      }
    }));
  }

  /** Forks the workers; resolves when each has started, rejects if one exits first (a bad setting: no retry). */
  start(): Promise<void> {
    const started = [...Array(this.opts.count).keys()].map((i) => this.#fork(i + 1, true));
    return Promise.all(started).then(() => undefined);
  }

  /** The component's own readiness and every worker's: ready only when all are. */
  async readiness(own: ReadyState): Promise<ReadyState> {
    const answers = await this.gather<ReadyState>('ready');
    const states = new Map(this.states().map((w) => [w.id, w]));
    const workers = answers.map((a) => {
      const w = states.get(a.id);
      return { id: a.id, pid: a.pid, ready: a.value?.ready === true, restarts: w?.restarts ?? 0, crashLooping: w?.crashLooping ?? false, ...(a.value?.ready ? {} : { reason: a.value?.reason ?? a.error }) };
    });
    const missing = this.opts.count - workers.filter((w) => w.ready).length;
    if (own.ready && missing === 0) return { ...own, workers };
    if (!own.ready) return { ...own, workers };
    return { ready: false, reason: 'workers_not_ready', error: `${missing} of ${this.opts.count} workers not ready`, workers };
  }

  /** Asks every worker to drain (it closes its servers, then exits) and waits; kills one still there after graceMs. */
  async close(): Promise<void> {
    this.#stopping = true;
    const grace = this.opts.graceMs ?? 10_000;
    await Promise.all([...this.#slots.values()].map((s) => new Promise<void>((resolve) => {
      if (s.worker.isDead()) return resolve();
      const timer = setTimeout(() => {
        this.opts.logger.error({ worker: s.id, pid: s.worker.process.pid, graceMs: grace }, 'worker did not drain in time: killing it');
        s.worker.process.kill('SIGKILL');
      }, grace);
      s.worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      s.channel.push('shutdown');
    })));
  }

  #fork(id: number, initial: boolean): Promise<void> {
    const worker = cluster.fork({ [WORKER_ENV]: String(id) });
    const channel = new Channel({ send: (m) => worker.send(m as never), on: (e, l) => worker.on(e, l), isConnected: () => worker.isConnected() });
    for (const [kind, h] of this.#handlers) channel.handle(kind, h);
    const slot: Slot = { id, worker, channel, started: false, exited: false, forkedAt: Date.now() };
    this.#slots.set(id, slot);
    return new Promise<void>((resolve, reject) => {
      channel.onPush('started', () => {
        slot.started = true;
        for (const fn of this.#onStart) fn(channel);
        resolve();
      });
      worker.once('exit', (code, signal) => {
        slot.exited = true;
        channel.failPending(`worker ${id} exited`);
        if (!slot.started) reject(new Error(`worker ${id} exited while starting (code ${code}${signal ? `, signal ${signal}` : ''}); its log says why`));
        // A worker that never started at launch means a bad setting: the launch fails instead of looping.
        if (!this.#stopping && (slot.started || !initial)) this.#restart(slot, code, signal);
      });
    });
  }

  /** A crashed worker comes back after a delay that doubles with each crash in a row (reset after a minute up). */
  #restart(slot: Slot, code: number | null, signal: string | null): void {
    const upMs = Date.now() - slot.forkedAt;
    const crashes = upMs > STABLE_AFTER_MS ? 1 : (this.#crashes.get(slot.id) ?? 0) + 1;
    this.#crashes.set(slot.id, crashes);
    const delay = Math.min(this.opts.maxBackoffMs ?? 30_000, (this.opts.minBackoffMs ?? 250) * 2 ** (crashes - 1));
    this.#restarts++;
    this.#slotRestarts.set(slot.id, (this.#slotRestarts.get(slot.id) ?? 0) + 1);
    this.opts.logger.error({ worker: slot.id, pid: slot.worker.process.pid, code, signal, upMs, restartInMs: delay, restarts: this.#restarts }, 'worker exited: restarting it');
    setTimeout(() => {
      if (this.#stopping) return;
      this.#fork(slot.id, false).then(
        () => this.opts.logger.info({ worker: slot.id, pid: this.#slots.get(slot.id)?.worker.process.pid }, 'worker restarted'),
        (err: Error) => this.opts.logger.error({ worker: slot.id, err: err.message }, 'restarted worker failed to start'),
      );
    }, delay).unref();
  }
}
