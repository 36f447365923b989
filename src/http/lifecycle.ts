import type { Logger } from '../telemetry/logger.js';
import { createInternalServer, type InternalServerOptions } from './internal.js';
import { listen, type Listenable } from './server.js';

/** A server of a component: listened by ComponentServers and closed (drained) with the others. */
export type ComponentServer = Listenable & { close(): PromiseLike<unknown> };

/**
 * Runs `stop` once on the first SIGINT/SIGTERM; a second signal exits at once. `stop` gets `graceMs`
 * to drain; if it takes longer the process exits anyway, so a stuck peer never blocks a rollout.
 */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>, graceMs = 10_000, signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'graceful shutdown took too long: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, handler);
}


export interface ComponentServersOptions {
  /** Stops the component's own work (timers, pollers, loops) before its servers close. */
  stopBefore?: () => void | Promise<void>;
  /** Releases what the servers used (backends, clients, agents) once they have drained. */
  releaseAfter?: () => void | Promise<void>;
}

/**
 * The servers of one component (its main listener, its internal /live, /ready, /metrics listener) and
 * their lifecycle: listened in order, each naming the flag of its address when it cannot bind; stopped
 * as stopBefore, then every server draining at once, then releaseAfter. A start that fails part way
 * stops what had started the same way before the error goes on.
 */
export class ComponentServers {
  private readonly servers: ComponentServer[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: ComponentServersOptions = {}) {}

  /** Listens `app` on `address` (chosen by `flag`); returns its base URL. It is closed with the others. */
  async listen(app: ComponentServer, address: string, flag: string): Promise<string> {
    this.servers.push(app);
    return (await listen(app, address, flag)).url;
  }

  /** Creates the component's internal server and listens it (see listen). */
  listenInternal(opts: InternalServerOptions, address: string, flag: string): Promise<string> {
    return this.listen(createInternalServer(opts), address, flag);
  }

  /** Runs the component's start; if it throws, closes whatever had started and rethrows. */
  async start<T>(start: () => Promise<T>): Promise<T> {
    try {
      return await start();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Stops the component once (later calls share the first): stopBefore, servers, releaseAfter. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.opts.stopBefore?.();
      await Promise.all(this.servers.map((s) => s.close()));
      await this.opts.releaseAfter?.();
    })();
    return this.closing;
  }
}
