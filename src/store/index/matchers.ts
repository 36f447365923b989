// Label matchers as predicates on one label value, with the two fast paths the fleet manager needs:
// a regex that is a plain alternation of literals becomes a set, and `.*`-like regexes match everything.
import type { LabelMatcher } from '../../promql/storage.js';

export interface CompiledMatcher {
  readonly name: string;
  /** Does this value (""= label absent) match? */
  matches(value: string): boolean;
  /** The exact values that match, when finite and known (`=`, literal alternations). */
  readonly literals: readonly string[] | null;
  /** True when the matcher accepts "" (so series without the label match too). */
  readonly matchesEmpty: boolean;
  /** True for `!=` / `!~`: cheaper as "all minus the complement". */
  readonly negative: boolean;
}

const regexCache = new Map<string, RegExp>();
const REGEX_META = /[\\^$.|?*+()[\]{}]/;

/** Literal alternatives of `a|b|c` (no metacharacters), or null. Empty alternatives are allowed. */
export function literalAlternation(re: string): string[] | null {
  const parts = re.split('|');
  for (const p of parts) if (REGEX_META.test(p)) return null;
  return [...new Set(parts)];
}

/** Anchored, like Prometheus (`^(?:re)$`). Go RE2 and JS agree on the syntax selectors use in practice. */
export function compileRegex(re: string): RegExp {
  let r = regexCache.get(re);
  if (r === undefined) {
    try {
      r = new RegExp(`^(?:${re})$`, 'u');
    } catch {
      r = new RegExp(`^(?:${re})$`); // some RE2 escapes are invalid in JS's 'u' mode
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(re, r);
  }
  return r;
}

export function compileMatcher(m: LabelMatcher): CompiledMatcher {
  switch (m.type) {
    case '=':
      return { name: m.name, matches: (v) => v === m.value, literals: [m.value], matchesEmpty: m.value === '', negative: false };
    case '!=':
      return { name: m.name, matches: (v) => v !== m.value, literals: null, matchesEmpty: m.value !== '', negative: true };
    case '=~': {
      const lits = literalAlternation(m.value);
      if (lits !== null) {
        const set = new Set(lits);
        return { name: m.name, matches: (v) => set.has(v), literals: lits, matchesEmpty: set.has(''), negative: false };
      }
      const re = compileRegex(m.value);
      return { name: m.name, matches: (v) => re.test(v), literals: null, matchesEmpty: re.test(''), negative: false };
    }
    case '!~': {
      const lits = literalAlternation(m.value);
      if (lits !== null) {
        const set = new Set(lits);
        return { name: m.name, matches: (v) => !set.has(v), literals: null, matchesEmpty: !set.has(''), negative: true };
      }
      const re = compileRegex(m.value);
      return { name: m.name, matches: (v) => !re.test(v), literals: null, matchesEmpty: !re.test(''), negative: true };
    }
    default:
      throw new Error(`unknown matcher type ${(m as LabelMatcher).type}`);
  }
}
