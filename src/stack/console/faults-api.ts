// The console's fault control: GET /api/v1/faults, POST and DELETE /api/v1/faults/{name} (inject / clear live).
// POST and DELETE answer once the affected components run with the new fault set (see live-faults.ts).
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../http/errors.js';
import { FAULTS, type Fault } from '../faults.js';
import { FaultConflictError, StackStoppingError, UnknownFaultError, type FaultChange } from '../live-faults.js';
import type { ConsoleContext, FaultControl } from './context.js';

/** A catalog entry as the API shows it: the catalog's fields, and whether it is in effect now (since when). */
export interface FaultView extends Fault {
  active: boolean;
  since?: string;
}

function viewOf(f: Fault, control: FaultControl): FaultView {
  const active = control.active().includes(f.name);
  const since = active ? control.since?.(f.name) : undefined;
  return { ...f, active, ...(since ? { since } : {}) };
}

/** The control's refusals as the console's catalogued errors (src/errors/console.ts). */
function httpErrorOf(err: unknown): HttpError {
  if (err instanceof UnknownFaultError) {
    return new HttpError(404, 'not_found', err.message, { hop: 'console', reason: 'unknown_fault', faults: FAULTS.map((f) => f.name) });
  }
  if (err instanceof FaultConflictError) return new HttpError(409, 'conflict', err.message, { hop: 'console', reason: 'fault_conflict', conflicts: err.faults });
  if (err instanceof StackStoppingError) return new HttpError(503, 'unavailable', err.message, { hop: 'console', reason: 'stack_stopping' });
  return new HttpError(500, 'internal', `console: the fault change failed: ${(err as Error).message}`, { hop: 'console', reason: 'fault_change_failed' });
}

export function registerFaultRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  const control = ctx.faults;
  app.get('/api/v1/faults', async () => ({ status: 'success', data: { faults: FAULTS.map((f) => viewOf(f, control)) } }));

  const change = (act: (name: string) => Promise<FaultChange | undefined | void>) => async (req: { params: unknown }) => {
    const { name } = req.params as { name: string };
    let result: FaultChange | undefined | void;
    try {
      result = await act(name);
    } catch (err) {
      if (!(err instanceof UnknownFaultError || err instanceof FaultConflictError)) ctx.logger.error({ err, fault: name }, 'fault change failed');
      throw httpErrorOf(err);
    }
    const fault = FAULTS.find((f) => f.name === name)!;
    // `change`: what was restarted, stopped or swapped; absent when the fault already was in that state.
    return { status: 'success', data: { fault: viewOf(fault, control), ...(result ? { change: result } : {}) } };
  };
  app.post('/api/v1/faults/:name', change((n) => control.inject(n)));
  app.delete('/api/v1/faults/:name', change((n) => control.clear(n)));
}
