// The evaluator: one recursive walk over the AST producing values for a whole time grid at once (series-major).
// Selectors, subqueries and dispatch live here; operators, aggregations and functions in their own files.

import { Annotations } from './annotations.js';
import type { Call, Expr, MatrixSelector, SubqueryExpr, VectorSelector } from './ast.js';
import { evalAggregate } from './aggregations.js';
import { evalBinary } from './binary.js';
import { PromQLError, QueryTimeoutError, TooManySamplesError } from './errors.js';
import { FUNCTIONS } from './functions/index.js';
import type { Querier } from '../storage/interface.js';
import { isStaleNaN } from '../storage/value.js';
import type { FloatHistogram } from '../histogram/index.js';
import { scaleHistogram } from '../histogram/index.js';
import type { SelectHints, SeriesSamples } from '../storage/interface.js';
import { makeGrid, newSeries, setHistogram, type Grid, type MatrixValue, type RangeSeries, type ScalarValue, type StepSeries, type Value, type VectorValue } from './value.js';

export interface EvalOptions {
  lookbackDelta: number;
  maxSamples: number;
  /** Absolute Date.now() deadline. */
  deadline: number;
  /** Query range, for `@ start()` / `@ end()`. */
  queryStart: number;
  queryEnd: number;
  /** Subquery resolution when none is given. */
  noStepSubqueryInterval: number;
}

/** A range-vector argument prepared for windowed evaluation at each step of a grid. */
export interface RangeSource {
  series: RangeSeries[];
  /** Window end (inclusive) per step; the window is (ref - range, ref]. */
  refs: Float64Array;
  range: number;
  /** The selector, when the source is a matrix selector (for absent_over_time labels and annotations). */
  selector: VectorSelector | null;
}

export class Evaluator {
  readonly annotations = new Annotations();
  /** Samples currently held by live intermediate results. */
  private heldSamples = 0;
  private checks = 0;

  constructor(readonly querier: Querier, readonly opts: EvalOptions) {}

  checkDeadline(): void {
    if (Date.now() > this.opts.deadline) throw new QueryTimeoutError('query execution');
  }

  /** Accounts `n` more samples in memory; throws when over the limit. */
  addSamples(n: number): void {
    this.heldSamples += n;
    if (this.heldSamples > this.opts.maxSamples) throw new TooManySamplesError();
    if (++this.checks % 64 === 0) this.checkDeadline();
  }

  eval(e: Expr, grid: Grid): Value {
    this.checkDeadline();
    const held = this.heldSamples;
    const v = this.evalNode(e, grid);
    // Children's results are dropped once the parent is computed: only the output stays accounted.
    this.heldSamples = held;
    this.addSamples(countSamples(v));
    return v;
  }

  private evalNode(e: Expr, grid: Grid): Value {
    switch (e.type) {
      case 'NumberLiteral':
        return { kind: 'scalar', values: new Float64Array(grid.count).fill(e.value) };
      case 'StringLiteral':
        return { kind: 'string', value: e.value };
      case 'ParenExpr':
        return this.eval(e.expr, grid);
      case 'UnaryExpr': {
        const v = this.eval(e.expr, grid);
        if (e.op === '+') return v;
        if (v.kind === 'scalar') return { kind: 'scalar', values: v.values.map((x) => -x) };
        if (v.kind !== 'vector') throw new PromQLError('internal', 'unary minus on non-vector');
        return {
          kind: 'vector',
          series: v.series.map((s) => ({
            labels: s.labels, values: s.values.map((x) => -x), present: s.present, dropName: true,
            ...(s.histograms ? { histograms: s.histograms.map((h) => (h ? scaleHistogram(h, -1) : undefined)) } : {}),
          })),
        };
      }
      case 'VectorSelector':
        return this.evalVectorSelector(e, grid);
      case 'MatrixSelector':
      case 'SubqueryExpr':
        return this.evalRangeResult(e, grid);
      case 'AggregateExpr':
        return evalAggregate(this, e, grid);
      case 'BinaryExpr':
        return evalBinary(this, e, grid);
      case 'Call':
        return this.evalCall(e, grid);
    }
  }

