// Functions over instant vectors and scalars: math, clamp/round, date/time, sort, absent, vector/scalar, timestamp.

import type { Call, Expr } from '../ast.js';
import type { Evaluator } from '../evaluator.js';
import { compareLabels, floatsOnly, getLabel, newSeries, sortLabels, type Grid, type StepSeries, type Value, type VectorValue } from '../value.js';
import type { Label, Labels } from '../../storage/interface.js';

type FunctionImpl = (ev: Evaluator, call: Call, grid: Grid) => Value;

/** Elementwise function of the sample value (and scalar args at the step); drops the metric name. */
export function elementwise(fn: (v: number, args: number[]) => number, opts: { filter?: (args: number[]) => boolean } = {}): FunctionImpl {
  return (ev, call, grid) => {
    const n = grid.count;
    const scalars = call.args.slice(1).map((a) => ev.evalScalar(a, grid));
    const v = ev.evalVector(call.args[0]!, grid);
    const args: number[] = scalars.map(() => 0);
    const out: StepSeries[] = [];
    for (const s of v.series) {
      const r = newSeries(s.labels, n, true);
      let any = false;
      for (let i = 0; i < n; i++) {
        if (!s.present[i] || s.histograms?.[i]) continue; // float functions skip histogram samples
        for (let a = 0; a < scalars.length; a++) args[a] = scalars[a]![i]!;
        if (opts.filter && !opts.filter(args)) continue;
        r.values[i] = fn(s.values[i]!, args);
        r.present[i] = 1;
        any = true;
      }
      if (any) out.push(r);
    }
    return { kind: 'vector', series: out };
  };
}

export const MATH_FUNCTIONS: Record<string, (v: number) => number> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sgn: (v) => (v > 0 ? 1 : v < 0 ? -1 : v),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  deg: (v) => (v * 180) / Math.PI,
  rad: (v) => (v * Math.PI) / 180,
};

export const round = elementwise((v, [toNearest = 1]) => {
  const inv = 1 / toNearest;
  return Math.floor(v * inv + 0.5) / inv;
});
export const clamp = elementwise((v, [min, max]) => Math.max(min!, Math.min(max!, v)), { filter: ([min, max]) => !(max! < min!) });
export const clampMin = elementwise((v, [min]) => Math.max(min!, v));
export const clampMax = elementwise((v, [max]) => Math.min(max!, v));

function dateFunction(fn: (d: Date) => number): FunctionImpl {
  return (ev, call, grid) => {
    const n = grid.count;
    if (call.args.length === 0) {
      const s = newSeries([], n);
      for (let i = 0; i < n; i++) {
        s.values[i] = fn(new Date(Math.trunc((grid.start + i * grid.step) / 1000) * 1000));
        s.present[i] = 1;
      }
      return { kind: 'vector', series: [s] };
    }
    return elementwise((v) => fn(new Date(Math.trunc(v) * 1000)))(ev, call, grid);
  };
}

