import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabelMatcher, Labels } from '../../src/storage/interface.js';
import { Head } from '../../src/store/head.js';
import { seriesKey, sortLabels } from '../../src/store/labels.js';
import { compileMatcher } from '../../src/store/index/matchers.js';
import { literalAlternatives as literalAlternation } from '../../src/promql/regex.js';
import { filterByLists, intersect, merge, seek, without } from '../../src/store/index/postings.js';
import { MemIndex } from '../../src/store/index/index.js';
import { rng } from './util.js';

function lbls(o: Record<string, string>): Labels {
  return sortLabels(Object.entries(o).map(([name, value]) => ({ name, value })));
}

const SERIES: Array<Record<string, string>> = [
  { __name__: 'up', job: 'api', instance: 'a' },
  { __name__: 'up', job: 'api', instance: 'b' },
  { __name__: 'up', job: 'db' }, // no instance label
  { __name__: 'http_requests_total', job: 'api', instance: 'a', code: '200' },
  { __name__: 'http_requests_total', job: 'api', instance: 'a', code: '500' },
  { __name__: 'kafka_topic_bytes', topic: 'orders', namespace: 'kafka-1' },
  { __name__: 'kafka_topic_bytes', topic: '', namespace: 'kafka-2' }, // empty value = no label
];

function headWith(series: Array<Record<string, string>>): Head {
  const h = new Head({ outOfBoundsWindowMs: 3600_000 });
  for (const o of series) {
    const ls = lbls(Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '')));
    const s = h.createSeries(ls, seriesKey(ls));
    h.appendNumber(s, 1000, 1, -Infinity, Infinity);
  }
  return h;
}

/** Reference: test every series against every matcher (value "" when the label is absent). */
function brute(series: Array<Record<string, string>>, ms: LabelMatcher[]): number[] {
  const out: number[] = [];
  series.forEach((o, i) => {
    if (ms.every((m) => compileMatcher(m).matches(o[m.name] ?? ''))) out.push(i + 1);
  });
  return out;
}

function refs(h: Head, ms: LabelMatcher[]): number[] {
  return h.matching(ms).map((s) => s.ref);
}

const m = (name: string, type: LabelMatcher['type'], value: string): LabelMatcher => ({ name, type, value });

test('postings set operations', () => {
  assert.deepEqual(intersect([1, 3, 5, 7], [2, 3, 4, 7, 9]), [3, 7]);
  assert.deepEqual(without([1, 3, 5, 7], [3, 4, 7]), [1, 5]);
  assert.deepEqual(merge([[1, 4], [2, 4, 9], [], [3]]), [1, 2, 3, 4, 9]);
  assert.deepEqual(merge([]), []);
});

test('matchers: all four types, and empty-value semantics', () => {
  const h = headWith(SERIES);
  const cases: Array<[LabelMatcher[], number[]]> = [
    [[m('__name__', '=', 'up')], [1, 2, 3]],
    [[m('__name__', '=', 'up'), m('instance', '=', '')], [3]], // foo="" matches series without foo
    [[m('__name__', '=', 'up'), m('instance', '!=', '')], [1, 2]],
    [[m('__name__', '=', 'up'), m('instance', '!=', 'a')], [2, 3]], // != keeps series without the label
    [[m('job', '=~', 'api|db')], [1, 2, 3, 4, 5]],
    [[m('job', '=~', 'a.*')], [1, 2, 4, 5]], // anchored: not "db"
    [[m('job', '=~', 'p')], []], // anchored: "api" contains p but does not match
    [[m('job', '!~', 'api')], [3, 6, 7]],
    [[m('topic', '=~', '')], [1, 2, 3, 4, 5, 7]],
    [[m('topic', '=~', 'orders|')], [1, 2, 3, 4, 5, 6, 7]],
    [[m('topic', '!~', '.+')], [1, 2, 3, 4, 5, 7]],
    [[m('__name__', '=~', 'kafka_.*'), m('topic', '=', '')], [7]],
    [[m('code', '=~', '5..'), m('job', '=', 'api')], [5]],
    [[m('nosuch', '=', 'x')], []],
    [[m('nosuch', '!=', 'x')], [1, 2, 3, 4, 5, 6, 7]],
    [[m('nosuch', '=~', '.*')], [1, 2, 3, 4, 5, 6, 7]],
    [[m('nosuch', '=~', '.+')], []],
    [[], [1, 2, 3, 4, 5, 6, 7]],
  ];
  for (const [ms, want] of cases) {
    assert.deepEqual(refs(h, ms), want, JSON.stringify(ms));
    assert.deepEqual(brute(SERIES, ms), want, `reference disagrees: ${JSON.stringify(ms)}`);
  }
});

