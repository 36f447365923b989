// Binary operators: arithmetic, comparison (with `bool`) and set operators, with on/ignoring/group_left/group_right
// vector matching and Prometheus's many-to-many / duplicate-series errors.

import { isComparisonOp, isSetOp, type BinaryExpr, type BinaryOp, type VectorMatching } from './ast.js';
import { executionError } from './errors.js';
import type { Evaluator } from './evaluator.js';
import type { FloatHistogram } from '../histogram/index.js';
import type { Label, Labels } from '../storage/interface.js';
import { histogramElemBinop } from './binary-histogram.js';
import { formatLabels, getLabel, labelsKey, newSeries, setHistogram, setLabel, type Grid, type StepSeries, type Value, type VectorValue } from './value.js';

/** Applies an arithmetic or comparison operator; comparisons return 1/0 (the caller decides filtering). */
function arith(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return l / r;
    case '%': return goMod(l, r);
    case '^': return goPow(l, r);
    case 'atan2': return Math.atan2(l, r);
    case '==': return l === r ? 1 : 0;
    case '!=': return l !== r ? 1 : 0;
    case '>': return l > r ? 1 : 0;
    case '<': return l < r ? 1 : 0;
    case '>=': return l >= r ? 1 : 0;
    case '<=': return l <= r ? 1 : 0;
    default: return NaN;
  }
}

/** Go's math.Mod: result has the sign of the dividend (same as JS %). */
function goMod(l: number, r: number): number {
  return l % r;
}

/** Go's math.Pow differs from JS for a few special cases (1^NaN = 1, -1^±Inf = 1). */
function goPow(l: number, r: number): number {
  if (l === 1 || r === 0) return 1;
  if (l === -1 && (r === Infinity || r === -Infinity)) return 1;
  return Math.pow(l, r);
}

const DROPS_NAME = new Set(['+', '-', '*', '/', '%', '^', 'atan2']);

export function evalBinary(ev: Evaluator, e: BinaryExpr, grid: Grid): Value {
  const lhs = ev.eval(e.lhs, grid);
  const rhs = ev.eval(e.rhs, grid);
  const n = grid.count;
  const cmp = isComparisonOp(e.op);
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = arith(e.op, lhs.values[i]!, rhs.values[i]!);
    return { kind: 'scalar', values: out };
  }
  if (lhs.kind === 'vector' && rhs.kind === 'scalar') return vectorScalar(ev, e, lhs, rhs.values, false, n, cmp);
  if (lhs.kind === 'scalar' && rhs.kind === 'vector') return vectorScalar(ev, e, rhs, lhs.values, true, n, cmp);
  if (lhs.kind !== 'vector' || rhs.kind !== 'vector') throw executionError('binary expression on unsupported types');
  const matching = e.matching ?? { card: 'one-to-one', labels: [], on: false, include: [] };
  if (isSetOp(e.op)) return setOp(e.op, lhs, rhs, matching, n);
  return vectorVector(ev, e, lhs, rhs, matching, n, cmp);
}

function vectorScalar(ev: Evaluator, e: BinaryExpr, vec: VectorValue, scalar: Float64Array, swap: boolean, n: number, cmp: boolean): VectorValue {
  const out: StepSeries[] = [];
  for (const s of vec.series) {
    const dropName = cmp ? e.returnBool || s.dropName : true;
    const r = newSeries(s.labels, n, dropName);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!s.present[i]) continue;
      const h = s.histograms?.[i];
      if (h) {
        if (histogramScalarStep(ev, e, h, scalar[i]!, swap, r, i)) any = true;
        continue;
      }
      const v = s.values[i]!;
      const x = swap ? arith(e.op, scalar[i]!, v) : arith(e.op, v, scalar[i]!);
      if (cmp) {
        if (e.returnBool) r.values[i] = x;
        else if (x === 1) r.values[i] = v;
        else continue;
      } else r.values[i] = x;
      r.present[i] = 1;
      any = true;
    }
    if (any) out.push(r);
  }
  return { kind: 'vector', series: out };
}

/** One step of `histogram op scalar` (or swapped); returns whether a sample was written to r. */
function histogramScalarStep(ev: Evaluator, e: BinaryExpr, h: FloatHistogram, x: number, swap: boolean, r: StepSeries, i: number): boolean {
  const res = swap ? histogramElemBinop(ev, e.op, x, 0, undefined, h) : histogramElemBinop(ev, e.op, 0, x, h, undefined);
  if (!res) return false;
  let out: FloatHistogram | undefined = isComparisonOp(e.op) && swap ? h : res.h;
  if (e.returnBool) {
    r.values[i] = res.keep ? 1 : 0;
    out = undefined;
  } else if (!res.keep) return false;
  if (out) setHistogram(r, i, out);
  else r.present[i] = 1;
  return true;
}

