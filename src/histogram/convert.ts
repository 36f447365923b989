// Integer histogram -> float histogram (Prometheus's Histogram.ToFloat): delta-encoded bucket counts become
// absolute counts. Readers of the store and PromQL only ever see float histograms.
import type { FloatHistogram, Histogram, Span } from './model.js';

export function histogramToFloat(h: Histogram): FloatHistogram {
  return {
    counterResetHint: h.counterResetHint,
    schema: h.schema,
    zeroThreshold: h.zeroThreshold,
    zeroCount: h.zeroCount,
    count: h.count,
    sum: h.sum,
    positiveSpans: copySpans(h.positiveSpans),
    negativeSpans: copySpans(h.negativeSpans),
    positiveBuckets: deltasToAbsolute(h.positiveBuckets),
    negativeBuckets: deltasToAbsolute(h.negativeBuckets),
    customValues: h.customValues.slice(),
  };
}

export function deltasToAbsolute(deltas: readonly number[]): number[] {
  const out = new Array<number>(deltas.length);
  let cur = 0;
  for (let i = 0; i < deltas.length; i++) {
    cur += deltas[i]!;
    out[i] = cur;
  }
  return out;
}

function copySpans(spans: readonly Span[]): Span[] {
  return spans.map((s) => ({ offset: s.offset, length: s.length }));
}