test('alternation fast path: literal alternations become set lookups', () => {
  assert.deepEqual(literalAlternation('a|b|c'), ['a', 'b', 'c']);
  assert.deepEqual(literalAlternation('kafka_server_x|kafka_broker:y'), ['kafka_server_x', 'kafka_broker:y']);
  assert.equal(literalAlternation('a.b|c'), null);
  assert.equal(literalAlternation('a+'), null);
  const c = compileMatcher(m('__name__', '=~', 'up|http_requests_total'));
  assert.deepEqual(c.literals, ['up', 'http_requests_total']);
  assert.equal(c.matchesEmpty, false);
  // The fast path must not test values at all: a matcher that throws on `matches` still works.
  const h = headWith(SERIES);
  const fast = { ...c, matches: () => { throw new Error('scanned values'); } };
  assert.deepEqual([...h.index.postingsFor([fast])], [1, 2, 3, 4, 5]);
});

test('matchers: random selectors agree with brute force over random series', () => {
  const r = rng(42);
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const names = ['job', 'instance', 'zone', 'code'];
  const values = ['a', 'b', 'c', 'ab', 'abc', ''];
  const series: Array<Record<string, string>> = [];
  for (let i = 0; i < 300; i++) {
    const o: Record<string, string> = { __name__: pick(['up', 'x', 'y']), id: String(i) };
    for (const n of names) {
      const v = pick(values);
      if (v !== '') o[n] = v;
    }
    series.push(o);
  }
  const h = headWith(series);
  const types: LabelMatcher['type'][] = ['=', '!=', '=~', '!~'];
  const regexes = ['a|b', 'a.*', '.*', '.+', '', 'a|', 'b?c', '(a|ab)c?'];
  for (let i = 0; i < 500; i++) {
    const ms: LabelMatcher[] = [];
    const k = 1 + Math.floor(r() * 3);
    for (let j = 0; j < k; j++) {
      const type = pick(types);
      ms.push(m(pick([...names, '__name__', 'missing']), type, type.includes('~') ? pick(regexes) : pick([...values, 'up'])));
    }
    assert.deepEqual(refs(h, ms), brute(series, ms), JSON.stringify(ms));
  }
});

test('index delete (retention) removes series from every postings list', () => {
  const h = headWith(SERIES);
  h.index.delete(new Set([1, 4]), (ref) => h.series.get(ref)!.labels);
  assert.deepEqual([...h.index.postingsFor([compileMatcher(m('job', '=', 'api'))])], [2, 5]);
  assert.deepEqual([...h.index.allPostings()], [2, 3, 5, 6, 7]);
  assert.ok(!h.index.labelValues('code').includes('200'));
});

test('seek finds the first element >= x from a cursor, galloping', () => {
  const r = rng(7);
  for (let round = 0; round < 200; round++) {
    const list = [...new Set(Array.from({ length: Math.floor(r() * 60) }, () => Math.floor(r() * 200)))].sort((a, b) => a - b);
    for (let k = 0; k < 20; k++) {
      const from = Math.floor(r() * (list.length + 1));
      const x = Math.floor(r() * 210) - 5;
      let want = from;
      while (want < list.length && list[want]! < x) want++;
      assert.equal(seek(list, x, from), want, JSON.stringify({ list, x, from }));
    }
  }
});

