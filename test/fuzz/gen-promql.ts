// PromQL generators: a small typed grammar whose every output is a valid query (so a refusal is a bug),
// and mutations of those queries (deleted, duplicated, inserted characters, huge numbers, deep nesting,
// weird regexes) whose answers only have to be well-formed.
import fc from 'fast-check';

const METRICS = ['fuzz_canary', 'fuzz_rw_metric', 'up', 'x', 'nonexistent_metric'];
const LABELS = ['job', 'instance', 'le', 'code', 'tenant_id', 'fuzz'];

/** Regexes Go's regexp (RE2 syntax, what Prometheus uses) accepts; each must work in a matcher. */
export const VALID_RE2 = [
  'foo', '.*', '.+', 'a|b|c', '', 'a|', '(|a)', '()', '^a$', 'fuzz_.*', '.*canary',
  '(?i)foo', '(?i:FOO)bar', '(?s:.)', '(?s).*', '(?m)^a$', '(?U)a+', '(?i)(?s)a.b', '(?-i:a)', '(?i)[a-z]+',
  '\\Qa.b\\E', '\\Q*+?\\E', '(a|ab)+c', '(a|ab)*', '(a|b)+', '(a+)+', '(x+x+)+y',
  '[[:alpha:]]+', '[[:^digit:]]', '[[:word:]]*', '\\pL+', '\\p{Greek}', '\\PL', '\\pN', '\\p{Lu}\\p{Ll}*',
  '\\d\\s\\w', '\\D\\S\\W', '[^a-z]', '[a\\-z]', '[\\d\\s]', '[^\\n]', 'a{2,3}', 'a{2,}', 'a{0}', 'x{', 'a{,3}',
  '\\x41\\x{42}\\101', '\\a\\f\\t\\n\\r\\v', '\\A\\z', '\\bfoo\\B', '(?P<name>a)b', '(?:a)(?:b)?', 'a*?b+?c??',
  '[]a]', '[^]a]', '\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\\\', 'é+', '日本', '\\x{65e5}',
];

/** Regexes that are invalid, pathological or huge: refusals are fine, 5xx and hangs are not. */
export const WEIRD_REGEXES = [
  '(', ')', '[a-', 'a{1001}', '(?P<n>', '\\', '*a', 'a**', '(?<', '\\C', '\\8', '[z-a]', '(?z)a', 'x{2}{3}',
  '(a{1000}){1000}', '((((((((((a))))))))))*', '(.*)*$', '(a|a)*b', '.{1000}', 'a'.repeat(5000), `(${'a|'.repeat(2000)}b)`,
  '[[:nope:]]', '\\p{Nope}', '\\Q', '\\Qa', '\\E', '(?i', '(?P<1>a)', '(?P<a>x)(?P<a>y)', '\x00', '\u2028', '%', '"',
];

// Prefixed so a generated name is never a keyword, function or aggregation name (`by`, `sum`, `inf`).
const ident = fc.stringMatching(/^[a-z0-9_]{0,8}$/);
const metricName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...METRICS) }, { weight: 1, arbitrary: ident.map((i) => `m_${i}`) });
const labelName = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...LABELS) }, { weight: 1, arbitrary: ident.map((i) => `l_${i}`) });
const plainValue = fc.oneof(fc.constantFrom('', 'a', 'prod', 'fuzz', 'x\\"y', 'é'), fc.stringMatching(/^[a-z0-9 ._-]{0,10}$/));

