// Go RE2 syntax and semantics of label-matcher regexes (fully anchored, `.` matching newline as in
// Prometheus 3's `^(?s:re)$`), as a table shared by the compiler's tests and bench/regex.ts.
// Expectations follow Go's regexp/syntax documentation and are cross-checked against Debian's
// Prometheus in test/promql/regex-prometheus.test.ts where its older Go agrees.

export interface RegexCase {
  /** What the case is about (RE2 feature). */
  about: string;
  pattern: string;
  /** Values the anchored pattern must match, and must not; or 'error' for a pattern RE2 rejects. */
  matches?: string[];
  rejects?: string[];
  error?: true;
}

export const REGEX_CASES: RegexCase[] = [
  { about: 'literal', pattern: 'foo', matches: ['foo'], rejects: ['foox', 'xfoo', ''] },
  { about: 'empty pattern', pattern: '', matches: [''], rejects: ['a'] },
  { about: 'literal set', pattern: 'a|b|c', matches: ['a', 'b', 'c'], rejects: ['ab', '', 'd'] },
  { about: 'empty alternative', pattern: 'a|', matches: ['a', ''], rejects: ['b'] },
  { about: 'prefix', pattern: 'kafka_server_.*', matches: ['kafka_server_x', 'kafka_server_'], rejects: ['xkafka_server_'] },
  { about: 'contains', pattern: '.*kafka.*', matches: ['kafka', 'a_kafka_b'], rejects: ['kafk'] },
  { about: 'suffix', pattern: '.*_total', matches: ['a_total'], rejects: ['a_totals'] },
  { about: '. matches newline (Prometheus wraps in (?s:))', pattern: 'a.b', matches: ['a\nb', 'axb'], rejects: ['ab'] },
  { about: '.* matches newline', pattern: '.*', matches: ['', 'x', 'a\nb'] },
  { about: '(?-s) turns that off', pattern: '(?-s:.)', matches: ['a'], rejects: ['\n'] },
  { about: '(?s:.) group flag', pattern: '(?s:.)', matches: ['\n', 'a'], rejects: ['', 'ab'] },
  { about: '. is one code point (astral)', pattern: '.', matches: ['😀', 'é'], rejects: [''] },
  { about: '(?i) flag', pattern: '(?i)foo', matches: ['FOO', 'Foo', 'foo'], rejects: ['xfoo'] },
  { about: '(?i) prefix then .*', pattern: '(?i)ERROR.*', matches: ['error: disk', 'ERROR', 'ErRoR x'], rejects: ['warn error'] },
  { about: '(?i:...) group', pattern: '(?i:A)b', matches: ['ab', 'Ab'], rejects: ['aB'] },
  { about: '(?i) then (?-i)', pattern: '(?i)a(?-i)b', matches: ['Ab'], rejects: ['AB'] },
  { about: '(?i) Unicode folding (σ ς Σ)', pattern: '(?i)σ', matches: ['Σ', 'ς', 'σ'], rejects: ['s'] },
  { about: '(?i) Kelvin sign folds to k', pattern: '(?i)k', matches: ['K', 'k', '\u212A'], rejects: ['x'] },
  { about: '(?m) multi-line anchors', pattern: '(?m)a$\n^b', matches: ['a\nb'], rejects: ['ab'] },
  { about: 'without (?m), $ is end of text', pattern: 'a$\n^b', rejects: ['a\nb'] },
  { about: '(?U) ungreedy (same full match)', pattern: '(?U)a+b', matches: ['aab'], rejects: ['b'] },
  { about: 'non-greedy', pattern: 'a+?b', matches: ['aab'], rejects: ['b'] },
  { about: '\\Q...\\E', pattern: '\\Qa.b\\E', matches: ['a.b'], rejects: ['axb'] },
  { about: '\\Q without \\E', pattern: 'x\\Q.*', matches: ['x.*'], rejects: ['xy'] },
  { about: '\\pL', pattern: '\\pL+', matches: ['héllo', 'αβ'], rejects: ['h1'] },
  { about: '\\p{Greek}', pattern: '\\p{Greek}+', matches: ['αβγ'], rejects: ['abc'] },
  { about: '\\PL', pattern: '\\PL', matches: ['1'], rejects: ['a'] },
  { about: '\\p{^Greek}', pattern: '\\p{^Greek}', matches: ['a'], rejects: ['α'] },
  { about: '[[:alpha:]]', pattern: '[[:alpha:]]+', matches: ['abc'], rejects: ['ab1'] },
  { about: '[[:^alpha:]]', pattern: '[[:^alpha:]]', matches: ['1'], rejects: ['a'] },
  { about: '[[:word:]]', pattern: '[[:word:]]+', matches: ['a_1'], rejects: ['a-1'] },
  { about: '\\d is ASCII', pattern: '\\d+', matches: ['123'], rejects: ['١٢'] },
  { about: '\\s is [\\t\\n\\f\\r ] (no \\v)', pattern: '\\s', matches: [' ', '\t', '\n'], rejects: ['\v', '\u00a0'] },
  { about: '[^a] matches newline', pattern: '[^a]', matches: ['\n', 'b'], rejects: ['a'] },
  { about: '\\z', pattern: 'a\\z', matches: ['a'], rejects: ['a\n'] },
  { about: '\\A', pattern: '\\Aa', matches: ['a'], rejects: ['ba'] },
  { about: '\\b', pattern: 'a\\b.*', matches: ['a b', 'a'], rejects: ['ab'] },
  { about: '\\x{...}', pattern: '\\x{1F600}', matches: ['😀'], rejects: ['x'] },
  { about: 'octal escape', pattern: '\\x41\\101', matches: ['AA'], rejects: ['A'] },
  { about: 'a{,3} is a literal in RE2', pattern: 'a{,3}', matches: ['a{,3}'], rejects: ['aaa'] },
  { about: 'unclosed { is a literal', pattern: 'x{', matches: ['x{'], rejects: ['x'] },
  { about: 'bounded repeat', pattern: 'a{2,3}', matches: ['aa', 'aaa'], rejects: ['a', 'aaaa'] },
  { about: '(a|ab)+c (overlapping repeated alternation)', pattern: '(a|ab)+c', matches: ['ac', 'abac', 'ababc'], rejects: ['c', 'abc_'] },
  { about: 'nested repetition (a+)+b', pattern: '(a+)+b', matches: ['ab', 'aaab'], rejects: ['aaa'] },
  { about: '(?P<name>x)', pattern: '(?P<name>x)y', matches: ['xy'], rejects: ['x'] },
  { about: '(?<name>x) (Go >= 1.22)', pattern: '(?<name>x)y', matches: ['xy'], rejects: ['x'] },
  { about: 'a{1000} is the largest repeat', pattern: 'a{1000}', matches: ['a'.repeat(1000)], rejects: ['a'.repeat(999)] },
  { about: 'repeat count over 1000', pattern: 'a{1001}', error: true },
  { about: 'nested repeat over 1000', pattern: '(a{1000}){1000}', error: true },
  { about: 'nested repetition operator', pattern: 'a**', error: true },
  { about: 'backreference', pattern: '(a)\\1', error: true },
  { about: 'lookahead', pattern: 'a(?=b)', error: true },
  { about: 'negative lookahead', pattern: 'a(?!b)', error: true },
  { about: 'lookbehind', pattern: '(?<=a)b', error: true },
  { about: 'digits are a valid group name', pattern: '(?P<1>x)', matches: ['x'] },
  { about: 'bad group name', pattern: '(?P<a-b>x)', error: true },
  { about: '\\Z', pattern: 'a\\Z', error: true },
  { about: '\\C', pattern: 'a\\C', error: true },
  { about: 'escaped punctuation is itself', pattern: '\\_\\-', matches: ['_-'], rejects: ['a-'] },
  { about: 'unknown letter escape', pattern: '\\i', error: true },
  { about: '(?x) flag', pattern: '(?x)a b', error: true },
  { about: 'missing )', pattern: '(.*', error: true },
  { about: 'unexpected )', pattern: 'a)|(b', error: true },
  { about: 'missing ]', pattern: '[a', error: true },
  { about: 'missing repeat argument', pattern: '*a', error: true },
  { about: 'bad class range', pattern: '[z-a]', error: true },
];

/** Patterns that backtracking engines take exponential (or high polynomial) time on; RE2 is linear. */
export const CATASTROPHIC: { pattern: string; input: string }[] = [
  { pattern: '(a+)+b', input: 'a'.repeat(50_000) },
  { pattern: '(a|aa)+b', input: 'a'.repeat(50_000) },
  { pattern: '(a|a?)+b', input: 'a'.repeat(50_000) },
  { pattern: '(.*a){20}', input: 'a'.repeat(20) + 'b'.repeat(50_000) },
  { pattern: '.*.*.*.*.*.*=.*', input: 'x'.repeat(50_000) },
  // Just under the label-matcher program-size limit, against a value at the store's label value limit.
  { pattern: '\\pL{999}'.repeat(10), input: 'é'.repeat(4095) + '1' },
];