  evalScalar(e: Expr, grid: Grid): Float64Array {
    const v = this.eval(e, grid);
    if (v.kind !== 'scalar') throw new PromQLError('internal', `expected scalar, got ${v.kind}`);
    return v.values;
  }

  evalVector(e: Expr, grid: Grid): VectorValue {
    const v = this.eval(e, grid);
    if (v.kind !== 'vector') throw new PromQLError('internal', `expected instant vector, got ${v.kind}`);
    return v;
  }

  evalString(e: Expr, grid: Grid): string {
    const v = this.eval(e, grid);
    if (v.kind !== 'string') throw new PromQLError('internal', `expected string, got ${v.kind}`);
    return v.value;
  }

  private evalCall(e: Call, grid: Grid): Value {
    const impl = FUNCTIONS.get(e.func);
    if (!impl) throw new PromQLError('bad_data', `function ${JSON.stringify(e.func)} is not supported`);
    return impl(this, e, grid);
  }

  /** The `@` timestamp of a selector or subquery, with start()/end() resolved; null if none. */
  atTime(n: { at: number | null; atPreprocessor: 'start' | 'end' | null }): number | null {
    if (n.atPreprocessor === 'start') return this.opts.queryStart;
    if (n.atPreprocessor === 'end') return this.opts.queryEnd;
    return n.at;
  }

  /** Per-step reference times (step time or `@` time, minus offset). */
  refsFor(n: { at: number | null; atPreprocessor: 'start' | 'end' | null; offset: number }, grid: Grid): Float64Array {
    const at = this.atTime(n);
    const refs = new Float64Array(grid.count);
    for (let i = 0; i < grid.count; i++) refs[i] = (at ?? grid.start + i * grid.step) - n.offset;
    return refs;
  }

  evalVectorSelector(vs: VectorSelector, grid: Grid, timestamps = false): VectorValue {
    const refs = this.refsFor(vs, grid);
    const lookback = this.opts.lookbackDelta;
    const n = grid.count;
    // One reference time (an instant query, or a fixed `@`): only each series' newest sample is read.
    const hints = refs[0] === refs[n - 1] ? LATEST_ONLY : undefined;
    const raw = this.querier.select(vs.matchers, refs[0]! - lookback + 1, refs[n - 1]!, hints);
    const out: StepSeries[] = [];
    let total = 0;
    for (let si = 0; si < raw.length; si++) {
      const s = raw[si]!;
      const series = newSeries(s.labels, n, timestamps);
      const count = s.histograms && s.histograms.timestamps.length > 0 ? selectMixed(s, refs, lookback, series, timestamps) : selectFloats(s, refs, lookback, series, timestamps);
      const any = count > 0;
      total += count;
      if (any) out.push(series);
      if ((si & 1023) === 1023) this.checkDeadline();
    }
    this.addSamples(total);
    return { kind: 'vector', series: out };
  }

  /** Prepares a matrix selector or subquery argument for per-step windows over `grid`. */
  rangeSource(e: Expr, grid: Grid): RangeSource {
    while (e.type === 'ParenExpr') e = e.expr;
    if (e.type === 'MatrixSelector') return this.matrixSource(e, grid);
    if (e.type === 'SubqueryExpr') return this.subquerySource(e, grid);
    throw new PromQLError('internal', `expected range vector, got ${e.type}`);
  }

  private matrixSource(ms: MatrixSelector, grid: Grid): RangeSource {
    const vs = ms.selector;
    const refs = this.refsFor(vs, grid);
    const raw = this.querier.select(vs.matchers, minOf(refs) - ms.range + 1, maxOf(refs));
    const series: RangeSeries[] = [];
    let total = 0;
    for (const s of raw) {
      const rs = s.histograms && s.histograms.timestamps.length > 0 ? mergedWithoutStale(s) : withoutStale(s.labels, s.timestamps, s.values);
      total += rs.timestamps.length;
      series.push(rs);
    }
    this.addSamples(total);
    return { series, refs, range: ms.range, selector: vs };
  }