/** A PromQL string literal of `s` (double-quoted; backslashes and quotes escaped). */
export function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const matcher = fc.oneof(
  fc.tuple(labelName, fc.constantFrom('=', '!='), plainValue).map(([n, op, v]) => `${n}${op}${quote(v)}`),
  fc.tuple(labelName, fc.constantFrom('=~', '!~'), fc.constantFrom(...VALID_RE2)).map(([n, op, v]) => `${n}${op}${quote(v)}`),
);
const vectorSelector = fc.tuple(metricName, fc.array(matcher, { maxLength: 3 })).map(([m, ms]) => (ms.length > 0 ? `${m}{${ms.join(', ')}}` : m));
const duration = fc.tuple(fc.integer({ min: 1, max: 90 }), fc.constantFrom('s', 'm', 'h', 'd')).map(([n, u]) => `${n}${u}`);
const number = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom('0.5', '1e3', '-2.5e-3', '0x1f', 'Inf', '-Inf', 'NaN', '1e308', '0'),
);
const modifier = fc.oneof(
  { weight: 5, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: duration.map((d) => ` offset ${d}`) },
  { weight: 1, arbitrary: fc.constantFrom(' @ start()', ' @ end()', ' @ 1700000000', ' offset -5m') },
);

const RANGE_FNS = ['rate', 'irate', 'increase', 'delta', 'deriv', 'avg_over_time', 'sum_over_time', 'min_over_time', 'max_over_time', 'count_over_time', 'last_over_time', 'stddev_over_time', 'changes', 'resets', 'present_over_time'];
const VECTOR_FNS = ['abs', 'ceil', 'floor', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'sort', 'sort_desc', 'timestamp', 'sgn'];
const AGGS = ['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'group'];
const ARITH = ['+', '-', '*', '/', '%', '^'];
const CMP = ['==', '!=', '>', '<', '>=', '<='];

interface Grammar {
  vector: fc.Arbitrary<string>;
  scalar: fc.Arbitrary<string>;
}

/** Typed expressions: `vector` yields instant-vector queries, `scalar` scalar ones; all valid. */
export const grammar: Grammar = fc.letrec<{ vector: string; scalar: string; range: string }>((tie) => {
  const vector = tie('vector');
  const scalar = tie('scalar');
  return {
    range: fc.oneof(
      fc.tuple(vectorSelector, duration, modifier).map(([v, d, m]) => `${v}[${d}]${m}`),
      // Subquery ranges and steps stay small: nested subqueries multiply their evaluation steps.
      fc.tuple(vector, fc.constantFrom('5m', '10m', '1h'), fc.constantFrom('1m', '5m', '')).map(([v, r, s]) => `(${v})[${r}:${s}]`),
    ),
    vector: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: fc.tuple(vectorSelector, modifier).map(([v, m]) => `${v}${m}`) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...RANGE_FNS), tie('range')).map(([f, r]) => `${f}(${r})`) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...VECTOR_FNS), vector).map(([f, v]) => `${f}(${v})`) },
      { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...AGGS), fc.constantFrom('by', 'without'), fc.array(labelName, { maxLength: 2 }), vector).map(([a, g, ls, v]) => `${a} ${g} (${ls.join(', ')}) (${v})`) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom('topk', 'bottomk', 'quantile'), scalar, vector).map(([a, s, v]) => `${a}(${s}, ${v})`) },
      // Operands in parentheses: without them precedence regroups `a - -1 ^ on(job) b` into scalar ^ on(job).
      { weight: 2, arbitrary: fc.tuple(vector, fc.constantFrom(...ARITH, ...CMP, 'and', 'or', 'unless'), fc.constantFrom('', ' on(job)', ' ignoring(instance)'), vector).map(([a, op, mod, b]) => `(${a}) ${op}${mod} (${b})`) },
      { weight: 1, arbitrary: fc.tuple(vector, fc.constantFrom(...ARITH, ...CMP, ...CMP.map((c) => `${c} bool`)), scalar).map(([a, op, s]) => `(${a}) ${op} (${s})`) },
      { weight: 1, arbitrary: fc.tuple(vector, fc.constantFrom(...VALID_RE2)).map(([v, re]) => `label_replace(${v}, "dst", "$1", "job", ${quote(re)})`) },
      { weight: 1, arbitrary: fc.tuple(vector, scalar).map(([v, s]) => `clamp_min(${v}, ${s})`) },
      { weight: 1, arbitrary: scalar.map((s) => `vector(${s})`) },
      { weight: 1, arbitrary: vector.map((v) => `-(${v})`) },
      { weight: 1, arbitrary: fc.tuple(scalar, vector).map(([s, v]) => `histogram_quantile(${s}, ${v})`) },
    ),
    scalar: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 5, arbitrary: number },
      { weight: 1, arbitrary: fc.constantFrom('time()', 'pi()') },
      { weight: 1, arbitrary: vector.map((v) => `scalar(${v})`) },
      { weight: 1, arbitrary: fc.tuple(scalar, fc.constantFrom(...ARITH, ...CMP.map((c) => `${c} bool`)), scalar).map(([a, op, b]) => `((${a}) ${op} (${b}))`) },
    ),
  };
});

