// promqltest's native histogram comparison (compareNativeHistogram in test.go): both sides compacted, float
// fields equal within the test epsilon, spans equal once zero-length spans are folded away.

import { compactHistogram, formatHistogramLiteral, type FloatHistogram, type Span } from '../../histogram/index.js';
import { almostEqual } from '../functions/mathutil.js';

const EPSILON = 1e-6;

export function histogramsMatch(expected: FloatHistogram, actual: FloatHistogram): boolean {
  const exp = compactHistogram(expected, 0);
  const cur = compactHistogram(actual, 0);
  if (exp.schema !== cur.schema || !almostEqual(exp.count, cur.count, EPSILON) || !almostEqual(exp.sum, cur.sum, EPSILON)) return false;
  if (exp.schema === -53 && !bucketsMatch(exp.customValues, cur.customValues)) return false;
  if (exp.zeroThreshold !== cur.zeroThreshold || !almostEqual(exp.zeroCount, cur.zeroCount, EPSILON)) return false;
  return (
    spansMatch(exp.negativeSpans, cur.negativeSpans) &&
    bucketsMatch(exp.negativeBuckets, cur.negativeBuckets) &&
    spansMatch(exp.positiveSpans, cur.positiveSpans) &&
    bucketsMatch(exp.positiveBuckets, cur.positiveBuckets)
  );
}

function bucketsMatch(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => almostEqual(x, b[i]!, EPSILON));
}

/** Spans without zero-length ones (their offsets carried into the next span). */
function folded(spans: readonly Span[]): Span[] {
  const out: Span[] = [];
  let carry = 0;
  for (const s of spans) {
    if (s.length === 0) {
      carry += s.offset;
      continue;
    }
    out.push({ offset: s.offset + carry, length: s.length });
    carry = 0;
  }
  return out;
}

function spansMatch(a: readonly Span[], b: readonly Span[]): boolean {
  const x = folded(a);
  const y = folded(b);
  return x.length === y.length && x.every((s, i) => s.offset === y[i]!.offset && s.length === y[i]!.length);
}

export function formatHistogram(h: FloatHistogram): string {
  return formatHistogramLiteral(h);
}
