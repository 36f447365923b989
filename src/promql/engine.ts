// The query engine: parses, enforces limits (timeout, max samples, 11,000 points per series), evaluates, applies
// Prometheus 3's delayed `__name__` removal and converts to API-shaped results.

import type { Expr } from './ast.js';
import { exprType } from './ast.js';
import { PromQLError } from './errors.js';
import { Evaluator } from './evaluator.js';
import { MAX_POINTS_PER_SERIES, tooManyPointsMessage } from './limits.js';
import { parseExpr } from './parser.js';
import { ParseCache } from './parse-cache.js';
import type { FloatHistogram } from '../histogram/index.js';
import type { Labels, Querier } from '../storage/interface.js';
import { compareLabels, labelsKey, makeGrid, withoutName, type Grid, type StepSeries, type Value } from './value.js';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample (ms). Default 5m. */
  lookbackDelta?: number;
  /** Max samples held in memory at once by one query. Default 50,000,000. */
  maxSamples?: number;
  /** Query timeout (ms). Default 2m. */
  timeoutMs?: number;
  /** Resolution of subqueries without an explicit step (ms). Default 1m. */
  noStepSubqueryIntervalMs?: number;
  /** Max points per series of a range query. Default 11,000. */
  maxPointsPerSeries?: number;
  /** Allow experimental functions (limitk, sort_by_label, ...). Default true. */
  enableExperimentalFunctions?: boolean;
}

export interface InstantSample {
  metric: Labels;
  /** ms */
  t: number;
  value: number;
  /** Set when the sample is a native histogram (value is then meaningless). */
  histogram?: FloatHistogram;
}

export interface SeriesResult {
  metric: Labels;
  /** ms, ascending */
  timestamps: number[];
  values: number[];
  /** Parallel to timestamps, present when some point is a native histogram: where set, the point is that
   *  histogram (Prometheus's Series.Histograms; values[i] is then meaningless). */
  histograms?: (FloatHistogram | undefined)[];
}

interface ResultBase {
  /** Full annotation texts, e.g. "PromQL warning: quantile value should be between 0 and 1, got 2". */
  warnings: string[];
  infos: string[];
}

export type QueryResult =
  | (ResultBase & { resultType: 'vector'; result: InstantSample[] })
  | (ResultBase & { resultType: 'matrix'; result: SeriesResult[] })
  | (ResultBase & { resultType: 'scalar'; result: { t: number; value: number } })
  | (ResultBase & { resultType: 'string'; result: { t: number; value: string } });

/** Shared by every engine (the handlers make one per request that sets its own timeout). */
const PARSED = new ParseCache();

export class Engine {
  readonly opts: Required<EngineOptions>;

  constructor(opts: EngineOptions = {}) {
    this.opts = {
      lookbackDelta: opts.lookbackDelta ?? 5 * 60_000,
      maxSamples: opts.maxSamples ?? 50_000_000,
      timeoutMs: opts.timeoutMs ?? 120_000,
      noStepSubqueryIntervalMs: opts.noStepSubqueryIntervalMs ?? 60_000,
      maxPointsPerSeries: opts.maxPointsPerSeries ?? MAX_POINTS_PER_SERIES,
      enableExperimentalFunctions: opts.enableExperimentalFunctions ?? true,
    };
  }

  /** The tree of a query text; repeated texts come from a bounded cache, as frozen trees (never rewrite one). */
  parse(query: string | Expr): Expr {
    if (typeof query !== 'string') return query;
    const experimental = this.opts.enableExperimentalFunctions;
    return PARSED.get(`${experimental ? 'x' : '-'}${query}`, query, (text) => parseExpr(text, { enableExperimentalFunctions: experimental }));
  }

  instantQuery(querier: Querier, query: string | Expr, timeMs: number): QueryResult {
    const expr = this.parse(query);
    const ev = this.evaluator(querier, timeMs, timeMs);
    const grid = makeGrid(timeMs, timeMs, 0);
    const v = ev.eval(expr, grid);
    const annos = { warnings: [...ev.annotations.warnings], infos: [...ev.annotations.infos] };
    switch (v.kind) {
      case 'scalar':
        return { resultType: 'scalar', result: { t: timeMs, value: v.values[0]! }, ...annos };
      case 'string':
        return { resultType: 'string', result: { t: timeMs, value: v.value }, ...annos };
      case 'matrix': {
        const result = v.series.map((s) => ({
          metric: s.dropName ? withoutName(s.labels) : s.labels,
          timestamps: Array.from(s.timestamps),
          values: Array.from(s.values),
          ...(s.histograms ? { histograms: Array.from(s.histograms) } : {}),
        }));
        checkDistinct(result.map((r) => r.metric));
        return { resultType: 'matrix', result, ...annos };
      }
      case 'vector': {
        const result: InstantSample[] = [];
        for (const s of v.series) {
          if (!s.present[0]) continue;
          const sample: InstantSample = { metric: s.dropName ? withoutName(s.labels) : s.labels, t: timeMs, value: s.values[0]! };
          const h = s.histograms?.[0];
          if (h) sample.histogram = h;
          result.push(sample);
        }
        checkDistinct(result.map((r) => r.metric));
        return { resultType: 'vector', result, ...annos };
      }
    }
  }

