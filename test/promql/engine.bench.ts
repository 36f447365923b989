// Benchmark: `sum by (topic) (rate(x[5m]))` and a `{__name__=~"a|b|c", namespace="..."}` selector over N series
// in the in-memory querier. Run: node --import tsx test/promql/engine.bench.ts [series=100000]
import { Engine } from '../../src/promql/engine.js';
import { MemoryQuerier } from '../../src/promql/testing/memory-querier.js';

const N = Number(process.argv[2] ?? 100_000);
const POINTS = 120; // 30 minutes at 15 s
const q = new MemoryQuerier();
const ts = Array.from({ length: POINTS }, (_, i) => i * 15_000);
let t0 = performance.now();
for (let s = 0; s < N; s++) {
  const name = ['a', 'b', 'c', 'd'][s % 4]!;
  const labels = [
    { name: '__name__', value: s % 2 === 0 ? 'x' : name },
    { name: 'namespace', value: `ns-${s % 50}` },
    { name: 'pod', value: `pod-${s}` },
    { name: 'topic', value: `topic-${s % 100}` },
  ];
  q.append(labels, ts, Float64Array.from(ts, (t) => (t / 1000) * ((s % 7) + 1)));
}
console.log(`loaded ${N} series x ${POINTS} points in ${(performance.now() - t0).toFixed(0)} ms`);
const e = new Engine();
const end = (POINTS - 1) * 15_000;
function bench(label: string, fn: () => { result: unknown }) {
  fn(); // warm-up
  const runs = 5;
  t0 = performance.now();
  let size = 0;
  for (let i = 0; i < runs; i++) {
    const r = fn().result;
    size = Array.isArray(r) ? r.length : 1;
  }
  console.log(`${label}: ${((performance.now() - t0) / runs).toFixed(1)} ms/query (${size} result series)`);
}
bench('instant sum by (topic) (rate(x[5m]))', () => e.instantQuery(q, 'sum by (topic) (rate(x[5m]))', end));
bench('range 30m/15s sum by (topic) (rate(x[5m]))', () => e.rangeQuery(q, 'sum by (topic) (rate(x[5m]))', 300_000, end, 15_000));
bench('instant {__name__=~"a|b|c", namespace="ns-7"}', () => e.instantQuery(q, '{__name__=~"a|b|c", namespace="ns-7"}', end));
bench('range {__name__=~"a|b|c", namespace="ns-7"}', () => e.rangeQuery(q, '{__name__=~"a|b|c", namespace="ns-7"}', 0, end, 15_000));
