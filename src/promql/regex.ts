// The one regex compiler for label matchers (engine, store index, HTTP APIs) and label_replace: Go RE2
// syntax and semantics through re2js (a port of Go's regexp: linear-time matching, no backtracking), plus
// the string fast paths Prometheus's FastRegexMatcher takes for the common shapes. Like Prometheus, a
// matcher regex is fully anchored and `.` matches a newline (it compiles `^(?s:re)$`).

import { RE2JS, RE2JSException, RE2JSSyntaxException } from 're2js';

/** A pattern that is not valid RE2 (or too large); the message is Go's, e.g. "error parsing regexp: ...". */
export class RegexError extends Error {
  constructor(message: string, readonly pattern: string) {
    super(message);
    this.name = 'RegexError';
  }
}

export type ValuePredicate = (value: string) => boolean;

/** Go's regexp.QuoteMeta set: a pattern without these is a literal. */
const META = /[\\.+*?()|[\]{}^$]/;

/**
 * Matching is linear in the value's length, with a factor that grows with the program: this caps the
 * factor. It is not a time bound by itself: Unicode classes under big counters are the slow case
 * (`\\pL{500}`, 502 instructions, takes ~0.1 s on a 4 KiB non-ASCII value; bench/regex.ts). RE2's own
 * limit is ~1.4 M instructions; matchers in practice are under 100, and literal lists of any length
 * take the set path, which compiles nothing.
 */
export const MAX_PROGRAM_SIZE = 10_000;

/** Compiles with `(?s)` (re2js prefixes the flag); errors name the pattern as the caller wrote it. */
function compileDotAll(pattern: string): RE2JS {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, RE2JS.DOTALL);
  } catch (err) {
    if (err instanceof RE2JSSyntaxException) {
      const input = err.input?.startsWith('(?s)') ? err.input.slice(4) : err.input;
      const where = input === pattern ? '' : ` in regexp ${quoteForMessage(pattern)}`;
      throw new RegexError(`error parsing regexp: ${err.error}${input !== null ? `: \`${input}\`` : ''}${where}`, pattern);
    }
    if (err instanceof RE2JSException) throw new RegexError(`error parsing regexp: ${err.message} in regexp ${quoteForMessage(pattern)}`, pattern);
    throw err;
  }
  if (re.programSize() > MAX_PROGRAM_SIZE) {
    throw new RegexError(`error parsing regexp: expression too large for a label matcher (${re.programSize()} instructions, limit ${MAX_PROGRAM_SIZE}) in regexp ${quoteForMessage(pattern)}`, pattern);
  }
  return re;
}

/** Go's style of quoting a regex in an error, cut short for very long patterns. */
function quoteForMessage(pattern: string): string {
  return pattern.length > 200 ? `\`${pattern.slice(0, 200)}\`…` : `\`${pattern}\``;
}

/**
 * Literal, literal-set and `.*`-anchored shapes answered by string operations (Prometheus's
 * FastRegexMatcher does the same); null when the pattern needs the regex engine. Each is exact under
 * RE2 semantics: the pieces contain no metacharacter, and `.` matches every character.
 */
function fastPath(p: string): ValuePredicate | null {
  if (!META.test(p)) return (s) => s === p;
  if (p === '.*') return () => true;
  if (p === '.+') return (s) => s.length > 0;
  const lits = literalAlternatives(p);
  if (lits) {
    const set = new Set(lits);
    return (s) => set.has(s);
  }
  const lead = p.startsWith('.*');
  const trail = p.endsWith('.*') && p.length >= (lead ? 4 : 2);
  const mid = p.slice(lead ? 2 : 0, trail ? -2 : undefined);
  if ((!lead && !trail) || META.test(mid)) return null;
  if (lead && trail) return (s) => s.includes(mid);
  if (lead) return (s) => s.endsWith(mid);
  return (s) => s.startsWith(mid);
}

/**
 * The alternatives of a list of literals, `a|b|c` or `(a|b|c)` (a literal is a list of one), or null.
 * Escaped punctuation counts as literal (`10\\.0\\.0\\.1`, as Grafana escapes multi-value variables):
 * RE2 reads a backslash before an ASCII character other than a letter or digit as that character.
 */
export function literalAlternatives(pattern: string): string[] | null {
  const grouped = /^\((?:\?:)?(.*)\)$/s.exec(pattern);
  return splitLiterals(pattern) ?? (grouped ? splitLiterals(grouped[1]!) : null);
}

function splitLiterals(p: string): string[] | null {
  const out = new Set<string>();
  let cur = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '|') {
      out.add(cur);
      cur = '';
    } else if (c === '\\') {
      const e = p[++i];
      if (e === undefined || e.charCodeAt(0) >= 0x80 || /[0-9A-Za-z]/.test(e)) return null;
      cur += e;
    } else if (META.test(c)) return null;
    else cur += c;
  }
  out.add(cur);
  return [...out];
}

