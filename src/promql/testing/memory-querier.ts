// An in-memory Querier for promqltest (and benchmarks): series kept sorted by labels, samples in typed arrays,
// an index on `__name__` so name selectors (including `a|b|c` regexes) don't scan every series.

import { compileMatchers } from '../matcher.js';
import { literalAlternatives } from '../regex.js';
import type { FloatHistogram } from '../../histogram/index.js';
import type { LabelMatcher, Labels, Querier, SeriesSamples } from '../../storage/interface.js';
import { compareLabels, getLabel, labelsKey } from '../value.js';

// Values live in Float64Arrays only: plain JS arrays may canonicalize NaN payloads and lose stale markers.
interface StoredSeries {
  labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
  /** Native histogram samples, sorted by time (a series may hold floats at some times and histograms at others). */
  hts: number[];
  hvs: FloatHistogram[];
}

export class MemoryQuerier implements Querier {
  private byKey = new Map<string, StoredSeries>();
  private sorted: StoredSeries[] | null = null;
  private byName: Map<string, StoredSeries[]> | null = null;

  /** Appends samples (timestamps ascending within one call) to a series, creating it if needed. */
  append(labels: Labels, timestamps: ArrayLike<number>, values: Float64Array): void {
    const s = this.seriesFor(labels);
    this.mergeFloats(s, timestamps, values);
  }

  /** Appends native histogram samples (timestamps ascending) to a series, creating it if needed. */
  appendHistograms(labels: Labels, timestamps: readonly number[], histograms: readonly FloatHistogram[]): void {
    const s = this.seriesFor(labels);
    const byTime = new Map<number, FloatHistogram>();
    s.hts.forEach((t, i) => byTime.set(t, s.hvs[i]!));
    timestamps.forEach((t, i) => byTime.set(t, histograms[i]!));
    s.hts = [...byTime.keys()].sort((a, b) => a - b);
    s.hvs = s.hts.map((t) => byTime.get(t)!);
  }

  private seriesFor(labels: Labels): StoredSeries {
    const key = labelsKey(labels);
    let s = this.byKey.get(key);
    if (!s) {
      s = { labels, ts: new Float64Array(0), vs: new Float64Array(0), hts: [], hvs: [] };
      this.byKey.set(key, s);
      this.sorted = null;
      this.byName = null;
    }
    return s;
  }

  private mergeFloats(s: StoredSeries, timestamps: ArrayLike<number>, values: Float64Array): void {
    // Merge the new samples in (a sample at an existing timestamp replaces the old one).
    const n = s.ts.length + timestamps.length;
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    let a = 0;
    let b = 0;
    let k = 0;
    while (a < s.ts.length || b < timestamps.length) {
      if (b >= timestamps.length || (a < s.ts.length && s.ts[a]! < timestamps[b]!)) {
        ts[k] = s.ts[a]!;
        vs[k++] = s.vs[a++]!;
      } else {
        if (a < s.ts.length && s.ts[a] === timestamps[b]) a++;
        ts[k] = timestamps[b]!;
        vs[k++] = values[b++]!;
      }
    }
    s.ts = ts.subarray(0, k);
    s.vs = vs.subarray(0, k);
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
    const names = nameMatcher.type === '=' ? [nameMatcher.value] : literalAlternatives(nameMatcher.value);
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
      const lo = lowerBound(s.ts, mint);
      const hi = lowerBound(s.ts, maxt + 1);
      const hlo = lowerBound(s.hts, mint);
      const hhi = lowerBound(s.hts, maxt + 1);
      if (hi <= lo && hhi <= hlo) continue;
      const samples: SeriesSamples = { labels: s.labels, timestamps: s.ts.subarray(lo, hi), values: s.vs.subarray(lo, hi) };
      out.push(hhi > hlo ? { ...samples, histograms: { timestamps: s.hts.slice(hlo, hhi), values: s.hvs.slice(hlo, hhi) } } : samples);
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

function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