  private subquerySource(sq: SubqueryExpr, grid: Grid): RangeSource {
    const refs = this.refsFor(sq, grid);
    const inner = this.evalSubqueryInner(sq, minOf(refs), maxOf(refs));
    return { series: inner, refs, range: sq.range, selector: null };
  }

  /** Evaluates a subquery's inner expression on its own aligned grid covering (first - range, last]. */
  private evalSubqueryInner(sq: SubqueryExpr, firstRef: number, lastRef: number): RangeSeries[] {
    const step = sq.step > 0 ? sq.step : this.opts.noStepSubqueryInterval;
    const lowest = firstRef - sq.range;
    let start = step * Math.trunc(lowest / step);
    if (start <= lowest) start += step;
    if (start > lastRef) return [];
    const sub = makeGrid(start, lastRef, step);
    // Every inner step holds at least one value: refuse grids that could never fit the sample limit.
    if (sub.count > this.opts.maxSamples) throw new TooManySamplesError();
    const v = this.eval(sq.expr, sub);
    if (v.kind !== 'vector') throw new PromQLError('internal', 'subquery of non-vector');
    return v.series.map((s) => vectorToRange(s, sub));
  }

  /** A range vector as a final result (instant queries only). */
  private evalRangeResult(e: MatrixSelector | SubqueryExpr, grid: Grid): MatrixValue {
    const src = this.rangeSource(e, grid);
    const ref = src.refs[0]!;
    const out: RangeSeries[] = [];
    for (const s of src.series) {
      const ts: number[] = [];
      const vs: number[] = [];
      const hs: (FloatHistogram | undefined)[] = [];
      for (let i = 0; i < s.timestamps.length; i++) {
        const t = s.timestamps[i]!;
        if (t > ref - src.range && t <= ref) {
          ts.push(t);
          vs.push(s.values[i]!);
          hs.push(s.histograms?.[i]);
        }
      }
      if (ts.length > 0) out.push({ labels: s.labels, timestamps: ts, values: vs, dropName: s.dropName, ...(s.histograms ? { histograms: hs } : {}) });
    }
    return { kind: 'matrix', series: out };
  }
}

function minOf(a: Float64Array): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) if (a[i]! < m) m = a[i]!;
  return m;
}
function maxOf(a: Float64Array): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}

/** Drops stale markers (copying only when there are any). */
function withoutStale(labels: RangeSeries['labels'], ts: ArrayLike<number>, vs: ArrayLike<number>): RangeSeries {
  let stale = 0;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    if (v !== v && isStaleNaN(v)) stale++;
  }
  if (stale === 0) return { labels, timestamps: ts, values: vs, dropName: false };
  const nts = new Float64Array(ts.length - stale);
  const nvs = new Float64Array(ts.length - stale);
  let k = 0;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    if (v !== v && isStaleNaN(v)) continue;
    nts[k] = ts[i]!;
    nvs[k++] = v;
  }
  return { labels, timestamps: nts, values: nvs, dropName: false };
}

function vectorToRange(s: StepSeries, grid: Grid): RangeSeries {
  let n = 0;
  for (let i = 0; i < grid.count; i++) n += s.present[i]!;
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  const hs = s.histograms ? new Array<FloatHistogram | undefined>(n) : undefined;
  let k = 0;
  for (let i = 0; i < grid.count; i++) {
    if (!s.present[i]) continue;
    ts[k] = grid.start + i * grid.step;
    if (hs) hs[k] = s.histograms![i];
    vs[k++] = s.values[i]!;
  }
  return { labels: s.labels, timestamps: ts, values: vs, dropName: s.dropName, ...(hs ? { histograms: hs } : {}) };
}

const LATEST_ONLY: SelectHints = Object.freeze({ latestOnly: true });

