// What the console's routes read and act on. Each part of the console (fault control, live status, the page)
// registers its own routes against this context.
import type { Logger } from '../../telemetry/logger.js';
import type { StackEvents } from '../events.js';
import type { StackPlan } from '../plan.js';
import type { StatusSnapshot } from '../status/watcher.js';
import type { Supervisor } from '../supervisor.js';

/** Live fault injection: only the affected component is reconfigured or restarted. */
export interface FaultControl {
  /** Faults in effect now (those given at start, then as injected and cleared). */
  active(): readonly string[];
  /** Throws UnknownFaultError (404) for a name outside the catalog. */
  inject(name: string): Promise<void>;
  clear(name: string): Promise<void>;
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
