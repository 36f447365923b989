// Aggregations over vectors holding native histograms (Prometheus 3.5's evaluator.aggregation): sum and avg add
// histograms (a group mixing floats and histograms at a step is dropped with a warning); min, max, stddev,
// stdvar, quantile, topk and bottomk ignore histograms with an info; count and group count them.

import { annotationText } from './annotations.js';
import type { AggregateExpr } from './ast.js';
import type { Evaluator } from './evaluator.js';
import { addHistogram, compactHistogram, divideHistogram, HistogramOpError, subHistogram, type FloatHistogram } from '../histogram/index.js';
import { floatsOnly, getLabel, labelsKey, newSeries, setHistogram, type StepSeries, type VectorValue } from './value.js';

const IGNORING_OPS = new Set(['min', 'max', 'stddev', 'stdvar', 'quantile', 'topk', 'bottomk']);

/** For operators that ignore histograms: the vector without them (with Prometheus's info when any was there). */
export function dropIgnoredHistograms(ev: Evaluator, op: AggregateExpr['op'], v: VectorValue): VectorValue {
  if (!IGNORING_OPS.has(op) || !v.series.some((s) => s.histograms?.some((h) => h !== undefined))) return v;
  ev.annotations.info(annotationText.histogramIgnoredInAggregation(op));
  return { kind: 'vector', series: floatsOnly(v.series) };
}

/** Reports a failed histogram addition as Prometheus's handleAggregationError does. */
export function reportHistogramOpError(ev: Evaluator, err: unknown, metric: string): void {
  if (!(err instanceof HistogramOpError)) throw err;
  ev.annotations.warn(err.kind === 'mixed-exponential-custom' ? annotationText.mixedExponentialCustom(metric) : annotationText.incompatibleCustomBuckets(metric));
}

/** The histogram sum or average of a group's members at one step; null when an addition failed. */
function groupHistogram(ev: Evaluator, op: 'sum' | 'avg', members: StepSeries[], i: number): FloatHistogram | null | undefined {
  let acc: FloatHistogram | undefined;
  let count = 0;
  for (const m of members) {
    if (!m.present[i]) continue;
    count++;
    const h = m.histograms?.[i];
    if (!h) continue;
    if (!acc) {
      acc = h;
      continue;
    }
    try {
      acc = op === 'sum' ? addHistogram(acc, h) : addHistogram(acc, subHistogram(divideHistogram(h, count), divideHistogram(acc, count)));
    } catch (err) {
      reportHistogramOpError(ev, err, getLabel(m.labels, '__name__'));
      return null;
    }
  }
  return acc && compactHistogram(acc, 0);
}

/** sum / avg of a vector with histograms: floats aggregated by `floatAgg` (given the float-only vector), then
 *  merged per group and step with the histogram sums. */
export function sumAvgWithHistograms(
  ev: Evaluator, op: 'sum' | 'avg', v: VectorValue, groupsOf: (v: VectorValue) => { labels: StepSeries['labels'][]; members: number[][] },
  floatAgg: (v: VectorValue) => VectorValue, n: number,
): VectorValue {
  const floats = floatAgg({ kind: 'vector', series: floatsOnly(v.series) });
  const floatByKey = new Map(floats.series.map((s) => [labelsKey(s.labels), s]));
  const g = groupsOf(v);
  const out: StepSeries[] = [];
  g.members.forEach((idx, gi) => {
    const members = idx.map((si) => v.series[si]!);
    const fl = floatByKey.get(labelsKey(g.labels[gi]!));
    const s = newSeries(g.labels[gi]!, n, members[0]!.dropName);
    let any = false;
    for (let i = 0; i < n; i++) {
      let hasFloat = false;
      let hasHist = false;
      for (const m of members) {
        if (!m.present[i]) continue;
        if (m.histograms?.[i]) hasHist = true;
        else hasFloat = true;
      }
      if (hasFloat && hasHist) {
        ev.annotations.warn(annotationText.mixedFloatsHistogramsAgg());
        continue;
      }
      if (hasHist) {
        const h = groupHistogram(ev, op, members, i);
        if (!h) continue;
        setHistogram(s, i, h);
        any = true;
      } else if (fl?.present[i]) {
        s.values[i] = fl.values[i]!;
        s.present[i] = 1;
        any = true;
      }
    }
    if (any) out.push(s);
  });
  return { kind: 'vector', series: out };
}