/** Instant-vector selection of a float-only series; returns the number of steps filled. */
function selectFloats(s: SeriesSamples, refs: Float64Array, lookback: number, series: StepSeries, timestamps: boolean): number {
  const ts = s.timestamps;
  const vals = s.values;
  const len = ts.length;
  let j = -1;
  let filled = 0;
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i]!;
    if (j >= 0 && ts[j]! > ref) j = -1; // refs only decrease when `@` is fixed; restart then
    while (j + 1 < len && ts[j + 1]! <= ref) j++;
    if (j < 0 || ts[j]! <= ref - lookback) continue;
    const v = vals[j]!;
    if (v !== v && isStaleNaN(v)) continue;
    series.values[i] = timestamps ? ts[j]! / 1000 : v;
    series.present[i] = 1;
    filled++;
  }
  return filled;
}

/** Instant-vector selection of a series holding histograms (and maybe floats): the latest sample of either kind
 *  within the lookback wins; a stale float or a histogram with a stale sum ends the series. */
function selectMixed(s: SeriesSamples, refs: Float64Array, lookback: number, series: StepSeries, timestamps: boolean): number {
  const fts = s.timestamps;
  const hts = s.histograms!.timestamps;
  const hvs = s.histograms!.values;
  let j = -1;
  let k = -1;
  let filled = 0;
  for (let i = 0; i < refs.length; i++) {
    const ref = refs[i]!;
    if (j >= 0 && fts[j]! > ref) j = -1;
    if (k >= 0 && hts[k]! > ref) k = -1;
    while (j + 1 < fts.length && fts[j + 1]! <= ref) j++;
    while (k + 1 < hts.length && hts[k + 1]! <= ref) k++;
    const ft = j >= 0 ? fts[j]! : -Infinity;
    const ht = k >= 0 ? hts[k]! : -Infinity;
    const t = Math.max(ft, ht);
    if (t === -Infinity || t <= ref - lookback) continue;
    if (ht >= ft) {
      const h = hvs[k]!;
      if (isStaleNaN(h.sum)) continue;
      if (timestamps) {
        series.values[i] = t / 1000;
        series.present[i] = 1;
      } else setHistogram(series, i, h);
    } else {
      const v = s.values[j]!;
      if (v !== v && isStaleNaN(v)) continue;
      series.values[i] = timestamps ? t / 1000 : v;
      series.present[i] = 1;
    }
    filled++;
  }
  return filled;
}

/** Float and histogram samples of a series merged by time, stale markers dropped. */
function mergedWithoutStale(s: SeriesSamples): RangeSeries {
  const fts = s.timestamps;
  const hts = s.histograms!.timestamps;
  const hvs = s.histograms!.values;
  const ts: number[] = [];
  const vs: number[] = [];
  const hs: (FloatHistogram | undefined)[] = [];
  let j = 0;
  let k = 0;
  while (j < fts.length || k < hts.length) {
    if (k >= hts.length || (j < fts.length && fts[j]! < hts[k]!)) {
      const v = s.values[j]!;
      if (!(v !== v && isStaleNaN(v))) {
        ts.push(fts[j]!);
        vs.push(v);
        hs.push(undefined);
      }
      j++;
    } else {
      if (j < fts.length && fts[j] === hts[k]) j++; // one sample per timestamp: the histogram
      const h = hvs[k]!;
      if (!isStaleNaN(h.sum)) {
        ts.push(hts[k]!);
        vs.push(0);
        hs.push(h);
      }
      k++;
    }
  }
  return { labels: s.labels, timestamps: ts, values: vs, dropName: false, histograms: hs };
}

export function countSamples(v: Value): number {
  if (v.kind === 'scalar') return v.values.length;
  if (v.kind === 'string') return 0;
  let n = 0;
  if (v.kind === 'matrix') {
    for (const s of v.series) n += s.timestamps.length;
    return n;
  }
  for (const s of v.series) {
    const p = s.present;
    for (let i = 0; i < p.length; i++) n += p[i]!;
  }
  return n;
}

export type { ScalarValue };
