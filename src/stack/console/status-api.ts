// The console's live view of the path: GET /api/v1/status (every hop: state, reason, since) and the timeline.
import type { FastifyInstance } from 'fastify';
import type { ConsoleContext } from './context.js';

export function registerStatusRoutes(_app: FastifyInstance, _ctx: ConsoleContext): void {
  // Filled in by the change feed.
}
