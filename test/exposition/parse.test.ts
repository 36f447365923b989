// The text exposition parser against real producers: prom-client's output (every metric type, escapes,
// NaN/±Inf) matched value for value with prom-client's own JSON view, and Debian's Prometheus's /metrics;
// plus the grammar's edge cases and errors, and a little fuzzing (no crash, no stall, only ExpositionError).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';
import { ExpositionError, forEachSampleSliced, parseExposition, parseGoFloat, type ExposedSample } from '../../src/exposition/parse.js';
import { startPrometheus } from '../../tools/testing/procs.js';

function promClientRegistry(): Registry {
  const registry = new Registry();
  const c = new Counter({ name: 'test_requests_total', help: 'Requests with "quotes" and \\ backslashes\nand a newline.', labelNames: ['path', 'code'], registers: [registry] });
  c.inc({ path: '/a"b', code: '200' }, 3);
  c.inc({ path: 'back\\slash', code: '500' });
  c.inc({ path: 'new\nline', code: '' }, 0.5);
  const g = new Gauge({ name: 'test_gauge', help: 'g', labelNames: ['kind'], registers: [registry] });
  g.set({ kind: 'nan' }, NaN);
  g.set({ kind: 'inf' }, Infinity);
  g.set({ kind: 'ninf' }, -Infinity);
  g.set({ kind: 'tiny' }, 1.5e-300);
  g.set({ kind: 'neg' }, -42.25);
  const h = new Histogram({ name: 'test_latency_seconds', help: 'h', labelNames: ['op'], buckets: [0.1, 1, 10], registers: [registry] });
  for (const v of [0.05, 0.5, 5, 50]) h.observe({ op: 'read' }, v);
  const s = new Summary({ name: 'test_size_bytes', help: 's', percentiles: [0.5, 0.99], registers: [registry] });
  for (let i = 1; i <= 100; i++) s.observe(i);
  return registry;
}

