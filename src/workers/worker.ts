// A cluster worker's side of the IPC channel: calls to the primary, pushes from it, and the answers the
// primary asks every worker for (its metrics, its readiness), and the drain the primary orders on shutdown.
import cluster from 'node:cluster';
import type { Registry } from 'prom-client';
import type { ReadyState } from '../http/internal.js';
import type { Logger } from '../telemetry/logger.js';
import { Channel } from './channel.js';
import { WORKER_ENV } from './pool.js';

/** True in a process forked by WorkerPool (node:cluster worker with our id). */
export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_ENV] !== undefined;
}

export class PrimaryLink {
  readonly channel: Channel;
  readonly id: number;

  constructor() {
    this.id = Number(process.env[WORKER_ENV]);
    this.channel = new Channel({ send: (m) => process.send!(m), on: (e, l) => process.on(e, l), isConnected: () => process.connected });
  }

  /** What the primary gathers from each worker: metrics (summed there) and readiness. */
  serve(parts: { registry: Registry; readiness: () => ReadyState | Promise<ReadyState> }): void {
    this.channel.handle('metrics', () => parts.registry.getMetricsAsJSON());
    this.channel.handle('ready', () => parts.readiness());
  }

  /**
   * Tells the primary this worker serves. Shutdown is the primary's to order (the signals a terminal sends
   * to the whole process group are ignored here); a primary that vanished is treated as an order too.
   */
  started(logger: Logger, close: () => Promise<void>): void {
    let closing = false;
    const stop = (why: string) => {
      if (closing) return;
      closing = true;
      logger.debug({ why }, 'worker draining');
      close().then(() => process.exit(0), (err: unknown) => {
        logger.error({ err }, 'worker: error while draining');
        process.exit(1);
      });
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => {});
    this.channel.onPush('shutdown', () => stop('primary asked'));
    process.on('disconnect', () => stop('primary gone'));
    this.channel.push('started');
  }
}

/** Names the worker that answered (`x-obspath-worker: <id>/<pid>`), so a client can see the load spread. */
export function markWorker(app: { addHook(name: 'onRequest', hook: (req: unknown, reply: { header(k: string, v: string): unknown }, done: () => void) => void): unknown }, link: PrimaryLink): void {
  const value = `${link.id}/${process.pid}`;
  app.addHook('onRequest', (_req, reply, done) => {
    reply.header('x-obspath-worker', value);
    done();
  });
}

/** markWorker for a bare node:http server: the header is set before the handler writes its head. */
export function markWorkerServer(server: { prependListener(event: 'request', fn: (req: unknown, res: { setHeader(k: string, v: string): unknown }) => void): unknown }, link: PrimaryLink): void {
  const value = `${link.id}/${process.pid}`;
  server.prependListener('request', (_req, res) => {
    res.setHeader('x-obspath-worker', value);
  });
}
