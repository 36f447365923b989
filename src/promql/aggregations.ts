// Aggregation operators with by/without. Group membership is computed once per series; accumulators are flat typed
// arrays indexed [group * steps + step], so the inner loops do no allocation.

import { annotationText, goFloatF, goQuote } from './annotations.js';
import type { AggregateExpr } from './ast.js';
import { executionError } from './errors.js';
import type { Evaluator } from './evaluator.js';
import { kahanSumInc, quantileOf } from './functions/mathutil.js';
import type { Labels } from '../storage/interface.js';
import { labelsKey, newSeries, setLabel, type Grid, type StepSeries, type Value, type VectorValue } from './value.js';
import { isValidLabelName } from './functions/labels.js';
import { labelsHashFraction } from './xxhash.js';
import { histogramString } from './histogram-string.js';
import { dropIgnoredHistograms, sumAvgWithHistograms } from './histogram-agg.js';

interface Groups {
  /** Output labels per group. */
  labels: Labels[];
  /** Group index per input series. */
  of: Int32Array;
  /** Member series per group. */
  members: number[][];
}

function groupSeries(e: AggregateExpr, v: VectorValue): Groups {
  const names = new Set(e.grouping);
  const byKey = new Map<string, number>();
  const labels: Labels[] = [];
  const members: number[][] = [];
  const of = new Int32Array(v.series.length);
  v.series.forEach((s, si) => {
    const gl = e.without
      ? s.labels.filter((l) => !names.has(l.name) && l.name !== '__name__')
      : s.labels.filter((l) => names.has(l.name));
    const key = labelsKey(gl);
    let g = byKey.get(key);
    if (g === undefined) {
      g = labels.length;
      byKey.set(key, g);
      labels.push(gl);
      members.push([]);
    }
    of[si] = g;
    members[g]!.push(si);
  });
  return { labels, of, members };
}

export function evalAggregate(ev: Evaluator, e: AggregateExpr, grid: Grid): Value {
  const n = grid.count;
  let param: Float64Array | null = null;
  let label = '';
  if (e.param) {
    if (e.op === 'count_values') label = ev.evalString(e.param, grid);
    else param = ev.evalScalar(e.param, grid);
  }
  let v = ev.evalVector(e.expr, grid);
  if (e.op === 'count_values' && !isValidLabelName(label)) throw executionError(`invalid label name ${goQuote(label)}`);
  if (v.series.some((s) => s.histograms !== undefined)) {
    if (e.op === 'sum' || e.op === 'avg') {
      return sumAvgWithHistograms(ev, e.op, v, (x) => groupSeries(e, x), (x) => simpleAgg(e.op, x, groupSeries(e, x), n), n);
    }
    v = dropIgnoredHistograms(ev, e.op, v);
  }
  const groups = groupSeries(e, v);
  switch (e.op) {
    case 'topk':
    case 'bottomk':
    case 'limitk':
    case 'limit_ratio':
      return selectK(ev, e, v, groups, param!, n);
    case 'quantile':
      return quantileAgg(ev, v, groups, param!, n);
    case 'count_values':
      return countValues(e, v, groups, label, n);
    default:
      return simpleAgg(e.op, v, groups, n);
  }
}

/** Flat per-(group, step) accumulators of a simple aggregation, indexed [group * steps + step]. */
interface SimpleAccumulators {
  op: AggregateExpr['op'];
  val: Float64Array; comp: Float64Array; count: Float64Array; mean: Float64Array | null; incremental: Uint8Array | null;
}

function simpleAgg(op: AggregateExpr['op'], v: VectorValue, g: Groups, n: number): VectorValue {
  const ng = g.labels.length;
  const acc: SimpleAccumulators = {
    op,
    val: new Float64Array(ng * n),
    comp: new Float64Array(ng * n),
    count: new Float64Array(ng * n),
    mean: op === 'avg' || op === 'stddev' || op === 'stdvar' ? new Float64Array(ng * n) : null,
    incremental: op === 'avg' ? new Uint8Array(ng * n) : null,
  };
  const dropName = new Uint8Array(ng);
  const seenGroup = new Uint8Array(ng);
  for (let si = 0; si < v.series.length; si++) {
    const s = v.series[si]!;
    const gi = g.of[si]!;
    if (!seenGroup[gi]) {
      seenGroup[gi] = 1;
      dropName[gi] = s.dropName ? 1 : 0;
    }
    accumulateSeries(acc, s, gi * n, n);
  }
  const out: StepSeries[] = [];
  for (let gi = 0; gi < ng; gi++) {
    const s = newSeries(g.labels[gi]!, n, dropName[gi] === 1);
    if (emitGroup(acc, s, gi * n, n)) out.push(s);
  }
  return { kind: 'vector', series: out };
}