const CACHE_MAX = 1000;
const cache = new Map<string, ValuePredicate>();

/**
 * A predicate for a regex matcher value, fully anchored, RE2 semantics. Throws RegexError on invalid
 * syntax. Compiled predicates are cached (bounded, least recently used evicted first).
 */
export function compileLabelRegex(pattern: string): ValuePredicate {
  const hit = cache.get(pattern);
  if (hit) {
    cache.delete(pattern);
    cache.set(pattern, hit);
    return hit;
  }
  const pred = buildLabelRegex(pattern);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(pattern, pred);
  return pred;
}

/** compileLabelRegex without the cache. */
export function buildLabelRegex(pattern: string): ValuePredicate {
  const fast = fastPath(pattern);
  if (fast) return fast;
  const re = compileDotAll(pattern);
  const full = (s: string) => re.testExact(s);
  return foldedPrefixPath(pattern, full) ?? withLiteralBounds(pattern, full);
}

/**
 * `(?i)lit.*` with an ASCII literal: compares the first characters case-insensitively. A non-ASCII
 * character there goes to the regex, since RE2 folds some ASCII letters with others (k with K, s with ſ).
 */
function foldedPrefixPath(p: string, full: ValuePredicate): ValuePredicate | null {
  const m = /^\(\?i\)([\x00-\x7f]+)\.\*$/.exec(p);
  if (!m || META.test(m[1]!)) return null;
  const lit = m[1]!.toLowerCase();
  return (s) => {
    if (s.length < lit.length) return false;
    for (let i = 0; i < lit.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0x80) return full(s);
      if (c >= 65 && c <= 90) c += 32;
      if (c !== lit.charCodeAt(i)) return false;
    }
    return true;
  };
}

/**
 * Prometheus's prefix/suffix pre-checks: with no top-level `|` and no flag group, a leading (trailing)
 * run of plain characters is a prefix (suffix) every match has, so values without it are rejected
 * without running the regex. Only called on patterns that compiled, so the scan sees valid RE2.
 */
function withLiteralBounds(p: string, full: ValuePredicate): ValuePredicate {
  if (p.includes('(?') || hasTopLevelAlternation(p)) return full;
  let a = 0;
  while (a < p.length && !META.test(p[a]!)) a++;
  if (a < p.length && '*+?{'.includes(p[a]!)) a--; // the last plain character is repeated: not part of the prefix
  const prefix = a > 0 ? p.slice(0, a) : '';
  let b = p.length;
  while (b > 0 && !META.test(p[b - 1]!)) b--;
  // Characters right after a backslash may belong to its escape (`\pL`, `\x41`, `\101`): drop them.
  if (p[b - 1] === '\\') b += 3;
  const suffix = b < p.length ? p.slice(b) : '';
  if (!prefix && !suffix) return full;
  return (s) => s.startsWith(prefix) && s.endsWith(suffix) && full(s);
}

/** True when `|` occurs outside groups, classes and \Q...\E in a valid pattern. */
export function hasTopLevelAlternation(p: string): boolean {
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      if (p[i + 1] === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        i = end < 0 ? p.length : end + 1;
      } else i++;
    } else if (c === '[') i = classEnd(p, i);
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

/** The index of the `]` closing the class that opens at p[start]. */
function classEnd(p: string, start: number): number {
  let j = start + 1;
  if (p[j] === '^') j++;
  if (p[j] === ']') j++;
  for (; j < p.length && p[j] !== ']'; j++) {
    if (p[j] === '\\') j++;
    else if (p.startsWith('[:', j)) {
      const k = p.indexOf(':]', j + 2);
      if (k >= 0) j = k + 1;
    }
  }
  return j;
}

/** A full (anchored) match's groups: by number (0 = whole match; null = group did not take part) and by name. */
export interface RegexCaptures {
  groups: (string | null)[];
  named: Record<string, string | null>;
}

/** For label_replace: a fully anchored RE2 matcher that returns capture groups, or null on no match. */
export function compileCapturingRegex(pattern: string): (s: string) => RegexCaptures | null {
  const re = compileDotAll(pattern);
  const names = Object.entries(re.namedGroups());
  const n = re.groupCount();
  return (s) => {
    const m = re.matcher(s);
    if (!m.matches()) return null;
    const groups: (string | null)[] = [];
    for (let i = 0; i <= n; i++) groups.push(m.group(i));
    const named: Record<string, string | null> = {};
    for (const [name, i] of names) named[name] = groups[i] ?? null;
    return { groups, named };
  };
}
