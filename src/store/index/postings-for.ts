// Prometheus's PostingsForMatchers over any index that can list a label's values and read one value's
// postings: the head's in-memory index and a block's on-disk one share it.
//
// Selectors usually hold one matcher naming few series (`namespace="x"`) beside matchers on values that
// many series share (`strimzi_io_kind="Kafka"`, `topic!~"__.*"`, a metric-name alternation). So the
// literal matchers' postings are intersected smallest first, by seeking in the long lists rather than
// merging them, and when the candidates left are few the other matchers are tested on each candidate's
// own label value instead of on every value of the label (which at 100k series is thousands of regex
// runs and postings merges per query).
import type { CompiledMatcher } from './matchers.js';
import { EMPTY, filterByLists, merge, type Postings } from './postings.js';

export interface PostingsSource {
  /** Every value of the label (sorted or not); undefined when no series has it. */
  valuesOf(name: string): Iterable<string> | undefined;
  /** Series refs with label name=value, sorted; EMPTY when none. */
  postings(name: string, value: string): Postings;
  all(): Postings;
  /** The value of label `name` on series `ref` ("" when the series lacks it); optional (the head has labels
   *  at hand, a block would read them from disk). */
  labelValue?(ref: number, name: string): string;
}

/** Candidates are checked one by one when they are at most this fraction of all series. */
const PER_SERIES_FRACTION = 4;

/** Postings lists of one matcher: those to keep (positive) or drop (negative), with their total length. */
interface MatcherLists {
  lists: Postings[];
  size: number;
}

export function postingsForMatchers(src: PostingsSource, matchers: readonly CompiledMatcher[]): Postings {
  const literal: MatcherLists[] = [];
  const rest: CompiledMatcher[] = [];
  for (const m of matchers) {
    if (m.literals === null || m.matchesEmpty) {
      rest.push(m);
      continue;
    }
    const got = listsOf(src, m.name, m.literals);
    if (got.size === 0) return EMPTY;
    literal.push(got);
  }
  let cand: Postings | null = null;
  if (literal.length > 0) {
    literal.sort((a, b) => a.size - b.size);
    cand = merge(literal[0]!.lists);
    for (let i = 1; i < literal.length && cand.length > 0; i++) cand = filterByLists(cand, literal[i]!.lists, true);
    if (cand.length === 0 || rest.length === 0) return cand;
    if (src.labelValue !== undefined && cand.length * PER_SERIES_FRACTION <= src.all().length) {
      for (const m of rest) cand = filterBySeriesValue(cand, m, src);
      return cand;
    }
  }
  return filterByValues(src, cand, rest);
}

/** The non-empty postings of the given values of a label. */
function listsOf(src: PostingsSource, name: string, values: Iterable<string>): MatcherLists {
  const lists: Postings[] = [];
  let size = 0;
  for (const v of values) {
    const list = src.postings(name, v);
    if (list.length === 0) continue;
    lists.push(list);
    size += list.length;
  }
  return { lists, size };
}

/** Keeps the candidates whose own value of the label matches (each distinct value tested once). */
function filterBySeriesValue(cand: Postings, m: CompiledMatcher, src: PostingsSource): Postings {
  const seen = new Map<string, boolean>();
  const out: number[] = [];
  for (let i = 0; i < cand.length; i++) {
    const v = src.labelValue!(cand[i]!, m.name);
    let ok = seen.get(v);
    if (ok === undefined) seen.set(v, (ok = m.matches(v)));
    if (ok) out.push(cand[i]!);
  }
  return out;
}

/**
 * The matchers tested on every value of their label: a series without the label matches as "", so a
 * matcher accepting "" removes the postings of its non-matching values, any other keeps those of its
 * matching ones. `cand` null: no candidates yet (all series, unless a positive matcher narrows them).
 */
function filterByValues(src: PostingsSource, cand: Postings | null, matchers: readonly CompiledMatcher[]): Postings {
  const keep: MatcherLists[] = [];
  const drop: MatcherLists[] = [];
  for (const m of matchers) {
    const values = src.valuesOf(m.name);
    if (m.matchesEmpty) {
      if (values === undefined) continue;
      const bad = listsOf(src, m.name, filterValues(values, m, false));
      if (bad.size > 0) drop.push(bad);
    } else {
      if (values === undefined) return EMPTY;
      const good = listsOf(src, m.name, filterValues(values, m, true));
      if (good.size === 0) return EMPTY;
      keep.push(good);
    }
  }
  keep.sort((a, b) => a.size - b.size);
  let i = 0;
  if (cand === null) cand = keep.length > 0 ? merge(keep[i++]!.lists) : src.all();
  for (; i < keep.length && cand.length > 0; i++) cand = filterByLists(cand, keep[i]!.lists, true);
  for (const d of drop) {
    if (cand.length === 0) break;
    cand = filterByLists(cand, d.lists, false);
  }
  return cand;
}

function* filterValues(values: Iterable<string>, m: CompiledMatcher, matching: boolean): Iterable<string> {
  for (const v of values) if (m.matches(v) === matching) yield v;
}
