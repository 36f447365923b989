// One /metrics for the whole cluster: the primary's own registry plus every worker's latest snapshot and the
// counts of exited workers (aggregate.ts says why), merged with each metric's prom-client aggregator (summed
// unless the metric says otherwise: the process metrics' choices are in telemetry/metrics.ts). The primary adds
// what only it knows: how many workers it runs and how often they restarted.
import { Registry } from 'prom-client';
import { aggregateParts, ClusterSnapshots, type Snapshot } from './aggregate.js';
import type { WorkerPool } from './pool.js';

/** The primary's view of its workers, as metrics (the doctor and dashboards read these). */
export function workerMetrics(pool: Pick<WorkerPool, 'count' | 'restarts' | 'states'>): Snapshot {
  const started = pool.states().filter((w) => w.started).length;
  return [
    { name: 'obspath_workers', help: 'Worker processes this component runs (--workers).', type: 'gauge', aggregator: 'sum', values: [{ value: pool.count, labels: {} }] },
    { name: 'obspath_workers_started', help: 'Worker processes serving now (started and not exited).', type: 'gauge', aggregator: 'sum', values: [{ value: started, labels: {} }] },
    { name: 'obspath_worker_restarts_total', help: 'Worker processes restarted by the primary after they exited.', type: 'counter', aggregator: 'sum', values: [{ value: pool.restarts, labels: {} }] },
  ];
}

export class ClusterRegistry extends Registry {
  readonly #snapshots = new ClusterSnapshots();

  constructor(private readonly own: Registry, private readonly pool: WorkerPool) {
    super();
  }

  override async metrics(): Promise<string> {
    const answers = await this.pool.gather<Snapshot>('metrics');
    const own = (await this.own.getMetricsAsJSON()) as unknown as Snapshot;
    return aggregateParts([[...own, ...workerMetrics(this.pool)], ...this.#snapshots.parts(answers)]).metrics();
  }
}
