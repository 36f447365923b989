import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../telemetry/logger.js';
import { statusError, type Hop } from './errors.js';
import { createHttpApp, type HttpAppTls } from './server.js';

export interface ReadyState {
  ready: boolean;
  /** Why not ready (machine-readable), e.g. "token_unavailable". */
  reason?: string;
  /** Anything that helps a human: last error, since when, ... */
  [detail: string]: unknown;
}

export interface InternalServerOptions {
  logger: Logger;
  registry: Registry;
  /** Readiness: the component decides. /ready answers 200 with the state when ready, else 503. */
  readiness: () => ReadyState | Promise<ReadyState>;
  component: Hop;
  /** Serve the internal listener over HTTPS (observatorium's --tls.internal.server.*). */
  tls?: HttpAppTls;
}

/** The internal server every component runs: /live, /ready (with its reason), /metrics, and an index. */
export function createInternalServer(opts: InternalServerOptions): FastifyInstance {
  const app = createHttpApp({ logger: opts.logger, hop: opts.component, accessLog: false, tls: opts.tls });
  app.get('/', async () => ({ component: opts.component, paths: ['/live', '/ready', '/metrics'] }));
  app.get('/live', async () => ({ status: 'ok' }));
  app.get('/ready', async (req, reply) => {
    const state = await opts.readiness();
    if (state.ready) return reply.code(200).send({ status: 'ready', ...state });
    // Not ready is an error answer like any other (status, errorType, error, hop, request id); the
    // component's own details (reason, per-tenant state, ...) ride along.
    const why = typeof state.error === 'string' && state.error !== '' ? state.error : state.reason ?? 'not ready';
    return reply.code(503).send({ ...state, ...statusError(503, `${opts.component}: not ready: ${why}`, opts.component, req.id) });
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await opts.registry.metrics();
    return reply.type(opts.registry.contentType).send(text);
  });
  return app;
}
