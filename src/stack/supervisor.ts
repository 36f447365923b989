import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { LogMux } from './log-stream.js';
import { SUPERVISOR_FD, SUPERVISOR_FD_ENV } from './supervised.js';

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Restart after any exit (as a Deployment's pod would be), with CrashLoopBackOff-style backoff. */
  restart: boolean;
}

export interface ChildStatus {
  name: string;
  pid?: number;
  running: boolean;
  restarts: number;
  lastExit?: { code: number | null; signal: string | null; at: number };
  /** True while restarts keep failing quickly: what Kubernetes shows as CrashLoopBackOff. */
  crashLooping: boolean;
}

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 10_000;
/** A child that ran this long before exiting counts as having started fine; backoff resets. */
const STABLE_AFTER_MS = 10_000;

/**
 * Runs components as child processes, prefixes their logs, and restarts the ones that exit, with
 * doubling backoff, like the kubelet does. Stopping sends one SIGTERM, then SIGKILL after a grace period;
 * children run in their own process groups, so each gets exactly one signal on Ctrl-C. Children outlive no
 * supervisor: an obspath child watches its link to this process (supervised.ts).
 */
export class Supervisor extends EventEmitter<{ exit: [ChildStatus] }> {
  readonly #children = new Map<string, { spec: ChildSpec; proc?: ChildProcess; status: ChildStatus; backoff: number; timer?: NodeJS.Timeout; startedAt: number; stopAt?: number }>();
  #stopping = false;

  constructor(private readonly logs: LogMux) {
    super();
  }

  start(spec: ChildSpec): void {
    if (this.#children.has(spec.name)) throw new Error(`component ${spec.name} is already supervised`);
    const entry = { spec, status: { name: spec.name, running: false, restarts: 0, crashLooping: false }, backoff: BACKOFF_START_MS, startedAt: 0 } as const;
    this.#children.set(spec.name, { ...entry, status: { ...entry.status } });
    this.#spawn(spec.name);
  }

  status(): ChildStatus[] {
    return [...this.#children.values()].map((c) => ({ ...c.status }));
  }

  #spawn(name: string): void {
    const c = this.#children.get(name)!;
    const proc = spawn(c.spec.command, c.spec.args, {
      env: { ...process.env, ...c.spec.env, [SUPERVISOR_FD_ENV]: String(SUPERVISOR_FD) },
      // fd 3: the child's end of a socket pair whose other end only this process holds; an obspath child
      // stops when it reads EOF there, i.e. when this process is gone however it died (see supervised.ts).
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      // Its own process group: the terminal's Ctrl-C (SIGINT to the foreground group) reaches only the
      // supervisor, which stops each child with one SIGTERM; a child still starting up is not killed half-way.
      detached: true,
    });
    c.proc = proc;
    c.startedAt = Date.now();
    c.status.pid = proc.pid;
    c.status.running = true;
    this.logs.attach(name, proc.stdout!);
    this.logs.attach(name, proc.stderr!);
    proc.once('exit', (code, signal) => {
      proc.stdio[SUPERVISOR_FD]?.destroy();
      c.status.running = false;
      c.status.lastExit = { code, signal, at: Date.now() };
      this.emit('exit', { ...c.status });
      if (this.#stopping || !c.spec.restart) {
        this.logs.writer('supervisor')(`${name} stopped (code ${code ?? '-'}, signal ${signal ?? '-'}) after ${Date.now() - (c.stopAt ?? Date.now())} ms`);
        return;
      }
      const ranMs = Date.now() - c.startedAt;
      c.backoff = ranMs > STABLE_AFTER_MS ? BACKOFF_START_MS : Math.min(c.backoff * 2, BACKOFF_MAX_MS);
      c.status.crashLooping = ranMs <= STABLE_AFTER_MS;
      c.status.restarts++;
      this.logs.writer('supervisor')(`${name} exited (code ${code ?? '-'}, signal ${signal ?? '-'}); restart ${c.status.restarts} in ${c.backoff} ms${c.status.crashLooping ? ' (crash loop)' : ''}`);
      c.timer = setTimeout(() => this.#spawn(name), c.backoff);
    });
  }

  /** Stops one component for good (no restart). */
  async stopOne(name: string, graceMs = 5000): Promise<void> {
    const c = this.#children.get(name);
    if (!c) return;
    c.spec = { ...c.spec, restart: false };
    c.stopAt = Date.now();
    clearTimeout(c.timer);
    await terminate(c.proc, graceMs);
  }

  /** Stops one component for good and forgets it (it leaves status()): a component the plan no longer has. */
  async remove(name: string, graceMs = 5000): Promise<void> {
    await this.stopOne(name, graceMs);
    this.#children.delete(name);
  }

  /**
   * A new revision of a component (other args or env, as a Deployment's rollout): the old process is stopped
   * (it must free its ports first), then the new one starts with fresh restart counters. Starts it when absent.
   */
  async replace(spec: ChildSpec, graceMs = 5000): Promise<void> {
    await this.remove(spec.name, graceMs);
    if (this.#stopping) return;
    this.start(spec);
  }

  async stopAll(graceMs = 5000): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#children.values()].map((c) => {
      c.stopAt = Date.now();
      clearTimeout(c.timer);
      return terminate(c.proc, graceMs);
    }));
  }
}

async function terminate(proc: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
