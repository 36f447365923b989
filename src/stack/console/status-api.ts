// The console's live view of the path: GET /api/v1/status (every hop: state, reason, since; active faults, the
// store's alerts, doctor serve's latest verdict) and GET /api/v1/events?since=<seq> (the change feed, the timeline).
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../../http/errors.js';
import type { ConsoleContext } from './context.js';

/** `since`: absent (all kept events) or a non-negative integer sequence number. */
export function parseSince(raw: unknown): number {
  if (raw === undefined) return 0;
  if (typeof raw !== 'string' || !/^\d{1,15}$/.test(raw)) {
    throw new HttpError(400, 'bad_data', `invalid parameter "since": ${JSON.stringify(raw)}: expected the seq of the last event seen (a non-negative integer; 0 or absent for all kept events)`, { hop: 'console' });
  }
  return Number(raw);
}

export function registerStatusRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/api/v1/status', async () => {
    const s = ctx.status?.snapshot() ?? { hops: [], alerts: [], verdict: null };
    return { status: 'success', data: { hops: s.hops, faults: [...ctx.faults.active()], alerts: s.alerts, verdict: s.verdict } };
  });
  app.get('/api/v1/events', async (req) => {
    const since = parseSince((req.query as Record<string, unknown>).since);
    return { status: 'success', data: { events: ctx.events.since(since), lastSeq: ctx.events.lastSeq } };
  });
}