export const DATE_FUNCTIONS: Record<string, FunctionImpl> = {
  day_of_month: dateFunction((d) => d.getUTCDate()),
  day_of_week: dateFunction((d) => d.getUTCDay()),
  day_of_year: dateFunction((d) => {
    const start = Date.UTC(d.getUTCFullYear(), 0, 1);
    return Math.floor((d.getTime() - start) / 86400_000) + 1;
  }),
  days_in_month: dateFunction((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()),
  hour: dateFunction((d) => d.getUTCHours()),
  minute: dateFunction((d) => d.getUTCMinutes()),
  month: dateFunction((d) => d.getUTCMonth() + 1),
  year: dateFunction((d) => d.getUTCFullYear()),
};

export function time(_ev: Evaluator, _call: Call, grid: Grid): Value {
  const out = new Float64Array(grid.count);
  for (let i = 0; i < grid.count; i++) out[i] = (grid.start + i * grid.step) / 1000;
  return { kind: 'scalar', values: out };
}

export function pi(_ev: Evaluator, _call: Call, grid: Grid): Value {
  return { kind: 'scalar', values: new Float64Array(grid.count).fill(Math.PI) };
}

export function vector(ev: Evaluator, call: Call, grid: Grid): Value {
  const vals = ev.evalScalar(call.args[0]!, grid);
  return { kind: 'vector', series: [{ labels: [], values: vals, present: new Uint8Array(grid.count).fill(1), dropName: false }] };
}

export function scalar(ev: Evaluator, call: Call, grid: Grid): Value {
  const v = ev.evalVector(call.args[0]!, grid);
  const out = new Float64Array(grid.count).fill(NaN);
  const count = new Uint32Array(grid.count);
  for (const s of v.series) {
    for (let i = 0; i < grid.count; i++) {
      if (!s.present[i] || s.histograms?.[i]) continue;
      count[i]!++;
      out[i] = s.values[i]!;
    }
  }
  for (let i = 0; i < grid.count; i++) if (count[i] !== 1) out[i] = NaN;
  return { kind: 'scalar', values: out };
}

export function timestamp(ev: Evaluator, call: Call, grid: Grid): Value {
  let arg: Expr = call.args[0]!;
  while (arg.type === 'ParenExpr') arg = arg.expr;
  if (arg.type === 'VectorSelector') return ev.evalVectorSelector(arg, grid, true);
  const v = ev.evalVector(arg, grid);
  return {
    kind: 'vector',
    series: v.series.map((s) => {
      const r = newSeries(s.labels, grid.count, true);
      r.present = s.present;
      for (let i = 0; i < grid.count; i++) r.values[i] = (grid.start + i * grid.step) / 1000;
      return r;
    }),
  };
}

/** NaN sorts last in both directions (Prometheus's sort/sort_desc). */
function sortFunction(desc: boolean): (ev: Evaluator, call: Call, grid: Grid) => Value {
  return (ev, call, grid) => {
    const floats = floatsOnly(ev.evalVector(call.args[0]!, grid).series); // Prometheus's filterFloats
    if (grid.count !== 1) return { kind: 'vector', series: floats };
    const series = floats.sort((a, b) => {
      const x = a.values[0]!;
      const y = b.values[0]!;
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
      if (Number.isNaN(y)) return -1;
      return desc ? y - x : x - y;
    });
    return { kind: 'vector', series };
  };
}
export const sort = sortFunction(false);
export const sortDesc = sortFunction(true);

function sortByLabelFunction(desc: boolean): (ev: Evaluator, call: Call, grid: Grid) => Value {
  return (ev, call, grid) => {
    const names = call.args.slice(1).map((a) => ev.evalString(a, grid));
    const v = ev.evalVector(call.args[0]!, grid);
    if (grid.count !== 1) return v;
    const series = [...v.series].sort((a, b) => {
      for (const name of names) {
        const x = getLabel(a.labels, name);
        const y = getLabel(b.labels, name);
        if (x === y) continue;
        const c = naturalCompare(x, y);
        return desc ? -c : c;
      }
      const c = compareLabels(a.labels, b.labels);
      return desc ? -c : c;
    });
    return { kind: 'vector', series };
  };
}
export const sortByLabel = sortByLabelFunction(false);
export const sortByLabelDesc = sortByLabelFunction(true);

/** Compares strings treating digit runs as numbers (like the natsort package Prometheus uses). */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Labels of absent()'s output: equality matchers of the selector argument (Prometheus's historic rules). */
export function absentLabels(arg: Expr): Labels {
  while (arg.type === 'ParenExpr') arg = arg.expr;
  const vs = arg.type === 'VectorSelector' ? arg : arg.type === 'MatrixSelector' ? arg.selector : null;
  if (!vs) return [];
  const out = new Map<string, string>();
  const has = new Set<string>();
  for (const m of vs.matchers) {
    if (m.name === '__name__') continue;
    if (m.type === '=' && !has.has(m.name)) {
      out.set(m.name, m.value);
      has.add(m.name);
    } else out.delete(m.name);
  }
  const labels: Label[] = [...out].filter(([, v]) => v !== '').map(([name, value]) => ({ name, value }));
  return sortLabels(labels);
}

function absentSeries(arg: Expr, n: number, presentAt: (i: number) => boolean): VectorValue {
  const s = newSeries(absentLabels(arg), n);
  let any = false;
  for (let i = 0; i < n; i++) {
    if (presentAt(i)) continue;
    s.values[i] = 1;
    s.present[i] = 1;
    any = true;
  }
  return { kind: 'vector', series: any ? [s] : [] };
}

export function absent(ev: Evaluator, call: Call, grid: Grid): Value {
  const v = ev.evalVector(call.args[0]!, grid);
  return absentSeries(call.args[0]!, grid.count, (i) => v.series.some((s) => s.present[i] === 1));
}

export function absentOverTime(ev: Evaluator, call: Call, grid: Grid): Value {
  const src = ev.rangeSource(call.args[0]!, grid);
  return absentSeries(call.args[0]!, grid.count, (i) => {
    const ref = src.refs[i]!;
    for (const s of src.series) {
      const ts = s.timestamps;
      for (let j = ts.length - 1; j >= 0; j--) {
        const t = ts[j]!;
        if (t <= ref - src.range) break;
        if (t <= ref) return true;
      }
    }
    return false;
  });
}
