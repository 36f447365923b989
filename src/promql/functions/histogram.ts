// histogram_quantile over classic (`le`-labelled) bucket series.

import { annotationText } from '../annotations.js';
import type { Call } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { getLabel, labelsKey, newSeries, type Grid, type StepSeries, type Value } from '../value.js';
import { almostEqual } from './mathutil.js';

interface Bucket {
  upper: number;
  count: number;
}

const SMALL_DELTA_TOLERANCE = 1e-12;

/** Prometheus's BucketQuantile; returns [value, forcedMonotonicity]. Sorts/coalesces `buckets` in place. */
export function bucketQuantile(q: number, buckets: Bucket[]): [number, boolean] {
  if (Number.isNaN(q)) return [NaN, false];
  if (q < 0) return [-Infinity, false];
  if (q > 1) return [Infinity, false];
  buckets.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  if (buckets[buckets.length - 1]!.upper !== Infinity) return [NaN, false];
  // Coalesce buckets with the same upper bound.
  let w = 0;
  for (let r = 1; r < buckets.length; r++) {
    if (buckets[r]!.upper === buckets[w]!.upper) buckets[w]!.count += buckets[r]!.count;
    else buckets[++w] = { ...buckets[r]! };
  }
  buckets.length = w + 1;
  let forced = false;
  let prev = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i]!.count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
      buckets[i]!.count = prev;
      continue;
    }
    if (curr < prev) {
      buckets[i]!.count = prev;
      forced = true;
      continue;
    }
    prev = curr;
  }
  if (buckets.length < 2) return [NaN, forced];
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return [NaN, forced];
  let rank = q * observations;
  // sort.Search over all but the +Inf bucket.
  let b = 0;
  while (b < buckets.length - 1 && !(buckets[b]!.count >= rank)) b++;
  if (b === buckets.length - 1) return [buckets[buckets.length - 2]!.upper, forced];
  if (b === 0 && buckets[0]!.upper <= 0) return [buckets[0]!.upper, forced];
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upper;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upper;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return [bucketStart + (bucketEnd - bucketStart) * (rank / count), forced];
}

function parseLe(s: string): number | undefined {
  const t = s.trim();
  if (/^[+-]?inf(inity)?$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) || /^[+-]?0x[0-9a-f]+$/i.test(t)) return Number(t);
  return undefined;
}

export function histogramQuantile(ev: Evaluator, call: Call, grid: Grid): Value {
  const n = grid.count;
  const q = ev.evalScalar(call.args[0]!, grid);
  const v = ev.evalVector(call.args[1]!, grid);
  for (let i = 0; i < n; i++) {
    const qi = q[i]!;
    if (!(qi >= 0 && qi <= 1)) ev.annotations.warn(annotationText.invalidQuantile(qi));
  }
  // Group bucket series by their labels without `le` (the name stays in the key, as in Prometheus).
  const groups = new Map<string, { members: { s: StepSeries; upper: number }[]; out: StepSeries }>();
  for (const s of v.series) {
    const le = getLabel(s.labels, 'le');
    const upper = parseLe(le);
    if (upper === undefined) {
      ev.annotations.warn(annotationText.badBucketLabel(getLabel(s.labels, '__name__'), le));
      continue;
    }
    const rest = s.labels.filter((l) => l.name !== 'le');
    const key = labelsKey(rest);
    let g = groups.get(key);
    if (!g) {
      const outLabels = rest.filter((l) => l.name !== '__name__');
      g = { members: [], out: newSeries(outLabels, n, true) };
      groups.set(key, g);
    }
    g.members.push({ s, upper });
  }
  const out: StepSeries[] = [];
  const buckets: Bucket[] = [];
  for (const g of groups.values()) {
    let any = false;
    for (let i = 0; i < n; i++) {
      buckets.length = 0;
      for (const m of g.members) if (m.s.present[i]) buckets.push({ upper: m.upper, count: m.s.values[i]! });
      if (buckets.length === 0) continue;
      const [val, forced] = bucketQuantile(q[i]!, buckets);
      if (forced) ev.annotations.info(annotationText.forcedMonotonicity(getLabel(g.members[0]!.s.labels, '__name__')));
      g.out.values[i] = val;
      g.out.present[i] = 1;
      any = true;
    }
    if (any) out.push(g.out);
  }
  return { kind: 'vector', series: out };
}
