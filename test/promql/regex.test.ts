// The RE2 label-regex compiler: the syntax/semantics table, error messages, linear time on catastrophic
// patterns, capture groups for label_replace, and the fast paths agreeing with the regex engine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RE2JS } from 're2js';
import { compileMatcher } from '../../src/promql/matcher.js';
import { buildLabelRegex, compileCapturingRegex, compileLabelRegex, hasTopLevelAlternation, literalAlternatives, RegexError } from '../../src/promql/regex.js';
import { buildQueries, regexLiteral } from '../../src/kafka-metrics/catalog.js';
import { parseExpr } from '../../src/promql/parser.js';
import { CATASTROPHIC, REGEX_CASES } from '../../tools/testing/regex-cases.js';

for (const c of REGEX_CASES) {
  test(`RE2 ${c.about}: ${JSON.stringify(c.pattern)}`, () => {
    if (c.error) {
      assert.throws(() => buildLabelRegex(c.pattern), (err: unknown) => err instanceof RegexError && err.message.startsWith('error parsing regexp: '));
      return;
    }
    const re = buildLabelRegex(c.pattern);
    for (const s of c.matches ?? []) assert.equal(re(s), true, `${c.pattern} should match ${JSON.stringify(s)}`);
    for (const s of c.rejects ?? []) assert.equal(re(s), false, `${c.pattern} should not match ${JSON.stringify(s)}`);
  });
}

test('errors give Go\'s message and name the pattern as written', () => {
  const cases: [string, string][] = [
    ['(.*', 'error parsing regexp: missing closing ): `(.*`'],
    ['a)|(b', 'error parsing regexp: unexpected ): `a)|(b`'],
    ['(a)\\1', 'error parsing regexp: invalid escape sequence: `\\1` in regexp `(a)\\1`'],
    ['a(?=b)', 'error parsing regexp: invalid or unsupported Perl syntax: `(?=` in regexp `a(?=b)`'],
    ['a{1001}', 'error parsing regexp: invalid repeat count: `{1001}` in regexp `a{1001}`'],
    ['x'.repeat(300) + '\\', 'error parsing regexp: trailing backslash at end of expression in regexp `' + 'x'.repeat(200) + '`…'],
  ];
  for (const [p, msg] of cases) {
    assert.throws(() => compileLabelRegex(p), (err: unknown) => err instanceof RegexError && err.message === msg && err.pattern === p, p);
  }
});

test('a program over the label-matcher size limit is refused with the sizes; lists of literals are not limited', () => {
  const big = '[a-z]{1000}'.repeat(11);
  assert.throws(() => buildLabelRegex(big), (err: unknown) => err instanceof RegexError && /expression too large for a label matcher \(\d+ instructions, limit 10000\)/.test(err.message));
  assert.throws(() => compileCapturingRegex(big), RegexError);
  const values = Array.from({ length: 50_000 }, (_, i) => `10.0.${i >> 8}.${i & 255}:9100`.replace(/\./g, '\\.'));
  for (const p of [values.join('|'), `(${values.join('|')})`]) assert.doesNotThrow(() => buildLabelRegex(p));
});

test('catastrophic patterns answer in linear time (generous deadline)', () => {
  for (const { pattern, input } of CATASTROPHIC) {
    const t0 = Date.now();
    assert.equal(buildLabelRegex(pattern)(input), false, pattern);
    assert.ok(Date.now() - t0 < 5000, `${pattern} took ${Date.now() - t0} ms`);
  }
});

test('label_replace captures: leftmost-first, non-greedy, (?U), named and unmatched groups', () => {
  const caps = (p: string, s: string) => compileCapturingRegex(p)(s);
  assert.deepEqual(caps('(a+?)(a*)', 'aaa')?.groups, ['aaa', 'a', 'aa']);
  assert.deepEqual(caps('(?U)(a+)(a*)', 'aaa')?.groups, ['aaa', 'a', 'aa']);
  assert.deepEqual(caps('(a+)(a*)', 'aaa')?.groups, ['aaa', 'aaa', '']);
  assert.deepEqual(caps('(a|ab)(c|bcd)(d*)', 'abcd')?.groups, ['abcd', 'a', 'bcd', '']);
  assert.deepEqual(caps('(?P<x>a)|(?<y>b)', 'b')?.named, { x: null, y: 'b' });
  assert.deepEqual(caps('(.*)-(.*)', 'a\nb-c')?.groups, ['a\nb-c', 'a\nb', 'c']);
  assert.equal(caps('a', 'ab'), null);
});