/** Folds one input series into its group's accumulators (which start at `base`). */
function accumulateSeries(acc: SimpleAccumulators, s: StepSeries, base: number, n: number): void {
  const { op, val, comp, count, mean, incremental } = acc;
  const vals = s.values;
  const pres = s.present;
  for (let i = 0; i < n; i++) {
    if (!pres[i]) continue;
    const x = vals[i]!;
    const k = base + i;
    const c = ++count[k];
    switch (op) {
      case 'sum': {
        const t = val[k]! + x;
        comp[k] = kahanComp(val[k]!, x, t, comp[k]!);
        val[k] = t;
        break;
      }
      case 'avg':
        avgInc(val, comp, mean!, incremental!, k, x, c);
        break;
      case 'min':
        if (c === 1 || val[k]! > x || val[k] !== val[k]) val[k] = x;
        break;
      case 'max':
        if (c === 1 || val[k]! < x || val[k] !== val[k]) val[k] = x;
        break;
      case 'stddev':
      case 'stdvar': {
        if (c === 1) {
          mean![k] = x;
          val[k] = Number.isFinite(x) ? 0 : NaN;
        } else {
          const delta = x - mean![k]!;
          mean![k]! += delta / c;
          val[k]! += delta * (x - mean![k]!);
        }
        break;
      }
      default:
        break;
    }
  }
}

/** Writes one group's final values (accumulators at `base`) into `s`; false when the group has no sample. */
function emitGroup(acc: SimpleAccumulators, s: StepSeries, base: number, n: number): boolean {
  const { op, val, comp, count, mean, incremental } = acc;
  let any = false;
  for (let i = 0; i < n; i++) {
    const k = base + i;
    const c = count[k]!;
    if (c === 0) continue;
    let r: number;
    switch (op) {
      case 'sum':
        r = Number.isFinite(val[k]!) ? val[k]! + comp[k]! : val[k]!;
        break;
      case 'avg':
        r = incremental![k] ? mean![k]! + comp[k]! : val[k]! / c + comp[k]! / c;
        break;
      case 'count':
        r = c;
        break;
      case 'group':
        r = 1;
        break;
      case 'stdvar':
        r = val[k]! / c;
        break;
      case 'stddev':
        r = Math.sqrt(val[k]! / c);
        break;
      default:
        r = val[k]!;
    }
    s.values[i] = r;
    s.present[i] = 1;
    any = true;
  }
  return any;
}

/** The Neumaier compensation term after adding `inc` to `sum` (giving `t`). */
function kahanComp(sum: number, inc: number, t: number, c: number): number {
  if (!Number.isFinite(t)) return 0;
  if (Math.abs(sum) >= Math.abs(inc)) return c + (sum - t + inc);
  return c + (inc - t + sum);
}

/** Prometheus's avg: Kahan-compensated sum, switching to an incremental mean if the sum would overflow. */
function avgInc(sum: Float64Array, comp: Float64Array, mean: Float64Array, incr: Uint8Array, k: number, x: number, count: number): void {
  if (count === 1) {
    sum[k] = x;
    comp[k] = 0;
    return;
  }
  if (!incr[k]) {
    const [ns, nc] = kahanSumInc(x, sum[k]!, comp[k]!);
    if (Number.isFinite(ns) || Number.isNaN(ns)) {
      sum[k] = ns;
      comp[k] = nc;
      return;
    }
    incr[k] = 1;
    mean[k] = sum[k]! / (count - 1);
    comp[k] = comp[k]! / (count - 1);
  }
  const m = mean[k]!;
  if (!Number.isFinite(m) && !Number.isNaN(m)) {
    if (!Number.isFinite(x) && !Number.isNaN(x) && m > 0 === x > 0) return;
    if (Number.isFinite(x)) return;
  }
  const q = (count - 1) / count;
  const [nm, nc] = kahanSumInc(x / count, q * m, q * comp[k]!);
  mean[k] = nm;
  comp[k] = nc;
}

function quantileAgg(ev: Evaluator, v: VectorValue, g: Groups, q: Float64Array, n: number): VectorValue {
  const out: StepSeries[] = [];
  const scratch: number[] = [];
  for (let i = 0; i < n; i++) {
    const qi = q[i]!;
    if (!(qi >= 0 && qi <= 1)) ev.annotations.warn(annotationText.invalidQuantile(qi));
  }
  g.members.forEach((members, gi) => {
    const s = newSeries(g.labels[gi]!, n, v.series[members[0]!]!.dropName);
    let any = false;
    for (let i = 0; i < n; i++) {
      scratch.length = 0;
      for (const si of members) {
        const m = v.series[si]!;
        if (m.present[i]) scratch.push(m.values[i]!);
      }
      if (scratch.length === 0) continue;
      s.values[i] = quantileOf(q[i]!, scratch);
      s.present[i] = 1;
      any = true;
    }
    if (any) out.push(s);
  });
  return { kind: 'vector', series: out };
}

function countValues(e: AggregateExpr, v: VectorValue, g: Groups, label: string, n: number): VectorValue {
  const out = new Map<string, StepSeries>();
  for (let si = 0; si < v.series.length; si++) {
    const s = v.series[si]!;
    const gl = g.labels[g.of[si]!]!;
    for (let i = 0; i < n; i++) {
      if (!s.present[i]) continue;
      const h = s.histograms?.[i];
      const labels = setLabel(gl, label, h ? histogramString(h) : goFloatF(s.values[i]!));
      const key = labelsKey(labels);
      let o = out.get(key);
      if (!o) out.set(key, (o = newSeries(labels, n)));
      o.values[i]! += 1;
      o.present[i] = 1;
    }
  }
  void e;
  return { kind: 'vector', series: [...out.values()] };
}

