// Parse errors and type errors: Prometheus's messages and positions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PromQLParseError } from '../../src/promql/errors.js';
import { parseExpr } from '../../src/promql/parser.js';

function parseError(q: string): PromQLParseError {
  try {
    parseExpr(q);
  } catch (err) {
    assert.ok(err instanceof PromQLParseError, `expected PromQLParseError for ${q}, got ${String(err)}`);
    assert.equal(err.errorType, 'bad_data');
    return err;
  }
  assert.fail(`expected ${JSON.stringify(q)} to fail`);
}

const errorCases: [query: string, message: string][] = [
  ['sum(x', '1:6: parse error: unclosed left parenthesis'],
  ['(foo', '1:5: parse error: unclosed left parenthesis'],
  ['foo)', "1:4: parse error: unexpected right parenthesis ')'"],
  ['foo{a="b"', '1:10: parse error: unexpected end of input inside braces'],
  ['foo}', "1:4: parse error: unexpected right brace '}'"],
  ['foo[5m', '1:7: parse error: unclosed left bracket'],
  ['"abc', '1:1: parse error: unterminated quoted string'],
  ['a +', '1:4: parse error: unexpected end of input'],
  ['', '1:1: parse error: no expression found in input'],
  ['foo $ bar', "1:5: parse error: unexpected character: '$'"],
  ['{}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['{a=~".*"}', '1:1: parse error: vector selector must contain at least one non-empty matcher'],
  ['foo{__name__="bar"}', '1:5: parse error: metric name must not be set twice: "foo" or "bar"'],
  ['rate(foo)', '1:6: parse error: expected type range vector in call to function "rate", got instant vector'],
  ['abs(foo[5m])', '1:5: parse error: expected type instant vector in call to function "abs", got range vector'],
  ['abs()', '1:1: parse error: expected 1 argument(s) in call to "abs", got 0'],
  ['round(foo, 1, 2)', '1:1: parse error: expected at most 2 argument(s) in call to "round", got 3'],
  ['label_join(foo, "a")', '1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 2'],
  ['label_replace(foo, 1, "a", "b", "c")', '1:20: parse error: expected type string in call to function "label_replace", got scalar'],
  ['unknown_fn(x)', '1:1: parse error: unknown function with name "unknown_fn"'],
  ['sum(foo[5m])', '1:5: parse error: expected type instant vector in aggregation expression, got range vector'],
  ['topk(foo)', '1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1'],
  ['topk("a", foo)', '1:6: parse error: expected type scalar in aggregation parameter, got string'],
  ['count_values(1, foo)', '1:14: parse error: expected type string in aggregation parameter, got scalar'],
  ['1 == 1', '1:3: parse error: comparisons between scalars must use BOOL modifier'],
  ['foo + bool bar', '1:5: parse error: bool modifier can only be used on comparison operators'],
  ['foo and 1', '1:5: parse error: set operator "and" not allowed in binary scalar expression'],
  ['foo and on(a) group_left bar', '1:5: parse error: no grouping allowed for "and" operation'],
  ['foo + on(a) group_left(a) bar', '1:5: parse error: label "a" must not occur in ON and GROUP clause at once'],
  ['1 + on(a) foo', '1:1: parse error: vector matching only allowed between instant vectors'],
  ['foo[5m] + 1', '1:1: parse error: binary expression must contain only scalar and instant vector types'],
  ['-"a"', '1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string"'],
  ['sum(foo)[5m]', '1:1: parse error: ranges only allowed for vector selectors'],
  ['foo[5m][5m]', '1:1: parse error: ranges only allowed for vector selectors'],
  ['foo offset 5m[5m]', '1:1: parse error: no offset modifiers allowed before range'],
  ['foo offset 1m offset 2m', '1:1: parse error: offset may not be set multiple times'],
  ['foo @ 1 @ 2', '1:1: parse error: @ <timestamp> may not be set multiple times'],
  ['sum(foo) offset 1m', '1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery'],
  ['"a"[5m:]', '1:1: parse error: subquery is only allowed on instant vector, got string instead'],
  ['foo{a=~"(a)\\\\1"}', '1:8: parse error: error parsing regexp: invalid escape sequence: `\\1` in regexp `(a)\\1`'],
  ['x +\n  (y', '2:5: parse error: unclosed left parenthesis'],
];

for (const [q, msg] of errorCases) {
  test(`parse error: ${JSON.stringify(q)}`, () => {
    assert.equal(parseError(q).message, msg);
  });
}

test('parse errors carry a position range inside the query', () => {
  const err = parseError('sum(rate(foo[5m])) by (job) + bool 1 +');
  assert.ok(err.position.start >= 0 && err.position.start <= err.query.length);
  assert.equal(err.detail, 'unexpected end of input');
});

test('valid queries parse', () => {
  for (const q of [
    'foo', '{__name__="foo"}', '{"foo.bar"}', '{"foo.bar", "a.b"="c"}', 'foo{a="b",}', 'rate(foo[5m:1m] offset -1m @ start())',
    '2.', '1./6.', '- - - 1', '-2 ^ 2', 'foo @ end()', 'sum without () (foo)', 'topk(3, foo) by (a)', '0x1F', '1e3', 'Inf', '-inf', 'NaN',
    'foo # comment', 'foo offset 1h30m', 'foo[1.5]', 'count_values("v", foo)', 'label_replace(foo, "a", "$1", "b", "(.*)")',
    'vector(1) and on() vector(2)', 'foo > bool on(a) group_left(b) bar', 'sort_by_label(foo, "a", "b")', 'limitk(2, foo)',
  ]) {
    assert.doesNotThrow(() => parseExpr(q), q);
  }
});

test('operator precedence follows Prometheus', () => {
  const shape = (q: string): unknown => {
    const s = (e: ReturnType<typeof parseExpr>): unknown => {
      switch (e.type) {
        case 'BinaryExpr':
          return [s(e.lhs), e.op, s(e.rhs)];
        case 'UnaryExpr':
          return [e.op, s(e.expr)];
        case 'NumberLiteral':
          return e.value;
        case 'VectorSelector':
          return e.name + (e.offset ? `@off${e.offset}` : '');
        case 'MatrixSelector':
          return `${e.selector.name}[${e.range}]`;
        case 'ParenExpr':
          return ['(', s(e.expr)];
        default:
          return e.type;
      }
    };
    return s(parseExpr(q));
  };
  assert.deepEqual(shape('-2 ^ 2'), ['-', [2, '^', 2]]);
  assert.deepEqual(shape('2 ^ 3 ^ 2'), [2, '^', [3, '^', 2]]);
  assert.deepEqual(shape('a - b - c'), [['a', '-', 'b'], '-', 'c']);
  assert.deepEqual(shape('a + b * c'), ['a', '+', ['b', '*', 'c']]);
  assert.deepEqual(shape('a + b offset 5m'), ['a', '+', 'b@off300000']);
  assert.deepEqual(shape('a + b offset 1m * 0'), ['a', '+', ['b@off60000', '*', 0]]);
  assert.deepEqual(shape('a or b and c unless d'), ['a', 'or', [['b', 'and', 'c'], 'unless', 'd']]);
  assert.deepEqual(shape('a == b + 1'), ['a', '==', ['b', '+', 1]]);
  assert.deepEqual(shape('-a * b'), [['-', 'a'], '*', 'b']);
  assert.deepEqual(shape('1 - -1'), [1, '-', -1]);
});
