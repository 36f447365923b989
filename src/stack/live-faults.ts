// Live fault injection (the console's inject / clear, `obspath fault`): the stack is re-planned with the new fault
// set (buildPlan is the one definition of what a fault does), the new plan is compared with the running one, and
// only what differs is touched: a component whose command line, environment or configuration files changed is
// replaced (stopped, then started with the new ones), one the plan drops is stopped, one it adds is started, the
// fault stand-ins are swapped, and the in-process clients re-pointed. Everything else keeps running.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../telemetry/logger.js';
import { childSpecOf, startStandIns, waitReady, type ComponentWrap } from './components.js';
import type { StackEvents } from './events.js';
import type { FaultServer } from './fault-servers.js';
import { FAULTS, faultConflict, FAULT_NAMES, type FaultName } from './faults.js';
import { buildPlan, type ComponentSpec, type PlanOptions, type StackPlan } from './plan.js';
import type { Supervisor } from './supervisor.js';

/** A name outside the catalog (the console answers 404 with the catalog). */
export class UnknownFaultError extends Error {
  constructor(readonly fault: string) {
    super(`unknown fault "${fault}"; known faults: ${FAULTS.map((f) => f.name).join(', ')}`);
    this.name = 'UnknownFaultError';
  }
}

/** Two faults the plan cannot express together (the console answers 409 naming both). */
export class FaultConflictError extends Error {
  constructor(readonly faults: [string, string], why: string) {
    super(`cannot inject ${faults[1]} while ${faults[0]} is active: ${why}; clear ${faults[0]} first`);
    this.name = 'FaultConflictError';
  }
}

/** An inject or clear after the stack began to stop. */
export class StackStoppingError extends Error {
  constructor() {
    super('the stack is stopping: faults are no longer injected or cleared');
    this.name = 'StackStoppingError';
  }
}

/** What one inject or clear did to the running stack. */
export interface FaultChange {
  /** Components started with a new command line, environment or configuration (or started anew), in start order. */
  restarted: string[];
  /** Components the new plan does not run. */
  stopped: string[];
  /** Whether the fault stand-ins were swapped. */
  standIns: boolean;
  /** Restarted components not ready within the timeout (still supervised; they may come up later). */
  notReady: string[];
}

export interface LiveFaultsOptions {
  /** The running plan: updated in place, so every holder of it (the console, stack.json) sees the live one. */
  plan: StackPlan;
  /** What the plan was built from, except the faults. */
  planOptions: Omit<PlanOptions, 'faults'>;
  supervisor: Supervisor;
  standIns: FaultServer[];
  events: StackEvents;
  logger: Logger;
  wrap?: ComponentWrap;
  /** Re-points the in-process clients (the data plane) at the plan's URLs. */
  retarget(plan: StackPlan): void;
  /** Called after each change (stack.json is rewritten at once). */
  changed(): void;
  readyTimeoutMs?: number;
}

/** Start order, as at `up`: what others call first; doctor serve last. */
const STAGE: Partial<Record<ComponentSpec['name'], number>> = { issuer: 0, store: 0, alertmanager: 0, api: 1, doctor: 3 };
const stageOf = (c: ComponentSpec) => STAGE[c.name] ?? 2;

/**
 * What a component runs with: its command line, environment, and the content of every configuration file its
 * arguments name (the API's tenants.yaml carries rate-limited without any flag changing).
 */
function fingerprint(c: ComponentSpec, configDir: string): string {
  const files = c.args.filter((a) => a.startsWith(configDir) && existsSync(a)).map((f) => readFileSync(f, 'utf8'));
  return createHash('sha256').update(JSON.stringify([c.command ?? '', c.args, c.env, files])).digest('hex');
}

export class LiveFaults {
  readonly #o: LiveFaultsOptions;
  #prints: Map<string, string>;
  readonly #since = new Map<string, string>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** The stand-ins may not match the plan (a swap failed half-way): the next change swaps them whatever the plan says. */
  #standInsStale = false;

  constructor(o: LiveFaultsOptions) {
    this.#o = o;
    this.#prints = this.#fingerprints(o.plan);
    const now = new Date().toISOString();
    for (const f of o.plan.faults) this.#since.set(f, now);
  }

  get standIns(): readonly FaultServer[] {
    return this.#o.standIns;
  }

