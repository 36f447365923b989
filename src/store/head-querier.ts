// The Querier contract over the in-memory head alone (the store merges it with its blocks).
import type { LabelMatcher, Labels, Querier, SeriesSamples } from '../storage/interface.js';
import type { Head, MemSeries } from './head.js';

export class HeadQuerier implements Querier {
  constructor(private readonly head: Head) {}

  select(matchers: readonly LabelMatcher[], mint: number, maxt: number): SeriesSamples[] {
    const out: SeriesSamples[] = [];
    for (const s of this.head.matching(matchers)) {
      const got = this.head.samplesOf(s, mint, maxt);
      if (got !== null) out.push(got);
    }
    return out;
  }

  series(matchers: readonly LabelMatcher[], mint: number, maxt: number): Labels[] {
    return this.inRange(matchers, mint, maxt).map((s) => s.labels);
  }

  labelNames(matchers: readonly LabelMatcher[], mint: number, maxt: number): string[] {
    if (matchers.length === 0 && this.coversHead(mint, maxt)) return this.head.index.labelNames();
    const names = new Set<string>();
    for (const s of this.inRange(matchers, mint, maxt)) for (const l of s.labels) names.add(l.name);
    return [...names].sort();
  }

  labelValues(name: string, matchers: readonly LabelMatcher[], mint: number, maxt: number): string[] {
    if (matchers.length === 0 && this.coversHead(mint, maxt)) return this.head.index.labelValues(name);
    const values = new Set<string>();
    for (const s of this.inRange(matchers, mint, maxt)) {
      for (const l of s.labels) if (l.name === name) values.add(l.value);
    }
    return [...values].sort();
  }

  private coversHead(mint: number, maxt: number): boolean {
    return mint <= this.head.effectiveMinT() && maxt >= this.head.maxT;
  }

  private inRange(matchers: readonly LabelMatcher[], mint: number, maxt: number): MemSeries[] {
    return this.head.matching(matchers).filter((s) => this.head.hasSamplesIn(s, mint, maxt));
  }
}