/** topk / bottomk / limitk / limit_ratio: per step, pick series of each group; output keeps input labels. */
function selectK(ev: Evaluator, e: AggregateExpr, v: VectorValue, g: Groups, param: Float64Array, n: number): VectorValue {
  const picked = v.series.map(
    (s) => ({ labels: s.labels, values: s.values, present: new Uint8Array(n), dropName: s.dropName, ...(s.histograms ? { histograms: s.histograms } : {}) }) as StepSeries,
  );
  const order: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = param[i]!;
    let k = 0;
    let ratio = 0;
    if (e.op === 'limit_ratio') {
      if (Number.isNaN(p)) throw executionError(`Ratio value ${p} is NaN`);
      ratio = p;
      if (p < -1 || p > 1) {
        ratio = p < -1 ? -1 : 1;
        ev.annotations.warn(annotationText.invalidRatio(p, ratio));
      }
    } else {
      if (Number.isNaN(p) || Math.abs(p) > 9.223372036854776e18) throw executionError(`Scalar value ${p} overflows int64`);
      k = Math.trunc(p);
      if (k < 1) continue;
    }
    for (const members of g.members) {
      heap.length = 0;
      if (e.op === 'limitk') {
        for (const si of members) {
          if (heap.length >= k) break;
          if (v.series[si]!.present[i]) heap.push(si);
        }
      } else if (e.op === 'limit_ratio') {
        for (const si of members) {
          if (v.series[si]!.present[i] && ratioSelects(v.series[si]!.labels, ratio)) heap.push(si);
        }
      } else {
        topkHeap(v.series, members, i, k, e.op === 'topk', heap);
      }
      for (const si of heap) picked[si]!.present[i] = 1;
      if (n === 1) {
        const vals = v.series;
        const sorted = e.op === 'topk' || e.op === 'bottomk' ? sortHeap(heap, vals, e.op === 'topk') : heap;
        order.push(...sorted);
      }
    }
  }
  // For instant queries keep Prometheus's output order (per group, best first); range results get sorted anyway.
  const series = n === 1 ? order.map((si) => picked[si]!) : picked.filter((s) => s.present.some((x) => x === 1));
  return { kind: 'vector', series };
}

function sortHeap(heap: number[], series: StepSeries[], top: boolean): number[] {
  const val = (si: number) => series[si]!.values[0]!;
  // Go: sort.Sort(sort.Reverse(heap)) with NaN as the smallest (topk) / largest (bottomk) value.
  return [...heap].sort((a, b) => {
    const x = val(a);
    const y = val(b);
    if (Number.isNaN(x) && Number.isNaN(y)) return 0;
    if (Number.isNaN(x)) return 1;
    if (Number.isNaN(y)) return -1;
    return top ? y - x : x - y;
  });
}

/** Go container/heap based selection, replicating Prometheus's tie behaviour (earlier series win ties). */
function topkHeap(series: StepSeries[], members: number[], i: number, k: number, top: boolean, heap: number[]): void {
  const val = (si: number) => series[si]!.values[i]!;
  // less(a, b): a belongs closer to heap[0], i.e. is the first to be evicted.
  const less = top
    ? (a: number, b: number) => { const x = val(a); const y = val(b); return x < y || (Number.isNaN(x) && !Number.isNaN(y)); }
    : (a: number, b: number) => { const x = val(a); const y = val(b); return x > y || (Number.isNaN(x) && !Number.isNaN(y)); };
  const up = (j: number) => {
    while (j > 0) {
      const p = (j - 1) >> 1;
      if (p === j || !less(heap[j]!, heap[p]!)) break;
      [heap[p], heap[j]] = [heap[j]!, heap[p]!];
      j = p;
    }
  };
  const down = (i0: number) => {
    let j = i0;
    const len = heap.length;
    for (;;) {
      const l = 2 * j + 1;
      if (l >= len) break;
      let c = l;
      if (l + 1 < len && less(heap[l + 1]!, heap[l]!)) c = l + 1;
      if (!less(heap[c]!, heap[j]!)) break;
      [heap[c], heap[j]] = [heap[j]!, heap[c]!];
      j = c;
    }
  };
  for (const si of members) {
    if (!series[si]!.present[i]) continue;
    if (heap.length < k) {
      heap.push(si);
      up(heap.length - 1);
    } else if (less(heap[0]!, si)) {
      heap[0] = si;
      if (k > 1) down(0);
    }
  }
}

/** limit_ratio: Prometheus keeps a series when hash(labels)/2^64 falls below the ratio (or above 1+ratio if negative). */
function ratioSelects(labels: Labels, ratio: number): boolean {
  const h = labelsHashFraction(labels);
  return ratio >= 0 ? h < ratio : h >= 1 + ratio;
}

