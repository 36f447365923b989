// Prometheus's PostingsForMatchers over any index that can list a label's values and read one value's
// postings: the head's in-memory index and a block's on-disk one share it.
import type { CompiledMatcher } from './matchers.js';
import { EMPTY, intersect, merge, without, type Postings } from './postings.js';

export interface PostingsSource {
  /** Every value of the label (sorted or not); undefined when no series has it. */
  valuesOf(name: string): Iterable<string> | undefined;
  /** Series refs with label name=value, sorted; EMPTY when none. */
  postings(name: string, value: string): Postings;
  all(): Postings;
}

export function postingsForMatchers(src: PostingsSource, matchers: readonly CompiledMatcher[]): Postings {
  const positives: Postings[] = [];
  const subtract: Postings[] = [];
  for (const m of matchers) {
    const values = src.valuesOf(m.name);
    if (m.matchesEmpty) {
      // Series without the label match; remove those whose value does not.
      if (values === undefined) continue;
      const bad: Postings[] = [];
      for (const v of values) if (!m.matches(v)) bad.push(src.postings(m.name, v));
      if (bad.length > 0) subtract.push(merge(bad));
    } else {
      if (values === undefined) return EMPTY;
      const good: Postings[] = [];
      if (m.literals !== null) {
        for (const v of m.literals) {
          const list = src.postings(m.name, v);
          if (list.length > 0) good.push(list);
        }
      } else {
        for (const v of values) if (m.matches(v)) good.push(src.postings(m.name, v));
      }
      if (good.length === 0) return EMPTY;
      positives.push(merge(good));
    }
  }
  let result: Postings;
  if (positives.length === 0) result = src.all();
  else {
    positives.sort((a, b) => a.length - b.length);
    result = positives[0]!;
    for (let i = 1; i < positives.length && result.length > 0; i++) result = intersect(result, positives[i]!);
  }
  for (const s of subtract) {
    if (result.length === 0) break;
    result = without(result, s);
  }
  return result;
}
