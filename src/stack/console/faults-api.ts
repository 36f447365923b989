// The console's fault control: GET /api/v1/faults, POST and DELETE /api/v1/faults/{name} (inject / clear live).
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from './context.js';

export function registerFaultRoutes(_app: FastifyInstance, _ctx: ConsoleContext): void {
  // Filled in by the live fault control.
}