const labelKey = (labels: Record<string, string | number>) =>
  Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`).sort().join(',');

test("prom-client's text output parses to exactly the samples of prom-client's JSON view", async () => {
  const registry = promClientRegistry();
  const text = await registry.metrics();
  const json = await registry.getMetricsAsJSON();
  const got = new Map<string, number>();
  for (const s of parseExposition(text)) {
    const key = `${s.name}{${labelKey(Object.fromEntries(s.labels.map((l) => [l.name, l.value])))}}`;
    assert.equal(got.has(key), false, `sample ${key} twice`);
    got.set(key, s.value);
    assert.equal(s.timestamp, undefined);
  }
  let expected = 0;
  for (const m of json) {
    for (const v of m.values) {
      const name = (v as { metricName?: string }).metricName ?? m.name;
      const key = `${name}{${labelKey(v.labels as Record<string, string | number>)}}`;
      assert.ok(got.has(key), `missing ${key}`);
      assert.ok(Object.is(got.get(key), v.value) || (Number.isNaN(v.value) && Number.isNaN(got.get(key))), `${key}: ${got.get(key)} != ${v.value}`);
      expected++;
    }
  }
  assert.equal(got.size, expected);
  assert.equal(got.get('test_requests_total{code=200,path=/a"b}'), 3);
  assert.equal(got.get('test_requests_total{code=500,path=back\\slash}'), 1);
  assert.equal(got.get('test_requests_total{code=,path=new\nline}'), 0.5);
  assert.equal(got.get('test_latency_seconds_bucket{le=+Inf,op=read}'), 4);
});

test("prom-client's default metrics (process, heap, GC histograms) parse to the series of its JSON view", async () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Values move between calls and a GC of a new kind adds a series: the text must hold every series of the
  // JSON view taken before it and none beyond the one taken after it.
  const before = await registry.getMetricsAsJSON();
  const text = await registry.metrics();
  const after = await registry.getMetricsAsJSON();
  const keysOf = (json: typeof before) => new Set(json.flatMap((m) => m.values.map((v) => `${(v as { metricName?: string }).metricName ?? m.name}{${labelKey(v.labels as Record<string, string | number>)}}`)));
  const parsed = new Set(parseExposition(text).map((s) => `${s.name}{${labelKey(Object.fromEntries(s.labels.map((l) => [l.name, l.value])))}}`));
  for (const k of keysOf(before)) assert.ok(parsed.has(k), `missing ${k}`);
  const all = keysOf(after);
  for (const k of parsed) assert.ok(all.has(k), `unexpected ${k}`);
  assert.ok(parsed.size > 20);
});

test("Debian's Prometheus's own /metrics parses, every sample line accounted for", async () => {
  const prom = await startPrometheus();
  try {
    const text = await (await fetch(`${prom.url}/metrics`, { headers: { accept: 'text/plain;version=0.0.4' } })).text();
    const samples = parseExposition(text);
    const sampleLines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    assert.equal(samples.length, sampleLines.length);
    assert.ok(samples.length > 100, `only ${samples.length} samples`);
    const build = samples.find((s) => s.name === 'prometheus_build_info');
    assert.ok(build !== undefined);
    assert.ok(build.labels.some((l) => l.name === 'version' && l.value.startsWith('2.')), JSON.stringify(build.labels));
    assert.ok(samples.some((s) => s.name.endsWith('_bucket') && s.labels.some((l) => l.name === 'le' && l.value === '+Inf')));
  } finally {
    await prom.stop();
  }
});

test('grammar: comments, blanks, escapes, trailing comma, timestamps, Go floats', () => {
  const text = [
    '# HELP x_total A help text with # and "quotes" and \\\\',
    '# TYPE x_total counter',
    '# any other comment, ignored',
    '#',
    '',
    '  x_total{a="1",b="q\\"uote",c="b\\\\s",d="n\\nl",e="keep\\t",} 1.5e3 1700000000000',
    'x_total 2',
    'y:colon_metric{} -Inf',
    'z\t+Inf\t-5',
    'n NaN',
    'd .5',
    'e 5.',
    'f 1E-2',
    'g infinity',
  ].join('\n');
  const s = parseExposition(text);
  const pick = (i: number): ExposedSample => s[i]!;
  assert.equal(s.length, 9);
  assert.deepEqual(pick(0), {
    name: 'x_total',
    labels: [{ name: 'a', value: '1' }, { name: 'b', value: 'q"uote' }, { name: 'c', value: 'b\\s' }, { name: 'd', value: 'n\nl' }, { name: 'e', value: 'keep\\t' }],
    value: 1500,
    timestamp: 1700000000000,
  });
  assert.deepEqual(pick(1), { name: 'x_total', labels: [], value: 2 });
  assert.equal(pick(2).value, -Infinity);
  assert.deepEqual(pick(3), { name: 'z', labels: [], value: Infinity, timestamp: -5 });
  assert.ok(Number.isNaN(pick(4).value));
  assert.deepEqual([pick(5).value, pick(6).value, pick(7).value, pick(8).value], [0.5, 5, 0.01, Infinity]);
});

test('malformed lines fail with the line number and what was expected', () => {
  const cases: [string, RegExp][] = [
    ['ok 1\nbad{a="1" 2', /line 2: expected "," or "}"/],
    ['m{a=1} 1', /line 1: expected '"'/],
    ['m{a="x} 1', /unterminated label value/],
    ['m{1a="x"} 1', /expected a label name/],
    ['m 1 2 3', /expected end of line after the timestamp/],
    ['m one', /invalid value "one"/],
    ['m 0x10', /invalid value/],
    ['m 1e999', /invalid value/],
    ['m 1 1.5', /invalid timestamp/],
    ['m 1 99999999999999999999', /invalid timestamp/],
    ['m', /expected a blank before the value/],
    ['m {a="b"} 1', /invalid value/],
    ['1m 1', /expected a metric name/],
    ['{a="b"} 1', /expected a metric name/],
    ['# TYPE m gaugez', /invalid metric type "gaugez"/],
    ['# TYPE 9m gauge', /expected a metric name/],
    ['# HELP', /expected a metric name after # HELP/],
    ['m 1\r\n', /invalid value/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseExposition(text), (err: unknown) => err instanceof ExpositionError && re.test(err.message), `${JSON.stringify(text)} should fail with ${re}`);
  }
});

test('parseGoFloat follows strconv.ParseFloat on the forms exporters write', () => {
  assert.equal(parseGoFloat('+1'), 1);
  assert.equal(parseGoFloat('-0'), -0);
  assert.equal(parseGoFloat('Inf'), Infinity);
  assert.equal(parseGoFloat('-inf'), -Infinity);
  assert.ok(Number.isNaN(parseGoFloat('nan')!));
  for (const bad of ['', '+', '.', 'e5', '1e', '1_000', '--1', '+nan', 'infinit', ' 1']) assert.equal(parseGoFloat(bad), undefined, bad);
});

const hostileBody = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 400 }),
  // Near-valid lines: the parser's states visited with random insertions.
  fc.array(fc.tuple(fc.constantFrom('m', 'm{', 'm{a', 'm{a=', 'm{a="', 'm{a="v"', 'm{a="v"}', '# TYPE m ', '# HELP m ', 'm 1 ', 'm{a="\\'), fc.string({ maxLength: 12 })).map(([a, b]) => a + b), { maxLength: 30 }).map((ls) => ls.join('\n')),
);

test('fuzz: any body either parses or fails with ExpositionError (never another exception)', () => {
  fc.assert(
    fc.property(hostileBody, (body) => {
      try {
        for (const s of parseExposition(body)) {
          assert.equal(typeof s.name, 'string');
          assert.equal(typeof s.value, 'number');
        }
      } catch (err) {
        if (!(err instanceof ExpositionError)) throw err;
      }
    }),
    { numRuns: 3000, seed: 20261203 },
  );
});

test('a large body of pathological lines is parsed in slices, giving the event loop back', async () => {
  // 200k lines of one long label value each: the shape that makes a backtracking parser quadratic.
  const line = `m{a="${'\\"'.repeat(20)}${'x'.repeat(30)}"} 1\n`;
  const body = line.repeat(200_000);
  let pauses = 0;
  let n = 0;
  let timerRan = false;
  const t = setTimeout(() => (timerRan = true), 0);
  await forEachSampleSliced(body, () => n++, { due: () => true, pause: async () => { pauses++; await new Promise((r) => setImmediate(r)); } });
  clearTimeout(t);
  assert.equal(n, 200_000);
  assert.ok(pauses > 100, `${pauses} pauses`);
  assert.ok(timerRan, 'a timer got to run while the body was parsed');
});
