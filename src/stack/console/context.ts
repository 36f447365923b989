// What the console's routes read and act on. Each part of the console (fault control, live status, the page)
// registers its own routes against this context.
import type { Logger } from '../../telemetry/logger.js';
import type { StackEvents } from '../events.js';
import type { FaultChange } from '../live-faults.js';
import type { StackPlan } from '../plan.js';
import type { StatusSnapshot } from '../status/watcher.js';
import type { Supervisor } from '../supervisor.js';

/** Live fault injection: only the affected component is reconfigured or restarted. */
export interface FaultControl {
  /** Faults in effect now (those given at start, then as injected and cleared). */
  active(): readonly string[];
  /** ISO time since which a fault is in effect (undefined: not active). */
  since?(name: string): string | undefined;
  /**
   * Resolves once the affected components run with the fault (undefined: it was active already). Rejects with
   * UnknownFaultError (404) for a name outside the catalog, FaultConflictError (409) for a combination the plan
   * cannot express.
   */
  inject(name: string): Promise<FaultChange | undefined | void>;
  /** As inject; undefined: it was not active. */
  clear(name: string): Promise<FaultChange | undefined | void>;
}

export interface ConsoleContext {
  plan: StackPlan;
  supervisor: Supervisor;
  events: StackEvents;
  faults: FaultControl;
  logger: Logger;
  /** The live status of every hop (the status watcher); absent: not watched. */
  status?: { snapshot(): StatusSnapshot };
}