/** The matching signature of a label set: only `on` labels, or all but `ignoring` labels and the name. */
export function signatureFn(m: VectorMatching): (labels: Labels) => string {
  const names = new Set(m.labels);
  if (m.on) {
    const sorted = [...names].sort();
    return (labels) => {
      let k = '';
      for (const name of sorted) k += name + '\xff' + getLabel(labels, name) + '\xff';
      return k;
    };
  }
  names.add('__name__');
  return (labels) => {
    let k = '';
    for (const l of labels) if (!names.has(l.name)) k += l.name + '\xff' + l.value + '\xff';
    return k;
  };
}

function groupBySig(v: VectorValue, sig: (l: Labels) => string): Map<string, number[]> {
  const m = new Map<string, number[]>();
  v.series.forEach((s, i) => {
    const k = sig(s.labels);
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  });
  return m;
}

function setOp(op: BinaryOp, lhs: VectorValue, rhs: VectorValue, m: VectorMatching, n: number): VectorValue {
  const sig = signatureFn(m);
  const rsigs = rhs.series.map((s) => sig(s.labels));
  const lsigs = lhs.series.map((s) => sig(s.labels));
  // Per signature, the steps at which the other side has any series.
  const presence = (v: VectorValue, sigs: string[]) => {
    const map = new Map<string, Uint8Array>();
    v.series.forEach((s, i) => {
      let p = map.get(sigs[i]!);
      if (!p) map.set(sigs[i]!, (p = new Uint8Array(n)));
      for (let j = 0; j < n; j++) p[j]! |= s.present[j]!;
    });
    return map;
  };
  const out: StepSeries[] = [];
  const filterBy = (s: StepSeries, other: Uint8Array | undefined, keepIfOther: boolean) => {
    const r: StepSeries = { labels: s.labels, values: s.values, present: new Uint8Array(n), dropName: s.dropName, ...(s.histograms ? { histograms: s.histograms } : {}) };
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!s.present[i]) continue;
      const has = other ? other[i]! === 1 : false;
      if (has === keepIfOther) {
        r.present[i] = 1;
        any = true;
      }
    }
    if (any) out.push(r);
  };
  if (op === 'and') {
    const rp = presence(rhs, rsigs);
    lhs.series.forEach((s, i) => filterBy(s, rp.get(lsigs[i]!), true));
  } else if (op === 'unless') {
    const rp = presence(rhs, rsigs);
    lhs.series.forEach((s, i) => filterBy(s, rp.get(lsigs[i]!), false));
  } else {
    const lp = presence(lhs, lsigs);
    for (const s of lhs.series) out.push(s);
    rhs.series.forEach((s, i) => filterBy(s, lp.get(rsigs[i]!), false));
  }
  return { kind: 'vector', series: out };
}

/** Per-call state of a vector-vector operation, after one-to-many has been swapped into many-to-one. */
interface VectorMatchState {
  ev: Evaluator;
  e: BinaryExpr;
  m: VectorMatching;
  lhs: VectorValue;
  rhs: VectorValue;
  n: number;
  cmp: boolean;
  swapped: boolean;
  dropName: boolean;
  onNames: ReadonlySet<string>;
  /** Output series by labels key. */
  out: Map<string, StepSeries>;
  /** Per lhs series: the rhs series it was last matched with, and the output series for that pair. */
  lastMatch: Int32Array;
  lastOut: (StepSeries | null)[];
}

function vectorVector(ev: Evaluator, e: BinaryExpr, lhsIn: VectorValue, rhsIn: VectorValue, m: VectorMatching, n: number, cmp: boolean): VectorValue {
  const swapped = m.card === 'one-to-many';
  const lhs = swapped ? rhsIn : lhsIn;
  const rhs = swapped ? lhsIn : rhsIn;
  const sig = signatureFn(m);
  const st: VectorMatchState = {
    ev, e, m, lhs, rhs, n, cmp, swapped,
    dropName: DROPS_NAME.has(e.op) || e.returnBool,
    onNames: new Set(m.labels),
    out: new Map(),
    lastMatch: new Int32Array(lhs.series.length).fill(-1),
    lastOut: new Array<StepSeries | null>(lhs.series.length).fill(null),
  };
  const rgroupList = [...groupBySig(rhs, sig).entries()];
  const lhsBySig = groupBySig(lhs, sig);
  const matchAt = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (!anyPresentAt(lhs, i)) continue;
    rhsMatchesAt(st, rgroupList, i, matchAt);
    for (const [key, lidx] of lhsBySig) {
      const match = matchAt.get(key) ?? -1;
      if (match >= 0) applyMatchGroup(st, lidx, match, i);
    }
    if ((i & 255) === 255) ev.checkDeadline();
  }
  return { kind: 'vector', series: [...st.out.values()] };
}