  active(): readonly string[] {
    return [...this.#o.plan.faults];
  }

  /** ISO time since which the fault is in effect; undefined when it is not. */
  since(name: string): string | undefined {
    return this.#since.get(name);
  }

  /** Injects one fault; already active: nothing changes. Serialised with every other inject and clear. */
  inject(name: string): Promise<FaultChange | undefined> {
    return this.#serialised(async () => {
      const fault = this.#known(name);
      const active = this.#o.plan.faults;
      if (active.includes(fault)) return undefined;
      const next = [...active, fault];
      const conflict = faultConflict(next);
      if (conflict) throw new FaultConflictError(conflict.faults, conflict.why);
      const change = await this.#apply(next);
      this.#since.set(fault, new Date().toISOString());
      this.#o.events.emit({ kind: 'fault-injected', fault, text: `fault ${fault} injected: ${describeChange(change)}` });
      return change;
    });
  }

  /** Clears one fault; not active: nothing changes. */
  clear(name: string): Promise<FaultChange | undefined> {
    return this.#serialised(async () => {
      const fault = this.#known(name);
      const active = this.#o.plan.faults;
      if (!active.includes(fault)) return undefined;
      const change = await this.#apply(active.filter((f) => f !== fault));
      this.#since.delete(fault);
      this.#o.events.emit({ kind: 'fault-cleared', fault, text: `fault ${fault} cleared: ${describeChange(change)}` });
      return change;
    });
  }

  /** Waits for a change under way; later ones are refused (the stack is stopping). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
  }

  #known(name: string): FaultName {
    if (!FAULT_NAMES.has(name)) throw new UnknownFaultError(name);
    return name as FaultName;
  }

  #serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) throw new StackStoppingError();
      return fn();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #fingerprints(plan: StackPlan): Map<string, string> {
    const configDir = join(plan.dataDir, 'config');
    return new Map(plan.components.map((c) => [c.name, fingerprint(c, configDir)]));
  }

  async #apply(faults: FaultName[]): Promise<FaultChange> {
    const { plan, supervisor } = this.#o;
    const next = buildPlan({ ...this.#o.planOptions, faults });
    const prints = this.#fingerprints(next);
    const names = new Set(next.components.map((c) => c.name));
    const stopped = plan.components.filter((c) => !names.has(c.name)).map((c) => c.name);
    const changed = next.components.filter((c) => this.#prints.get(c.name) !== prints.get(c.name)).sort((a, b) => stageOf(a) - stageOf(b));
    // Until this change is through, what it touches counts as changed: a failure half-way is retried by the next one.
    for (const name of [...stopped, ...changed.map((c) => c.name)]) this.#prints.set(name, 'changing');
    for (const name of stopped) await supervisor.remove(name);
    const standIns = this.#standInsStale || JSON.stringify(plan.standIns) !== JSON.stringify(next.standIns);
    if (standIns) {
      this.#standInsStale = true;
      // One port for every stand-in: the old one must be gone before the new one listens.
      await Promise.all(this.#o.standIns.splice(0).map((s) => s.close()));
      this.#o.standIns.push(...(await startStandIns(next.standIns)));
      this.#standInsStale = false;
    }
    const notReady: string[] = [];
    const deadline = Date.now() + (this.#o.readyTimeoutMs ?? 20_000);
    for (const stage of [...new Set(changed.map(stageOf))]) {
      const inStage = changed.filter((c) => stageOf(c) === stage);
      for (const c of inStage) await supervisor.replace(childSpecOf(c, this.#o.wrap));
      const ready = await Promise.all(inStage.map((c) => waitReady(c, deadline)));
      notReady.push(...inStage.filter((_, i) => !ready[i]).map((c) => c.name));
    }
    Object.assign(plan, next);
    this.#prints = prints;
    this.#o.retarget(plan);
    this.#o.changed();
    if (notReady.length) this.#o.logger.warn({ notReady, faults }, 'restarted components not ready in time');
    return { restarted: changed.map((c) => c.name), stopped, standIns, notReady };
  }
}

function describeChange(c: FaultChange): string {
  const parts = [
    c.restarted.length ? `restarted ${c.restarted.join(', ')}` : '',
    c.stopped.length ? `stopped ${c.stopped.join(', ')}` : '',
    c.standIns ? 'fault stand-in swapped' : '',
    c.notReady.length ? `not ready yet: ${c.notReady.join(', ')}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : 'nothing to restart';
}
