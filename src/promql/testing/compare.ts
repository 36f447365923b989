// Result comparison for promqltest (Prometheus's compareResult), with readable expected/got listings.

import type { InstantSample, SeriesResult } from '../engine.js';
import { formatNumber } from '../format.js';
import { almostEqual } from '../functions/mathutil.js';
import type { FloatHistogram } from '../../histogram/index.js';
import type { Labels } from '../../storage/interface.js';
import { compareLabels, formatLabels, labelsKey } from '../value.js';
import { formatHistogram, histogramsMatch } from './histogram-compare.js';
import type { EvalCommand } from './script.js';
import type { SequenceValue } from './series-desc.js';

export type ResultForCompare =
  | { resultType: 'vector'; result: InstantSample[] }
  | { resultType: 'matrix'; result: SeriesResult[] }
  | { resultType: 'scalar'; result: { t: number; value: number } }
  | { resultType: 'string'; result: { t: number; value: string } };

const EPSILON = 1e-6;

function expectedListing(cmd: EvalCommand): string {
  if (cmd.expectScalar !== null) return `  scalar ${formatNumber(cmd.expectScalar)}`;
  if (cmd.expected.length === 0) return '  (empty)';
  return cmd.expected
    .map((e) => `  ${formatLabels(e.labels)} ${e.values.map(formatSequenceValue).join(' ')}`)
    .join('\n');
}

function formatSequenceValue(v: SequenceValue): string {
  if (v.omitted) return '_';
  return v.histogram ? formatHistogram(v.histogram) : formatNumber(v.value);
}

function formatPoint(value: number, h: FloatHistogram | undefined): string {
  return h ? formatHistogram(h) : formatNumber(value);
}

/** Null when a result point equals an expected one (float within epsilon, or histogram as promqltest compares). */
function pointMismatch(exp: SequenceValue & { omitted: false }, value: number, h: FloatHistogram | undefined): string | null {
  if (exp.histogram) {
    if (!h) return `expected histogram ${formatHistogram(exp.histogram)} but got float value ${formatNumber(value)}`;
    return histogramsMatch(exp.histogram, h) ? null : `expected ${formatHistogram(exp.histogram)} but got ${formatHistogram(h)}`;
  }
  if (h) return `expected float value ${formatNumber(exp.value)} but got histogram ${formatHistogram(h)}`;
  return almostEqual(value, exp.value, EPSILON) ? null : `expected ${formatNumber(exp.value)} but got ${formatNumber(value)}`;
}

function gotListing(res: ResultForCompare): string {
  switch (res.resultType) {
    case 'scalar':
      return `  scalar ${formatNumber(res.result.value)}`;
    case 'string':
      return `  string ${JSON.stringify(res.result.value)}`;
    case 'vector':
      return res.result.length === 0 ? '  (empty)' : res.result.map((s) => `  ${formatLabels(s.metric)} ${formatPoint(s.value, s.histogram)}`).join('\n');
    case 'matrix':
      return res.result.length === 0
        ? '  (empty)'
        : res.result.map((s) => `  ${formatLabels(s.metric)} ${s.values.map((v, i) => formatPoint(v, s.histograms?.[i])).join(' ')} @[${s.timestamps.join(' ')}]`).join('\n');
  }
}

function fail(cmd: EvalCommand, res: ResultForCompare, msg: string): string {
  return `${msg}\nexpected:\n${expectedListing(cmd)}\ngot:\n${gotListing(res)}`;
}

/** Null when `res` matches the command's expectations; else a message with expected and actual results. */
export function compareResult(cmd: EvalCommand, res: ResultForCompare, range: { start: number; end: number; step: number }): string | null {
  const ordered = cmd.ordered || cmd.expects.some((e) => e.type === 'ordered');
  const expected = new Map(cmd.expected.map((e) => [labelsKey(e.labels), e]));
  switch (res.resultType) {
    case 'matrix': {
      if (ordered) return fail(cmd, res, 'expected ordered result, but query returned a matrix');
      if (cmd.expectScalar !== null) return fail(cmd, res, 'expected scalar result, but got matrix');
      for (let i = 1; i < res.result.length; i++) {
        if (compareLabels(res.result[i - 1]!.metric, res.result[i]!.metric) > 0) return fail(cmd, res, 'matrix results should always be sorted by labels');
      }
      const seen = new Set<string>();
      for (const s of res.result) {
        const key = labelsKey(s.metric);
        const exp = expected.get(key);
        if (!exp) return fail(cmd, res, `unexpected metric ${formatLabels(s.metric)} in result`);
        seen.add(key);
        const expT: number[] = [];
        const expV: (SequenceValue & { omitted: false })[] = [];
        for (let i = 0; i < exp.values.length; i++) {
          const t = range.start + i * range.step;
          if (t > range.end) return fail(cmd, res, `expected ${exp.values.length} points for ${formatLabels(exp.labels)}, but query time range cannot return this many points`);
          const v = exp.values[i]!;
          if (!v.omitted) {
            expT.push(t);
            expV.push(v);
          }
        }
        if (expT.length !== s.timestamps.length) return fail(cmd, res, `expected ${expT.length} points for ${formatLabels(exp.labels)}, but got ${s.timestamps.length}`);
        for (let i = 0; i < expT.length; i++) {
          if (expT[i] !== s.timestamps[i]) return fail(cmd, res, `expected timestamp ${expT[i]} at index ${i} for ${formatLabels(exp.labels)}, got ${s.timestamps[i]}`);
          const mismatch = pointMismatch(expV[i]!, s.values[i]!, s.histograms?.[i]);
          if (mismatch) return fail(cmd, res, `${mismatch} at t=${expT[i]} for ${formatLabels(exp.labels)}`);
        }
      }
      for (const [key, e] of expected) if (!seen.has(key)) return fail(cmd, res, `expected metric ${formatLabels(e.labels)} not found`);
      return null;
    }
    case 'vector': {
      if (cmd.expectScalar !== null) return fail(cmd, res, 'expected scalar result, but got vector');
      const seen = new Set<string>();
      for (let pos = 0; pos < res.result.length; pos++) {
        const s = res.result[pos]!;
        const key = labelsKey(s.metric);
        const exp = expected.get(key);
        if (!exp) return fail(cmd, res, `unexpected metric ${formatLabels(s.metric)} in result, has value ${formatPoint(s.value, s.histogram)}`);
        if (ordered && exp.pos !== pos + 1) return fail(cmd, res, `expected metric ${formatLabels(s.metric)} at position ${exp.pos} but was at ${pos + 1}`);
        const e0 = exp.values[0];
        const ev: SequenceValue & { omitted: false } = e0 && !e0.omitted ? e0 : { omitted: false, value: NaN };
        const mismatch = pointMismatch(ev, s.value, s.histogram);
        if (mismatch) return fail(cmd, res, `${mismatch} for ${formatLabels(s.metric)}`);
        seen.add(key);
      }
      for (const [key, e] of expected) if (!seen.has(key)) return fail(cmd, res, `expected metric ${formatLabels(e.labels)} not found`);
      return null;
    }
    case 'scalar':
      if (cmd.expectScalar === null) return fail(cmd, res, 'expected vector or matrix result, but got scalar');
      if (!almostEqual(cmd.expectScalar, res.result.value, EPSILON)) return fail(cmd, res, 'scalar value differs');
      return null;
    case 'string':
      if (cmd.expectedString !== res.result.value) return fail(cmd, res, `expected string ${JSON.stringify(cmd.expectedString)}`);
      return null;
  }
}

export type { Labels };