function anyPresentAt(v: VectorValue, i: number): boolean {
  for (const s of v.series) if (s.present[i]) return true;
  return false;
}

/** Fills `matchAt` with the rhs series present at step `i`, per signature; two in one group is a many-to-many error. */
function rhsMatchesAt(st: VectorMatchState, rgroupList: [string, number[]][], i: number, matchAt: Map<string, number>): void {
  const rhs = st.rhs;
  matchAt.clear();
  for (const [key, ridx] of rgroupList) {
    let match = -1;
    for (const r of ridx) {
      if (!rhs.series[r]!.present[i]) continue;
      if (match >= 0) {
        const a = rhs.series[r]!.labels;
        const b = rhs.series[match]!.labels;
        throw executionError(
          `found duplicate series for the match group ${matchGroupString(a, st.m)} on the ${st.swapped ? 'left' : 'right'} hand-side of the operation: [${formatLabels(a)}, ${formatLabels(b)}];many-to-many matching not allowed: matching labels must be unique on one side`,
        );
      }
      match = r;
    }
    if (match >= 0) matchAt.set(key, match);
  }
}

/** Applies the operator at step `i` between the lhs series `lidx` of one signature and their rhs match. */
function applyMatchGroup(st: VectorMatchState, lidx: number[], match: number, i: number): void {
  const { e, m, lhs, lastMatch, lastOut } = st;
  const rs = st.rhs.series[match]!;
  const seen = m.card === 'one-to-one' ? null : new Set<StepSeries>();
  let matchedOnce = false;
  for (const li of lidx) {
    const ls = lhs.series[li]!;
    if (!ls.present[i]) continue;
    let lv = ls.values[i]!;
    let rv = rs.values[i]!;
    if (st.swapped) [lv, rv] = [rv, lv];
    let value: number;
    let hist: FloatHistogram | undefined;
    if (ls.histograms?.[i] || rs.histograms?.[i]) {
      const [lh, rh] = st.swapped ? [rs.histograms?.[i], ls.histograms?.[i]] : [ls.histograms?.[i], rs.histograms?.[i]];
      const res = histogramElemBinop(st.ev, e.op, lv, rv, lh, rh);
      if (!res) continue;
      if (e.returnBool) value = res.keep ? 1 : 0;
      else if (!res.keep) continue;
      else [value, hist] = [res.f, res.h];
    } else {
      value = arith(e.op, lv, rv);
      if (st.cmp) {
        if (e.returnBool) {
          /* value is 1/0 */
        } else if (value === 1) value = lv;
        else continue;
      }
    }
    let target = lastMatch[li] === match ? lastOut[li]! : null;
    if (!target) {
      target = outputSeries(st, ls, rs);
      lastMatch[li] = match;
      lastOut[li] = target;
    }
    if (m.card === 'one-to-one') {
      if (matchedOnce) throw executionError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matchedOnce = true;
    } else {
      if (seen!.has(target)) throw executionError('multiple matches for labels: grouping labels must ensure unique matches');
      seen!.add(target);
    }
    if (target.present[i]) {
      throw executionError('multiple matches for labels: grouping labels must ensure unique matches');
    }
    if (hist) setHistogram(target, i, hist);
    else {
      target.values[i] = value;
      target.present[i] = 1;
    }
  }
}

/** The output series for the pair (ls, rs), created on first use. */
function outputSeries(st: VectorMatchState, ls: StepSeries, rs: StepSeries): StepSeries {
  const labels = resultLabels(ls.labels, rs.labels, st.m, st.onNames);
  const key = labelsKey(labels);
  let target = st.out.get(key);
  if (!target) {
    target = newSeries(labels, st.n, st.dropName || ls.dropName);
    st.out.set(key, target);
  }
  return target;
}

function matchGroupString(labels: Labels, m: VectorMatching): string {
  const names = new Set(m.labels);
  const picked = m.on ? labels.filter((l) => names.has(l.name)) : labels.filter((l) => !names.has(l.name) && l.name !== '__name__');
  return formatLabels(picked);
}

/** Labels of a vector-vector result (Prometheus's resultMetric, with delayed name removal). */
function resultLabels(l: Labels, r: Labels, m: VectorMatching, onNames: ReadonlySet<string>): Labels {
  let out: Labels = l;
  if (m.card === 'one-to-one') {
    out = m.on ? l.filter((x) => onNames.has(x.name)) : l.filter((x) => !onNames.has(x.name));
  }
  for (const name of m.include) {
    const v = getLabel(r, name);
    out = setLabel(out, name, v);
  }
  return out as Label[];
}