/** Label values chosen to probe the fast paths' edges (case, newline, astral, prefixes of prefixes). */
const PROBES = ['', 'a', 'A', 'kafka', 'Kafka', 'kafka_server_x', 'kafka_server_', 'xkafka', 'x_kafka_y', 'ERROR', 'error: x', 'ErRoR\n',
  'erro', '\u212Arror', 'ſ', 'foo', 'FOO', 'bar', 'baz', 'foobar', 'a\nb', '😀', 'job-1', 'job-x', 'prod-3', '-', 'x-12', 'a_total', '_total',
  'total', 'abc', 'ab', 'abbc', 'ac', 'a.b', 'axb', 'x41total', 'Atotal', 'a|b', '(a)'];

test('fast paths answer exactly what the regex engine answers', () => {
  const patterns = ['foo', 'foo|bar|baz', 'a|', '.*', '.+', 'kafka_server_.*', '.*kafka.*', '.*_total', '(?i)ERROR.*', '(?i)s.*',
    '(?i)kafka.*', 'kafka_(server|network)_.*', 'ab*c', 'abc?', 'ab{2}c', 'a.*|b', '(prod|staging)-.*|job-.*', 'job-[0-9]+',
    '(foo|bar)', '(?:foo|)', '10\\.0\\.0\\.1|x\\|y', '\\_\\-|a\\.b', '(a\\.b|c)', '(foo)|(bar)', '\\x41total', 'a\\.b', '\\Qa.b\\E', '\\Qa|b', '[|]abc', 'x[a-z]*-\\d+', '(?i)foo|bar', 'a(?i)b.*c', '.*-[0-9]+'];
  for (const p of patterns) {
    const engine = RE2JS.compile(p, RE2JS.DOTALL);
    const ours = buildLabelRegex(p);
    for (const s of PROBES) assert.equal(ours(s), engine.testExact(s), `${p} on ${JSON.stringify(s)}`);
  }
});

test('literal alternatives and top-level alternation', () => {
  assert.deepEqual(literalAlternatives('a|b|c'), ['a', 'b', 'c']);
  assert.deepEqual(literalAlternatives('foo'), ['foo']);
  assert.deepEqual(literalAlternatives('a||a'), ['a', '']);
  assert.equal(literalAlternatives('a.*|b'), null);
  assert.deepEqual(literalAlternatives('(a|b)'), ['a', 'b']);
  assert.deepEqual(literalAlternatives('10\\.0\\.0\\.1:9100|a\\|b|\\_'), ['10.0.0.1:9100', 'a|b', '_']);
  assert.equal(literalAlternatives('a\\d'), null);
  assert.equal(literalAlternatives('a\\'), null);
  assert.equal(literalAlternatives('\\é'), null);
  assert.deepEqual(literalAlternatives('(?:a|)'), ['a', '']);
  assert.equal(literalAlternatives('(a)|(b)'), null);
  assert.equal(literalAlternatives('(?i:a|b)'), null);
  assert.equal(hasTopLevelAlternation('a|b'), true);
  assert.equal(hasTopLevelAlternation('(a|b)c'), false);
  assert.equal(hasTopLevelAlternation('[|]c'), false);
  assert.equal(hasTopLevelAlternation('\\Qa|b\\Ec'), false);
  assert.equal(hasTopLevelAlternation('\\|c'), false);
  assert.equal(hasTopLevelAlternation('[[:alpha:]|]c'), false);
  assert.equal(hasTopLevelAlternation('[]|]c|d'), true);
  const m = compileMatcher({ type: '!~', name: 'x', value: 'a|b' });
  assert.equal(m('a'), false);
  assert.equal(m('c'), true);
});

test('compiled matchers are cached', () => {
  assert.equal(compileLabelRegex('cache_(me|you)+'), compileLabelRegex('cache_(me|you)+'));
});

test('fleet manager: escaped namespaces match exactly themselves, and every catalog query parses', () => {
  for (const ns of ['kafka-a1', 'a.b', 'a|b', 'x(y)', 'a\\b', 'x{2}', '[ns]', 'a+b?', '^$', "it's"]) {
    const re = compileLabelRegex(regexLiteral(ns));
    assert.equal(re(ns), true, ns);
    for (const other of ['kafka-a1x', 'axb', 'a', 'b', 'xy', 'xx', 'n', 'ab', '']) if (other !== ns) assert.equal(re(other), false, `${ns} vs ${other}`);
    for (const q of buildQueries(ns)) assert.doesNotThrow(() => parseExpr(q.query), q.query);
  }
});
