// Label matchers as predicates on one label value for the postings index. Regexes go through the one
// RE2 compiler (src/promql/regex.ts); a plain alternation of literals also lists its values, so the
// index looks them up instead of scanning every value of the label.
import { compileLabelRegex, literalAlternatives } from '../../promql/regex.js';
import type { LabelMatcher } from '../../storage/interface.js';

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

// By matcher object: the parse cache hands out the same frozen matchers for the same query text, so a repeated
// query compiles nothing (profile: compiling was 9% of the fleet manager's 7 instant selectors at 10k series).
// Weak: an entry lives as long as its syntax tree. Only frozen matchers: one changed in place must not be answered
// from the cache.
const compiled = new WeakMap<LabelMatcher, CompiledMatcher>();

/** Throws RegexError (from the RE2 compiler) for a regex that is not valid RE2. */
export function compileMatcher(m: LabelMatcher): CompiledMatcher {
  if (!Object.isFrozen(m)) return compileNew(m);
  let c = compiled.get(m);
  if (c === undefined) {
    c = compileNew(m);
    compiled.set(m, c);
  }
  return c;
}

function compileNew(m: LabelMatcher): CompiledMatcher {
  switch (m.type) {
    case '=':
      return { name: m.name, matches: (v) => v === m.value, literals: [m.value], matchesEmpty: m.value === '', negative: false };
    case '!=':
      return { name: m.name, matches: (v) => v !== m.value, literals: null, matchesEmpty: m.value !== '', negative: true };
    case '=~': {
      const re = compileLabelRegex(m.value);
      return { name: m.name, matches: re, literals: literalAlternatives(m.value), matchesEmpty: re(''), negative: false };
    }
    case '!~': {
      const re = compileLabelRegex(m.value);
      return { name: m.name, matches: (v) => !re(v), literals: null, matchesEmpty: !re(''), negative: true };
    }
    default:
      throw new Error(`unknown matcher type ${(m as LabelMatcher).type}`);
  }
}
