// Values flowing through the evaluator. Series-major layout: every series of an instant-vector value holds one
// slot per step of the time grid (a typed array of values and one of presence), so label work (hashing, grouping,
// matching) happens once per series, not once per sample.

import type { FloatHistogram } from '../histogram/index.js';
import type { Label, Labels } from '../storage/interface.js';

/** The steps a node is evaluated at: start, start+step, ..., end (ms). Instant queries have count 1. */
export interface Grid {
  start: number;
  end: number;
  step: number;
  count: number;
}

export function makeGrid(start: number, end: number, step: number): Grid {
  const count = step > 0 ? Math.floor((end - start) / step) + 1 : 1;
  return { start, end, step, count };
}

export interface StepSeries {
  labels: Labels;
  values: Float64Array;
  /** 1 where the series has a sample at that step. */
  present: Uint8Array;
  /** Prometheus 3 delayed name removal: drop `__name__` from the final result. */
  dropName: boolean;
  /** Cached labelsKey(labels). */
  key?: string;
  /** Native histogram samples: where histograms[i] is set, the sample at step i is that histogram (present[i]
   *  is 1, values[i] is meaningless). Absent on float-only series, so the float path stays unboxed. */
  histograms?: (FloatHistogram | undefined)[];
}

export interface VectorValue {
  kind: 'vector';
  series: StepSeries[];
}

export interface ScalarValue {
  kind: 'scalar';
  values: Float64Array;
}

export interface StringValue {
  kind: 'string';
  value: string;
}

/** Raw samples of a series (range vector); timestamps ascending, no stale markers. */
export interface RangeSeries {
  labels: Labels;
  timestamps: ArrayLike<number>;
  values: ArrayLike<number>;
  dropName: boolean;
  /** Parallel to timestamps: where set, the sample is that native histogram (values[i] is meaningless). */
  histograms?: readonly (FloatHistogram | undefined)[];
}

export interface MatrixValue {
  kind: 'matrix';
  series: RangeSeries[];
}

export type Value = VectorValue | ScalarValue | StringValue | MatrixValue;

export function newSeries(labels: Labels, n: number, dropName = false): StepSeries {
  return { labels, values: new Float64Array(n), present: new Uint8Array(n), dropName };
}

const SEP = '\xff';

/** A string key identifying a label set (labels must be sorted). */
export function labelsKey(labels: Labels): string {
  let k = '';
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    k += l.name + SEP + l.value + SEP;
  }
  return k;
}

export function seriesKey(s: StepSeries): string {
  return (s.key ??= labelsKey(s.labels));
}

export function getLabel(labels: Labels, name: string): string {
  for (let i = 0; i < labels.length; i++) if (labels[i]!.name === name) return labels[i]!.value;
  return '';
}

export function hasLabel(labels: Labels, name: string): boolean {
  for (let i = 0; i < labels.length; i++) if (labels[i]!.name === name) return true;
  return false;
}

/** Returns labels with `name` set to `value` (removed when value is empty). Keeps sort order. */
export function setLabel(labels: Labels, name: string, value: string): Labels {
  const out: Label[] = [];
  let done = false;
  for (const l of labels) {
    if (l.name === name) {
      if (value !== '') out.push({ name, value });
      done = true;
    } else {
      if (!done && l.name > name) {
        if (value !== '') out.push({ name, value });
        done = true;
      }
      out.push(l);
    }
  }
  if (!done && value !== '') out.push({ name, value });
  return out;
}

export function dropLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => !names.has(l.name));
}

export function keepLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => names.has(l.name));
}

export function withoutName(labels: Labels): Labels {
  return hasLabel(labels, '__name__') ? labels.filter((l) => l.name !== '__name__') : labels;
}

/** Prometheus's labels.Compare: lexicographic by (name, value) pairs, then by length. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return a.length - b.length;
}

export function formatLabels(labels: Labels): string {
  return '{' + labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ') + '}';
}

/** Sorts label pairs by name (input from users may be unsorted). */
export function sortLabels(labels: Label[]): Label[] {
  return labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Sets a histogram sample at step i (allocating the series' histogram slots on first use). */
export function setHistogram(s: StepSeries, i: number, h: FloatHistogram): void {
  (s.histograms ??= new Array<FloatHistogram | undefined>(s.values.length))[i] = h;
  s.present[i] = 1;
}

/** The histogram at step i, if the sample there is one. */
export function histogramAt(s: { histograms?: readonly (FloatHistogram | undefined)[] }, i: number): FloatHistogram | undefined {
  return s.histograms?.[i];
}

/** True when the series holds at least one histogram sample. */
export function hasHistograms(s: { histograms?: readonly (FloatHistogram | undefined)[] }): boolean {
  return s.histograms !== undefined && s.histograms.some((h) => h !== undefined);
}

/** A copy of a vector's series without histogram samples (series left empty are dropped): what float-only
 *  operations see, as Prometheus's functions skip histogram samples. */
export function floatsOnly(series: StepSeries[]): StepSeries[] {
  const out: StepSeries[] = [];
  for (const s of series) {
    if (!s.histograms) {
      out.push(s);
      continue;
    }
    const present = s.present.slice();
    let any = false;
    for (let i = 0; i < present.length; i++) {
      if (s.histograms[i] !== undefined) present[i] = 0;
      else if (present[i]) any = true;
    }
    if (any) out.push({ labels: s.labels, values: s.values, present, dropName: s.dropName });
  }
  return out;
}
