// formatExpr round trips (parse(format(parse(q))) equals parse(q)) and selector rewriting.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { visitSelectors, type Expr } from '../../src/promql/ast.js';
import { formatExpr } from '../../src/promql/format.js';
import { parseExpr } from '../../src/promql/parser.js';
import { REPO_ROOT } from '../../tools/testing/procs.js';

/** The AST without source positions (which legitimately change when reprinted). */
function strip(e: Expr): unknown {
  return JSON.parse(JSON.stringify(e, (k, v: unknown) => (k === 'pos' ? undefined : typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));
}

const handWritten = [
  'foo', 'foo{a="b"}', '{__name__="foo", a!="b"}', '{"foo.bar", "a.b"="c\\nd"}', 'foo{a=~"x|y", b!~".*z"}', 'foo offset 5m', 'foo offset -1h30m',
  'foo @ 1609746000', 'foo @ start()', 'foo[5m] @ end() offset 1m', 'rate(foo[5m])', 'rate(foo[5m:])', 'max_over_time(rate(foo[1m])[1h:5m] offset 1d)',
  'sum by (a, b) (foo)', 'sum without () (foo)', 'sum(foo) without (a)', 'topk by (a) (3, foo)', 'quantile(0.9, foo)', 'count_values("v", foo)',
  'foo + bar', 'foo + on(a) group_left(b) bar', 'foo / ignoring(a) group_right bar', 'foo > bool 1', 'foo and on() bar', 'foo or bar unless baz',
  '-foo', '+foo', '-2 ^ 2', '(-2) ^ 2', '2 ^ -2', '1 - -1', '- - - 1', '(foo + bar) * baz', 'foo atan2 bar', 'Inf', '-Inf', 'NaN', '0x1F', '1e-7',
  'label_replace(foo, "dst", "$1", "src", "(.*)")', 'label_join(foo, "dst", ",", "a", "b")', 'histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))',
  'absent(foo{job="x"})', 'time()', 'vector(1)', 'scalar(foo)', 'sort_by_label(foo, "a")', 'limitk(2, foo)', 'limit_ratio(0.5, foo)',
  '"string"', "'single'", '`raw\\string`', 'foo{a="\\u00e9\\x41"}', 'foo[1.5]', 'sum(rate(foo[5m])) by (job) > 0.5 * on(job) group_left() bar',
];

function suiteQueries(): string[] {
  const dir = join(REPO_ROOT, 'test', 'fixtures', 'promql-testdata');
  assert.ok(existsSync(dir), `Prometheus's test data is missing at ${dir}`);
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.test'))) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const m = /^eval(?:_\w+)?\s+(?:instant\s+(?:at\s+\S+\s+)?|range\s+from\s+\S+\s+to\s+\S+\s+step\s+\S+\s+)(.+)$/.exec(line.trim());
      if (m) out.push(m[1]!);
    }
  }
  return out;
}

test('formatExpr round-trips hand-written and conformance-suite queries', () => {
  let checked = 0;
  for (const q of [...handWritten, ...suiteQueries()]) {
    let ast: Expr;
    try {
      ast = parseExpr(q);
    } catch {
      continue; // queries that are meant to fail to parse
    }
    const printed = formatExpr(ast);
    let again: Expr;
    try {
      again = parseExpr(printed);
    } catch (err) {
      assert.fail(`${q} printed as ${printed}, which does not parse: ${(err as Error).message}`);
    }
    assert.deepEqual(strip(again), strip(ast), `${q} printed as ${printed}`);
    assert.equal(formatExpr(again), printed, `printing is not stable for ${q}`);
    checked++;
  }
  assert.ok(checked >= 300, `only ${checked} queries checked`);
});

test('visitSelectors injects a tenant matcher into every selector, including subqueries and range selectors', () => {
  const ast = parseExpr('sum(rate(foo[5m])) / on() group_left max_over_time(bar{a="b"}[1h:1m]) or absent(baz offset 1m)');
  visitSelectors(ast, (matchers) => [...matchers.filter((m) => m.name !== 'tenant_id'), { type: '=', name: 'tenant_id', value: 'x' }]);
  assert.equal(
    formatExpr(ast),
    'sum(rate(foo{tenant_id="x"}[5m])) / on() group_left max_over_time(bar{a="b", tenant_id="x"}[1h:1m]) or absent(baz{tenant_id="x"} offset 1m)',
  );
  const seen: string[] = [];
  visitSelectors(parseExpr(formatExpr(ast)), (m) => void seen.push(m.map((x) => `${x.name}${x.type}${x.value}`).join(',')));
  assert.deepEqual(seen, ['__name__=foo,tenant_id=x', '__name__=bar,a=b,tenant_id=x', '__name__=baz,tenant_id=x']);
});
