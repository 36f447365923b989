// `--workers N`: the same command in N+1 processes. The primary starts the component's shared part (token,
// limiter counters, internal listener with the merged /metrics and /ready), then forks the workers, which run
// the serving part; SIGTERM on the primary drains every worker, then the primary.
import type { Logger } from '../telemetry/logger.js';
import { onShutdownSignal } from '../http/lifecycle.js';
import { WorkerPool } from './pool.js';
import { isClusterWorker, PrimaryLink } from './worker.js';

export type ClusterRole = { kind: 'primary'; pool: WorkerPool } | { kind: 'worker'; link: PrimaryLink };

export interface Stoppable {
  close(): Promise<void>;
}

export interface ClusteredOptions<T extends Stoppable> {
  workers: number;
  logger: Logger;
  graceMs?: number;
  /** Starts the component in the given role (no role: the single-process component). */
  start(role?: ClusterRole): Promise<T>;
}

/** Runs the component alone (workers 1) or as a cluster; resolves with the running part of this process. */
export async function runClustered<T extends Stoppable>(opts: ClusteredOptions<T>): Promise<T> {
  const graceMs = opts.graceMs ?? 10_000;
  if (isClusterWorker()) {
    const link = new PrimaryLink();
    // Every line of this worker (and of the loggers made from it during the start) names it; the primary's
    // lines about a worker name it in the same field. Changed in place: the component's code holds this logger.
    opts.logger.setBindings({ worker: link.id });
    const running = await opts.start({ kind: 'worker', link });
    link.started(opts.logger, () => running.close());
    return running;
  }
  if (opts.workers <= 1) {
    const running = await opts.start();
    onShutdownSignal(opts.logger, () => running.close(), graceMs);
    return running;
  }
  const pool = new WorkerPool({ count: opts.workers, logger: opts.logger, graceMs });
  const running = await opts.start({ kind: 'primary', pool });
  // Workers drain first (they hold the connections), then the primary's own part; the signal handler's grace
  // covers both.
  onShutdownSignal(opts.logger, async () => {
    await pool.close();
    await running.close();
  }, graceMs + 2000);
  try {
    await pool.start();
  } catch (err) {
    await pool.close();
    await running.close();
    throw err;
  }
  opts.logger.info({ workers: opts.workers, pid: process.pid }, 'workers started');
  return running;
}