/** A valid query of either type. */
export const validQuery = fc.oneof({ weight: 4, arbitrary: grammar.vector }, { weight: 1, arbitrary: grammar.scalar });

type Mutation = (q: string, at: number, extra: string) => string;
const MUTATIONS: Record<string, Mutation> = {
  delete: (q, at) => q.slice(0, at) + q.slice(at + 1),
  duplicate: (q, at) => q.slice(0, at + 1) + q.slice(at),
  insert: (q, at, extra) => q.slice(0, at) + extra + q.slice(at),
  truncate: (q, at) => q.slice(0, at),
  swap: (q, at) => (at + 1 < q.length ? q.slice(0, at) + q[at + 1] + q[at] + q.slice(at + 2) : q),
  hugeNumber: (q, _at, extra) => (/\d+(\.\d+)?/.test(q) ? q.replace(/\d+(\.\d+)?/, extra) : `${q} + ${extra}`),
  weirdRegex: (q, _at, extra) => (/=~"(?:[^"\\]|\\.)*"/.test(q) ? q.replace(/=~"(?:[^"\\]|\\.)*"/, `=~${quote(extra)}`) : `${q} and on() x{job=~${quote(extra)}}`),
  nest: (q, at) => `${'('.repeat(at * 40 + 1)}${q}${')'.repeat(at * 40 + 1)}`,
  deepNest: (q) => `${'('.repeat(3000)}${q}${')'.repeat(3000)}`,
  nestFn: (q, at) => `${'abs('.repeat(at * 20 + 1)}${q}${')'.repeat(at * 20 + 1)}`,
};
const HUGE_NUMBERS = ['1e309', '99999999999999999999999999', '0x7fffffffffffffff', '-1e400', '1' + '0'.repeat(400), '0.' + '0'.repeat(400) + '1', '9'.repeat(40) + 'd'];
const INSERTS = ['(', ')', '{', '}', '[', ']', '"', "'", '`', ',', '=', '~', '!', '@', ':', ' offset ', ' by ', 'sum', '\\', '\u0000', 'é', '#', '\n', '[5m:]', '1y'];

/** A valid query with 1 to 3 mutations applied. */
export const mutatedQuery = fc
  .tuple(
    validQuery,
    fc.array(
      fc.tuple(fc.constantFrom(...Object.keys(MUTATIONS)), fc.nat(), fc.oneof(fc.constantFrom(...INSERTS), fc.constantFrom(...HUGE_NUMBERS), fc.constantFrom(...WEIRD_REGEXES), fc.string({ maxLength: 4, unit: 'binary' }))),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([q, muts]) =>
    muts.reduce((acc, [name, pos, extra]) => {
      const at = acc.length === 0 ? 0 : name === 'nest' || name === 'nestFn' ? pos % 4 : pos % acc.length;
      const x = name === 'hugeNumber' ? HUGE_NUMBERS[pos % HUGE_NUMBERS.length]! : name === 'weirdRegex' ? WEIRD_REGEXES[pos % WEIRD_REGEXES.length]! : extra;
      return MUTATIONS[name]!(acc, at, x);
    }, q),
  );

/** Anything at all as a query: mutated valid queries mostly, random strings too. */
export const anyQuery = fc.oneof(
  { weight: 6, arbitrary: mutatedQuery },
  { weight: 1, arbitrary: fc.string({ maxLength: 60, unit: 'grapheme-ascii' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30, unit: 'binary' }) },
);