test('filterByLists keeps or drops the candidates in any list, by seeking or by merging', () => {
  const r = rng(11);
  const sorted = (n: number, max: number) => [...new Set(Array.from({ length: n }, () => Math.floor(r() * max)))].sort((a, b) => a - b);
  for (let round = 0; round < 300; round++) {
    // Few candidates against long lists take the seeking branch; many against short ones the merge.
    const cand = sorted(round % 2 === 0 ? 5 : 400, 1000);
    const lists = Array.from({ length: 1 + Math.floor(r() * 4) }, () => sorted(round % 2 === 0 ? 300 : 10, 1000));
    const union = new Set(lists.flat());
    assert.deepEqual([...filterByLists(cand, lists, true)], cand.filter((x) => union.has(x)));
    assert.deepEqual([...filterByLists(cand, lists, false)], cand.filter((x) => !union.has(x)));
  }
  assert.deepEqual([...filterByLists([1, 2], [], true)], []);
  assert.deepEqual([...filterByLists([1, 2], [], false)], [1, 2]);
});

test('few candidates are checked on their own label values, with the same answers as scanning every value', () => {
  const r = rng(5);
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const index = new MemIndex();
  const labels = new Map<number, Labels>();
  const series: Array<Record<string, string>> = [];
  for (let ref = 1; ref <= 2000; ref++) {
    // 100 namespaces: one namespace is 1/100 of the series, so its candidates take the per-series path.
    const o: Record<string, string> = { __name__: pick(['a', 'b', 'c']), namespace: `ns-${ref % 100}` };
    for (const [n, vs] of [['topic', ['x', 'y', '__z', '']], ['kind', ['Kafka', '']], ['pvc', ['data-0', 'data-1', 'other', '']]] as const) {
      const v = pick(vs);
      if (v !== '') o[n] = v;
    }
    series.push(o);
    const ls = lbls(o);
    labels.set(ref, ls);
    index.add(ref, ls);
  }
  const types: LabelMatcher['type'][] = ['=', '!=', '=~', '!~'];
  for (let i = 0; i < 400; i++) {
    const ms: LabelMatcher[] = [m('namespace', pick(['=', '=~']), `ns-${Math.floor(r() * 100)}`)];
    for (let j = Math.floor(r() * 3); j >= 0; j--) {
      const type = pick(types);
      ms.push(m(pick(['topic', 'kind', 'pvc', '__name__', 'missing']), type, type.includes('~') ? pick(['__.*', 'x|y', 'data-.*', '.*', '.+', 'a|c', 'Kafka', '']) : pick(['x', 'Kafka', 'a', ''])));
    }
    const want = brute(series, ms);
    const compiled = ms.map(compileMatcher);
    assert.deepEqual([...index.postingsFor(compiled, (ref) => labels.get(ref))], want, `per series: ${JSON.stringify(ms)}`);
    assert.deepEqual([...index.postingsFor(compiled)], want, `per value: ${JSON.stringify(ms)}`);
  }
  // On the per-series path a regex runs once per distinct value among the candidates, not once per value
  // of the label across the index.
  let runs = 0;
  const pvc = compileMatcher(m('pvc', '=~', 'data-.*'));
  const counting = { ...pvc, matches: (v: string) => (runs++, pvc.matches(v)) };
  const got = index.postingsFor([compileMatcher(m('namespace', '=', 'ns-3')), counting], (ref) => labels.get(ref));
  assert.deepEqual([...got], brute(series, [m('namespace', '=', 'ns-3'), m('pvc', '=~', 'data-.*')]));
  assert.ok(runs <= 4, `regex ran ${runs} times`);
});

test('compiled matchers: a frozen matcher (from the parse cache) compiles once; an unfrozen one is never cached', () => {
  const frozen: LabelMatcher = Object.freeze({ type: '=~', name: 'job', value: 'api|db' });
  assert.equal(compileMatcher(frozen), compileMatcher(frozen));
  assert.equal(compileMatcher(frozen).matches('db'), true);
  const open = { type: '=~' as const, name: 'job', value: 'api' };
  assert.equal(compileMatcher(open).matches('db'), false);
  (open as { value: string }).value = 'db';
  assert.equal(compileMatcher(open).matches('db'), true, 'a changed matcher is compiled again');
});