  rangeQuery(querier: Querier, query: string | Expr, startMs: number, endMs: number, stepMs: number): QueryResult {
    if (!(stepMs > 0)) throw new PromQLError('bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
    if (endMs < startMs) throw new PromQLError('bad_data', 'end timestamp must not be before start time');
    if ((endMs - startMs) / stepMs > this.opts.maxPointsPerSeries) {
      throw new PromQLError('bad_data', tooManyPointsMessage(this.opts.maxPointsPerSeries));
    }
    const expr = this.parse(query);
    const t = exprType(expr);
    if (t !== 'scalar' && t !== 'vector') {
      throw new PromQLError('bad_data', `invalid expression type "${t === 'matrix' ? 'range vector' : t}" for range query, must be Scalar or instant Vector`);
    }
    const ev = this.evaluator(querier, startMs, endMs);
    const grid = makeGrid(startMs, endMs, stepMs);
    const v = ev.eval(expr, grid);
    const annos = { warnings: [...ev.annotations.warnings], infos: [...ev.annotations.infos] };
    return { resultType: 'matrix', result: toMatrix(v, grid), ...annos };
  }

  private evaluator(querier: Querier, start: number, end: number): Evaluator {
    return new Evaluator(querier, {
      lookbackDelta: this.opts.lookbackDelta,
      maxSamples: this.opts.maxSamples,
      deadline: Date.now() + this.opts.timeoutMs,
      queryStart: start,
      queryEnd: end,
      noStepSubqueryInterval: this.opts.noStepSubqueryIntervalMs,
    });
  }
}

function checkDistinct(metrics: Labels[]): void {
  if (metrics.length < 2) return;
  const seen = new Set<string>();
  for (const m of metrics) {
    const k = labelsKey(m);
    if (seen.has(k)) throw new PromQLError('execution', 'vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}

/** Range query result: series sorted by labels; same-labelled series at disjoint steps are merged. */
function toMatrix(v: Value, grid: Grid): SeriesResult[] {
  if (v.kind === 'scalar') {
    const ts: number[] = [];
    for (let i = 0; i < grid.count; i++) ts.push(grid.start + i * grid.step);
    return [{ metric: [], timestamps: ts, values: Array.from(v.values) }];
  }
  if (v.kind !== 'vector') throw new PromQLError('internal', `unexpected ${v.kind} result of range query`);
  const byKey = new Map<string, { metric: Labels; parts: StepSeries[]; renamed: boolean }>();
  for (const s of v.series) {
    const metric = s.dropName ? withoutName(s.labels) : s.labels;
    const k = labelsKey(metric);
    const e = byKey.get(k);
    if (e) {
      if (e.renamed || s.dropName) throw new PromQLError('execution', 'vector cannot contain metrics with the same labelset');
      e.parts.push(s);
    } else byKey.set(k, { metric, parts: [s], renamed: s.dropName });
  }
  const out: SeriesResult[] = [];
  for (const { metric, parts } of byKey.values()) {
    const timestamps: number[] = [];
    const values: number[] = [];
    const histograms: (FloatHistogram | undefined)[] = [];
    let anyHistogram = false;
    for (let i = 0; i < grid.count; i++) {
      let found = false;
      for (const p of parts) {
        if (!p.present[i]) continue;
        if (found) throw new PromQLError('execution', 'vector cannot contain metrics with the same labelset');
        found = true;
        timestamps.push(grid.start + i * grid.step);
        values.push(p.values[i]!);
        const h = p.histograms?.[i];
        histograms.push(h);
        if (h) anyHistogram = true;
      }
    }
    if (timestamps.length > 0) out.push(anyHistogram ? { metric, timestamps, values, histograms } : { metric, timestamps, values });
  }
  out.sort((a, b) => compareLabels(a.metric, b.metric));
  return out;
}
