// Binary operators on samples where a side is a native histogram (Prometheus 3.5's vectorElemBinop): histogram
// * float, float * histogram, histogram / float, histogram ± histogram, histogram ==/!= histogram. Every other
// pairing drops the sample with an info; incompatible bucket layouts drop it with a warning.

import { annotationText } from './annotations.js';
import type { BinaryOp } from './ast.js';
import type { Evaluator } from './evaluator.js';
import { addHistogram, compactHistogram, divideHistogram, histogramEquals, HistogramOpError, scaleHistogram, subHistogram, type FloatHistogram } from '../histogram/index.js';

export interface ElemResult {
  f: number;
  h: FloatHistogram | undefined;
  keep: boolean;
}

function incompatible(ev: Evaluator, op: BinaryOp, l: FloatHistogram | undefined, r: FloatHistogram | undefined): null {
  ev.annotations.info(annotationText.incompatibleTypesInBinOp(l ? 'histogram' : 'float', op, r ? 'histogram' : 'float'));
  return null;
}

/** The result of `l op r` where at least one side is a histogram; null when the sample is dropped. */
export function histogramElemBinop(
  ev: Evaluator, op: BinaryOp, lf: number, rf: number, lh: FloatHistogram | undefined, rh: FloatHistogram | undefined,
): ElemResult | null {
  try {
    if (!lh && rh) {
      if (op === '*') return { f: 0, h: compactHistogram(scaleHistogram(rh, lf), 0), keep: true };
      return incompatible(ev, op, lh, rh);
    }
    if (lh && !rh) {
      if (op === '*') return { f: 0, h: compactHistogram(scaleHistogram(lh, rf), 0), keep: true };
      if (op === '/') return { f: 0, h: compactHistogram(divideHistogram(lh, rf), 0), keep: true };
      return incompatible(ev, op, lh, rh);
    }
    if (lh && rh) {
      if (op === '+') return { f: 0, h: compactHistogram(addHistogram(lh, rh), 0), keep: true };
      if (op === '-') return { f: 0, h: compactHistogram(subHistogram(lh, rh), 0), keep: true };
      if (op === '==') return { f: 0, h: lh, keep: histogramEquals(lh, rh) };
      if (op === '!=') return { f: 0, h: lh, keep: !histogramEquals(lh, rh) };
      return incompatible(ev, op, lh, rh);
    }
  } catch (err) {
    if (!(err instanceof HistogramOpError)) throw err;
    ev.annotations.warn(annotationText.incompatibleBucketLayoutInBinOp(op));
    return null;
  }
  throw new Error('histogramElemBinop needs a histogram operand');
}
