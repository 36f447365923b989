// The inverted index of the head: label name -> value -> postings (sorted series refs).
import type { Labels } from '../labels.js';
import type { CompiledMatcher } from './matchers.js';
import { EMPTY, type Postings } from './postings.js';
import { postingsForMatchers } from './postings-for.js';

export class MemIndex {
  private readonly byName = new Map<string, Map<string, number[]>>();
  private all: number[] = [];

  get seriesCount(): number {
    return this.all.length;
  }

  add(ref: number, labels: Labels): void {
    insertSorted(this.all, ref);
    for (const l of labels) {
      let values = this.byName.get(l.name);
      if (values === undefined) {
        values = new Map();
        this.byName.set(l.name, values);
      }
      const list = values.get(l.value);
      if (list === undefined) values.set(l.value, [ref]);
      else insertSorted(list, ref);
    }
  }

  /** Removes many series at once (retention): one pass per touched list. */
  delete(refs: ReadonlySet<number>, labelsOf: (ref: number) => Labels): void {
    if (refs.size === 0) return;
    const touched = new Map<string, Set<string>>();
    for (const ref of refs) {
      for (const l of labelsOf(ref)) {
        let vs = touched.get(l.name);
        if (vs === undefined) touched.set(l.name, (vs = new Set()));
        vs.add(l.value);
      }
    }
    for (const [name, vs] of touched) {
      const values = this.byName.get(name);
      if (values === undefined) continue;
      for (const v of vs) {
        const kept = (values.get(v) ?? []).filter((r) => !refs.has(r));
        if (kept.length === 0) values.delete(v);
        else values.set(v, kept);
      }
      if (values.size === 0) this.byName.delete(name);
    }
    this.all = this.all.filter((r) => !refs.has(r));
  }

  allPostings(): Postings {
    return this.all;
  }

  /**
   * Series refs matching every matcher (Prometheus's PostingsForMatchers semantics). With `labelsOf` (the
   * head's series labels), few candidates are checked against their own labels instead of every value.
   */
  postingsFor(matchers: readonly CompiledMatcher[], labelsOf?: (ref: number) => Labels | undefined): Postings {
    return postingsForMatchers(
      {
        valuesOf: (name) => this.byName.get(name)?.keys(),
        postings: (name, value) => this.byName.get(name)?.get(value) ?? EMPTY,
        all: () => this.all,
        ...(labelsOf !== undefined ? { labelValue: (ref: number, name: string) => valueOf(labelsOf(ref), name) } : {}),
      },
      matchers,
    );
  }

  labelNames(): string[] {
    return [...this.byName.keys()].sort();
  }

  labelValues(name: string): string[] {
    const values = this.byName.get(name);
    return values === undefined ? [] : [...values.keys()].sort();
  }
}

function valueOf(labels: Labels | undefined, name: string): string {
  if (labels === undefined) return '';
  for (let i = 0; i < labels.length; i++) if (labels[i]!.name === name) return labels[i]!.value;
  return '';
}

function insertSorted(list: number[], ref: number): void {
  const n = list.length;
  if (n === 0 || list[n - 1]! < ref) {
    list.push(ref);
    return;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < ref) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] !== ref) list.splice(lo, 0, ref);
}
