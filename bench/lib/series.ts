// The label set of the in-process ingest benchmarks' synthetic series: node-exporter-like counters spread over
// 20 metric names, hosts of 20 series and 7 namespaces.
import type { Label } from '../../src/storage/interface.js';

export function benchSeriesLabels(i: number, pod: string): Label[] {
  return [
    { name: '__name__', value: `bench_metric_${i % 20}_total` },
    { name: 'instance', value: `host-${Math.floor(i / 20)}.example.internal:9100` },
    { name: 'job', value: 'node' },
    { name: 'namespace', value: `tenant-${i % 7}` },
    { name: 'pod', value: pod },
  ];
}
