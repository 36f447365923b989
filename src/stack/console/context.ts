// What the console's routes read and act on: the running stack's plan and supervisor. Each part of the console
// (fault control, live status, the page) registers its own routes against this context.
import type { Logger } from '../../telemetry/logger.js';
import type { StackPlan } from '../plan.js';
import type { Supervisor } from '../supervisor.js';

export interface ConsoleContext {
  plan: StackPlan;
  supervisor: Supervisor;
  logger: Logger;
}
