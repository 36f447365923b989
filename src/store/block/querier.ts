// Queries over several sources (blocks, then the head) as one: series with the same label set are
// merged (their samples concatenated in time, overlaps deduplicated), label names and values united.
import type { LabelMatcher, Labels, Querier, SelectHints, SeriesSamples } from '../../storage/interface.js';
import { seriesKey } from '../labels.js';
import { mergeSamples } from './compact.js';

export class MergeQuerier implements Querier {
  /** Sources in time order (older blocks first, the head last). */
  constructor(private readonly sources: readonly Querier[]) {}

  select(matchers: readonly LabelMatcher[], mint: number, maxt: number, hints?: SelectHints): SeriesSamples[] {
    if (this.sources.length === 1) return this.sources[0]!.select(matchers, mint, maxt, hints);
    const byKey = new Map<string, SeriesSamples[]>();
    for (const src of this.sources) {
      for (const s of src.select(matchers, mint, maxt, hints)) {
        const key = seriesKey(s.labels);
        const parts = byKey.get(key);
        if (parts === undefined) byKey.set(key, [s]);
        else parts.push(s);
      }
    }
    const out: SeriesSamples[] = [];
    for (const parts of byKey.values()) out.push(parts.length === 1 ? parts[0]! : mergeSamples(parts[0]!.labels, parts));
    return out;
  }

  series(matchers: readonly LabelMatcher[], mint: number, maxt: number): Labels[] {
    if (this.sources.length === 1) return this.sources[0]!.series(matchers, mint, maxt);
    const byKey = new Map<string, Labels>();
    for (const src of this.sources) for (const l of src.series(matchers, mint, maxt)) byKey.set(seriesKey(l), l);
    return [...byKey.values()];
  }

  labelNames(matchers: readonly LabelMatcher[], mint: number, maxt: number): string[] {
    return union(this.sources.map((s) => s.labelNames(matchers, mint, maxt)));
  }

  labelValues(name: string, matchers: readonly LabelMatcher[], mint: number, maxt: number): string[] {
    return union(this.sources.map((s) => s.labelValues(name, matchers, mint, maxt)));
  }
}

function union(lists: string[][]): string[] {
  if (lists.length === 1) return lists[0]!;
  return [...new Set(lists.flat())].sort();
}
