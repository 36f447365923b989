// An in-memory Querier for promqltest (and benchmarks): series kept sorted by labels, samples in typed arrays,
// an index on `__name__` so name selectors (including `a|b|c` regexes) don't scan every series.

import { compileMatchers } from '../matcher.js';
import { regexSetValues } from '../regex.js';
import type { LabelMatcher, Labels, Querier, SeriesSamples } from '../storage.js';
import { compareLabels, getLabel, labelsKey } from '../value.js';

interface StoredSeries {
  labels: Labels;
  ts: number[];
  vs: number[];
  frozenTs: Float64Array | null;
  frozenVs: Float64Array | null;
}

export class MemoryQuerier implements Querier {
  private byKey = new Map<string, StoredSeries>();
  private sorted: StoredSeries[] | null = null;
  private byName: Map<string, StoredSeries[]> | null = null;

  /** Appends samples (timestamps ascending within one call) to a series, creating it if needed. */
  append(labels: Labels, timestamps: ArrayLike<number>, values: ArrayLike<number>): void {
    const key = labelsKey(labels);
    let s = this.byKey.get(key);
    if (!s) {
      s = { labels, ts: [], vs: [], frozenTs: null, frozenVs: null };
      this.byKey.set(key, s);
      this.sorted = null;
      this.byName = null;
    }
    for (let i = 0; i < timestamps.length; i++) {
      const t = timestamps[i]!;
      // Keep order; a sample at an existing timestamp replaces the old one.
      let j = s.ts.length;
      while (j > 0 && s.ts[j - 1]! > t) j--;
      if (j > 0 && s.ts[j - 1] === t) s.vs[j - 1] = values[i]!;
      else {
        s.ts.splice(j, 0, t);
        s.vs.splice(j, 0, values[i]!);
      }
    }
    s.frozenTs = null;
    s.frozenVs = null;
  }

  clear(): void {
    this.byKey.clear();
    this.sorted = null;
    this.byName = null;
  }

  get seriesCount(): number {
    return this.byKey.size;
  }

  private all(): StoredSeries[] {
    if (!this.sorted) this.sorted = [...this.byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels));
    return this.sorted;
  }

  private candidates(matchers: readonly LabelMatcher[]): StoredSeries[] {
    const nameMatcher = matchers.find((m) => m.name === '__name__' && (m.type === '=' || m.type === '=~'));
    if (!nameMatcher) return this.all();
    const names = nameMatcher.type === '=' ? [nameMatcher.value] : regexSetValues(nameMatcher.value);
    if (!names) return this.all();
    if (!this.byName) {
      this.byName = new Map();
      for (const s of this.all()) {
        const n = getLabel(s.labels, '__name__');
        const list = this.byName.get(n);
        if (list) list.push(s);
        else this.byName.set(n, [s]);
      }
    }
    if (names.length === 1) return this.byName.get(names[0]!) ?? [];
    const out: StoredSeries[] = [];
    for (const n of new Set(names)) out.push(...(this.byName.get(n) ?? []));
    return out.sort((a, b) => compareLabels(a.labels, b.labels));
  }

  select(matchers: readonly LabelMatcher[], mint: number, maxt: number): SeriesSamples[] {
    const match = compileMatchers(matchers);
    const out: SeriesSamples[] = [];
    for (const s of this.candidates(matchers)) {
      if (!match(s.labels)) continue;
      if (!s.frozenTs) {
        s.frozenTs = Float64Array.from(s.ts);
        s.frozenVs = Float64Array.from(s.vs);
      }
      const lo = lowerBound(s.frozenTs, mint);
      const hi = lowerBound(s.frozenTs, maxt + 1);
      if (hi <= lo) continue;
      out.push({ labels: s.labels, timestamps: s.frozenTs.subarray(lo, hi), values: s.frozenVs!.subarray(lo, hi) });
    }
    return out;
  }

  series(matchers: readonly LabelMatcher[], mint: number, maxt: number): Labels[] {
    return this.select(matchers, mint, maxt).map((s) => s.labels);
  }

  labelNames(matchers: readonly LabelMatcher[], mint: number, maxt: number): string[] {
    const names = new Set<string>();
    const src = matchers.length > 0 ? this.series(matchers, mint, maxt) : this.all().map((s) => s.labels);
    for (const l of src) for (const x of l) names.add(x.name);
    return [...names].sort();
  }

  labelValues(name: string, matchers: readonly LabelMatcher[], mint: number, maxt: number): string[] {
    const values = new Set<string>();
    const src = matchers.length > 0 ? this.series(matchers, mint, maxt) : this.all().map((s) => s.labels);
    for (const l of src) {
      const v = getLabel(l, name);
      if (v !== '') values.add(v);
    }
    return [...values].sort();
  }
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
