import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../telemetry/logger.js';
import { createHttpApp } from './server.js';

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
  component: string;
}

/** The internal server every component runs: /live, /ready (with its reason), /metrics, and an index. */
export function createInternalServer(opts: InternalServerOptions): FastifyInstance {
  const app = createHttpApp({ logger: opts.logger, accessLog: false });
  app.get('/', async () => ({ component: opts.component, paths: ['/live', '/ready', '/metrics'] }));
  app.get('/live', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    const state = await opts.readiness();
    return reply.code(state.ready ? 200 : 503).send({ status: state.ready ? 'ready' : 'not_ready', ...state });
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await opts.registry.metrics();
    return reply.type(opts.registry.contentType).send(text);
  });
  return app;
}
