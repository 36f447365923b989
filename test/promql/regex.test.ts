// RE2 → JS regex translation and matcher fast paths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileMatcher } from '../../src/promql/matcher.js';
import { compileRegexPredicate, regexSetValues } from '../../src/promql/regex.js';

const cases: [pattern: string, matches: string[], nonMatches: string[]][] = [
  ['foo', ['foo'], ['foox', 'xfoo', '']],
  ['a|b|c', ['a', 'b', 'c'], ['ab', '', 'd']],
  ['pro.*', ['pro', 'production'], ['xpro']],
  ['.*ion', ['production'], ['productions']],
  ['.*duc.*', ['production'], ['prod']],
  ['.*', ['', 'x', 'a\nb'], []],
  ['.+', ['x', '\n'], ['']],
  ['(?i:PRO).*', ['production', 'PROD', 'PrOd'], ['xpro']],
  ['.*?(?i:PRO).*', ['production', 'xPRO'], ['pr']],
  ['((?i)PRO).*', ['production'], ['xprod']],
  ['(?i)abc', ['ABC', 'aBc'], ['abd']],
  ['[[:digit:]]+', ['123'], ['12a']],
  ['\\d+\\.\\d*', ['1.5', '2.'], ['.5']],
  ['[^a-c]x', ['dx'], ['ax']],
  ['\\Qa.b\\E', ['a.b'], ['axb']],
  ['a{2,3}', ['aa', 'aaa'], ['a', 'aaaa']],
  ['x{', ['x{'], ['x']],
  ['\\x41\\101', ['AA'], ['A']],
  ['(?P<name>a)b', ['ab'], ['a']],
  ['request_duration_seconds\\d*_bucket', ['request_duration_seconds_bucket', 'request_duration_seconds2_bucket'], ['request_duration_seconds']],
  ['a-b', ['a-b'], ['ab']],
  ['[a\\-z]', ['-', 'a'], ['b']],
];

for (const [p, yes, no] of cases) {
  test(`regex ${p}`, () => {
    const re = compileRegexPredicate(p);
    for (const s of yes) assert.equal(re(s), true, `${p} should match ${JSON.stringify(s)}`);
    for (const s of no) assert.equal(re(s), false, `${p} should not match ${JSON.stringify(s)}`);
  });
}

test('invalid regexes are errors', () => {
  for (const p of ['(.*', 'a)', '[a', '*a', 'a{1001}', '\\_']) assert.throws(() => compileRegexPredicate(p), p);
});

test('plain alternations become set lookups', () => {
  assert.deepEqual(regexSetValues('a|b|c'), ['a', 'b', 'c']);
  assert.deepEqual(regexSetValues('foo'), ['foo']);
  assert.equal(regexSetValues('a.*|b'), null);
  const m = compileMatcher({ type: '!~', name: 'x', value: 'a|b' });
  assert.equal(m('a'), false);
  assert.equal(m('c'), true);
});
