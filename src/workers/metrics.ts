// One /metrics for the whole cluster: the primary's own registry plus every worker's, merged by prom-client's
// aggregation (counters, histograms and most gauges summed; per-metric aggregators such as the Node version kept).
import { AggregatorRegistry, Registry } from 'prom-client';
import type { WorkerPool } from './pool.js';

export class ClusterRegistry extends Registry {
  constructor(private readonly own: Registry, private readonly pool: WorkerPool) {
    super();
  }

  override async metrics(): Promise<string> {
    const answers = await this.pool.gather<object[]>('metrics');
    const parts = [await this.own.getMetricsAsJSON(), ...answers.flatMap((a) => (a.value ? [a.value] : []))];
    return AggregatorRegistry.aggregate(parts).metrics();
  }
}
