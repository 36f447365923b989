import type { Logger } from '../telemetry/logger.js';

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

