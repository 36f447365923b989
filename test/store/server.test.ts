// The store's HTTP face: Prometheus API v1 and remote write, fed bad input on purpose; the process keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../../src/store/index.js';
import { startStoreServer, type RunningStoreServer } from '../../src/store/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, startProcess, startPrometheus } from '../../tools/testing/procs.js';

let dir: { path: string; cleanup: () => Promise<void> };
let server: RunningStoreServer;
const NOW = Date.now();

before(async () => {
  dir = await tempDir();
  server = await startStoreServer({
    store: { dir: dir.path, fsync: 'off' },
    listen: '127.0.0.1:0',
    engine: { timeoutMs: 2000 },
    ingestLimits: { maxCompressedBytes: 64 * 1024, maxDecompressedBytes: 256 * 1024 },
    logger: createLogger({ component: 'store', level: 'silent' }),
  });
  const series = Array.from({ length: 50 }, (_, i) => ({
    labels: [{ name: '__name__', value: 'x' }, { name: 'i', value: String(i) }, { name: 'job', value: i % 2 ? 'odd' : 'even' }],
    timestamps: [NOW - 60_000, NOW - 30_000, NOW],
    values: [i, i + 1, i + 2],
  }));
  const res = await fetch(`${server.url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: new Uint8Array(encodeWriteRequest(series)) });
  assert.equal(res.status, 204);
});

after(async () => {
  await server.close();
  await dir.cleanup();
});

async function call(path: string, params: Record<string, string>, method: 'GET' | 'POST' = 'GET') {
  const qs = new URLSearchParams(params);
  const res = method === 'GET'
    ? await fetch(`${server.url}${path}?${qs}`)
    : await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: qs });
  return { status: res.status, body: (await res.json()) as { status: string; errorType?: string; error?: string; data?: any; warnings?: string[] } };
}

test('good queries work by GET and form POST', async () => {
  const a = await call('/api/v1/query', { query: 'sum by (job) (x)', time: String(NOW / 1000) });
  assert.equal(a.status, 200);
  assert.equal(a.body.data.resultType, 'vector');
  assert.equal(a.body.data.result.length, 2);
  const b = await call('/api/v1/query_range', { query: 'count(x)', start: String((NOW - 60_000) / 1000), end: String(NOW / 1000), step: '30s' }, 'POST');
  assert.equal(b.status, 200);
  assert.deepEqual(b.body.data.result[0].values.map((v: [number, string]) => v[1]), ['50', '50', '50']);
  const s = await call('/api/v1/series', { 'match[]': 'x{job="odd"}', limit: '3' });
  assert.equal(s.body.data.length, 3);
  assert.deepEqual(s.body.warnings, ['results truncated due to limit']);
  assert.deepEqual((await call('/api/v1/labels', {})).body.data, ['__name__', 'i', 'job']);
  assert.deepEqual((await call('/api/v1/label/job/values', {})).body.data, ['even', 'odd']);
  const t = await call('/api/v1/query', { query: 'x', time: new Date(NOW).toISOString() });
  assert.equal(t.body.data.result.length, 50);
});

test('bad queries and parameters get Prometheus error bodies with the right status', async () => {
  const cases: [string, Record<string, string>, number, string, RegExp][] = [
    ['/api/v1/query', { query: 'sum(' }, 400, 'bad_data', /^invalid parameter "query": 1:5: parse error: /],
    ['/api/v1/query', { query: 'rate(x)' }, 400, 'bad_data', /expected type range vector in call to function "rate", got instant vector/],
    ['/api/v1/query', { query: '' }, 400, 'bad_data', /no expression found in input/],
    ['/api/v1/query', { query: 'x', time: 'yesterday' }, 400, 'bad_data', /invalid parameter "time": cannot parse "yesterday" to a valid timestamp/],
    ['/api/v1/query', { query: 'x + on(job) x' }, 422, 'execution', /many-to-many matching not allowed/],
    ['/api/v1/query_range', { query: 'x', start: '100', end: '50', step: '1' }, 400, 'bad_data', /end timestamp must not be before start time/],
    ['/api/v1/query_range', { query: 'x', start: '0', end: '100', step: '0' }, 400, 'bad_data', /zero or negative query resolution step widths are not accepted/],
    ['/api/v1/query_range', { query: 'x', start: '0', end: '10000000000', step: '1' }, 400, 'bad_data', /exceeded maximum resolution of 11,000 points per timeseries/],
    ['/api/v1/query_range', { query: 'x', start: '0', end: '100', step: 'often' }, 400, 'bad_data', /invalid parameter "step"/],
    ['/api/v1/series', {}, 400, 'bad_data', /no match\[\] parameter provided/],
    ['/api/v1/series', { 'match[]': 'sum(x)' }, 400, 'bad_data', /invalid parameter "match\[\]"/],
    ['/api/v1/series', { 'match[]': '{job=~".*"}' }, 400, 'bad_data', /at least one non-empty matcher/],
    ['/api/v1/label/bad-name/values', {}, 400, 'bad_data', /invalid label name/],
  ];
  for (const [path, params, status, type, msg] of cases) {
    const r = await call(path, params);
    assert.equal(r.status, status, `${path} ${JSON.stringify(params)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.status, 'error');
    assert.equal(r.body.errorType, type);
    assert.match(r.body.error ?? '', msg);
  }
});

test('pathological input is refused or bounded, and the server keeps serving', async () => {
  const nested = `${'('.repeat(5000)}x${')'.repeat(5000)}`;
  const r1 = await call('/api/v1/query', { query: nested }, 'POST');
  assert.ok(r1.status === 400 || r1.status === 200, `nested parens: ${r1.status}`);
  // Nested repetition is valid RE2 (Prometheus accepts it) and matches in linear time; a backreference is not RE2.
  const r2 = await call('/api/v1/query', { query: 'x{i=~"(a+)+$"}' });
  assert.equal(r2.status, 200);
  assert.deepEqual(r2.body.data.result, []);
  const r2a = await call('/api/v1/query', { query: 'x{i=~"(a)\\\\1"}' });
  assert.equal(r2a.status, 400);
  assert.match(r2a.body.error ?? '', /error parsing regexp: invalid escape sequence/);
  const r2b = await call('/api/v1/query', { query: 'count(x{i=~".*.*.*.*.*9"})', time: String(NOW / 1000) });
  assert.equal(r2b.body.data.result[0].value[1], '5');
  const r3 = await call('/api/v1/query', { query: 'count_over_time(x[100y])', timeout: '1s' });
  assert.equal(r3.status, 200);
  const r4 = await call('/api/v1/query', { query: 'x', timeout: 'never' });
  assert.equal(r4.status, 400);
  const ok = await call('/api/v1/query', { query: 'count(x)', time: String(NOW / 1000) });
  assert.equal(ok.body.data.result[0].value[1], '50');
});

test('remote write: corrupt snappy 400, garbage protobuf 400, oversized 413; valid data still lands', async () => {
  const post = (body: Uint8Array<ArrayBuffer>, headers = REMOTE_WRITE_HEADERS) => fetch(`${server.url}/api/v1/write`, { method: 'POST', headers, body });
  // Declares 10 bytes, then a copy from an offset before the start of the output.
  const corrupt = await post(new Uint8Array([0x0a, 0x02, 0xff, 0xff]));
  assert.equal(corrupt.status, 400);
  assert.match(await corrupt.text(), /snappy/);
  const snappy = (await import('snappyjs')).default;
  const garbage = await post(new Uint8Array(snappy.compress(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1]))));
  assert.equal(garbage.status, 400);
  const big = await post(new Uint8Array(100 * 1024));
  assert.equal(big.status, 413);
  const bomb = await post(new Uint8Array(snappy.compress(new Uint8Array(1024 * 1024))));
  assert.equal(bomb.status, 413);
  const good = await post(new Uint8Array(encodeWriteRequest([{ labels: [{ name: '__name__', value: 'after_bad' }], timestamps: [NOW], values: [7] }])));
  assert.equal(good.status, 204);
  const q = await call('/api/v1/query', { query: 'after_bad', time: String(NOW / 1000) });
  assert.equal(q.body.data.result[0].value[1], '7');
});

test('obspath store keeps acknowledged writes across a SIGKILL and restart', async () => {
  const d = await tempDir();
  const port = await freePort();
  const args = ['store', '--storage.path', d.path, '--web.listen', `127.0.0.1:${port}`, '--log.level', 'warn'];
  const url = `http://127.0.0.1:${port}`;
  let proc = startObspath(args);
  await waitUntil(() => httpOk(`${url}/-/ready`), 15_000, `store ready\n${proc.output()}`);
  const body = encodeWriteRequest([{ labels: [{ name: '__name__', value: 'durable' }], timestamps: [NOW], values: [42] }]);
  assert.equal((await fetch(`${url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: new Uint8Array(body) })).status, 204);
  await proc.kill('SIGKILL');
  proc = startObspath(args);
  await waitUntil(() => httpOk(`${url}/-/ready`), 15_000, `store ready again\n${proc.output()}`);
  const res = (await (await fetch(`${url}/api/v1/query?query=durable&time=${NOW / 1000}`)).json()) as { data: { result: { value: [number, string] }[] } };
  assert.equal(res.data.result[0]?.value[1], '42');
  await proc.stop();
  await d.cleanup();
});

test('Grafana and promtool endpoints answer as Debian\'s Prometheus 2.42 does, and promtool reads both alike', async () => {
  const prom = await startPrometheus();
  try {
    const series = Array.from({ length: 4 }, (_, i) => ({
      labels: [{ name: '__name__', value: 'x' }, { name: 'i', value: String(i) }, { name: 'job', value: i % 2 ? 'odd' : 'even' }],
      timestamps: [NOW - 60_000, NOW - 30_000, NOW],
      values: [i, i + 1, i + 2],
    }));
    const w = await fetch(`${prom.url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: new Uint8Array(encodeWriteRequest(series)) });
    assert.equal(w.status, 204);
    const both = async (path: string) => {
      const [a, b] = await Promise.all([fetch(`${server.url}${path}`), fetch(`${prom.url}${path}`)]);
      return { ours: { status: a.status, body: (await a.json()) as Record<string, any> }, prom: { status: b.status, body: (await b.json()) as Record<string, any> } };
    };
    const noMatch = await both('/api/v1/series');
    assert.deepEqual([noMatch.ours.status, noMatch.ours.body.errorType, noMatch.ours.body.error], [noMatch.prom.status, noMatch.prom.body.errorType, noMatch.prom.body.error]);
    assert.equal(noMatch.ours.status, 400);
    // Longer than 100 characters: split as Prometheus's Pretty does. (Known differences with 2.42 are left out:
    // it sorts matchers and joins them with "," and prints "on (x)" / "group_left ()"; our formatter does not.)
    const long = 'sum by (job, instance) (rate(http_requests_total_of_a_rather_long_metric_name{job="api"}[5m])) / sum by (job, instance) (rate(http_requests_total[5m])) > 0.5';
    for (const q of ['up', 'sum(rate(x[5m])) by (job)', 'x offset 5m > bool 3', '-foo', 'foo[5m:1m]', 'histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))', long]) {
      const r = await both(`/api/v1/format_query?query=${encodeURIComponent(q)}`);
      assert.deepEqual(r.ours, r.prom, `format_query ${q}`);
    }
    const badFormat = await both('/api/v1/format_query?query=sum(');
    assert.deepEqual([badFormat.ours.status, badFormat.ours.body.error], [badFormat.prom.status, badFormat.prom.body.error]);
    for (const path of ['/api/v1/query_exemplars?query=x&start=0&end=1', '/api/v1/metadata', '/api/v1/metadata?metric=x']) {
      const r = await both(path);
      assert.deepEqual(r.ours, r.prom, path);
    }
    const exBad = await both('/api/v1/query_exemplars?query=x{');
    assert.deepEqual([exBad.ours.status, exBad.ours.body.errorType], [exBad.prom.status, exBad.prom.body.errorType]);
    for (const path of ['/api/v1/status/buildinfo', '/api/v1/status/runtimeinfo']) {
      const r = await both(path);
      assert.equal(r.ours.status, 200, path);
      assert.deepEqual(Object.keys(r.prom.body.data).filter((k) => !(k in r.ours.body.data)), [], `${path}: every field Prometheus gives`);
    }
    // parse_query is Prometheus 3's (2.42 has none): the AST in its shape.
    const parsed = await call('/api/v1/parse_query', { query: 'sum by (job) (rate(x{i="1"}[5m] offset 1m))' });
    assert.deepEqual(parsed.body.data, {
      type: 'aggregation', op: 'sum', param: null, grouping: ['job'], without: false,
      expr: {
        type: 'call', func: { name: 'rate', argTypes: ['matrix'], variadic: 0, returnType: 'vector' },
        args: [{ type: 'matrixSelector', name: 'x', range: 300_000, offset: 60_000, timestamp: null, startOrEnd: null, matchers: [{ name: 'i', value: '1', type: '=' }, { name: '__name__', value: 'x', type: '=' }] }],
      },
    });
    // promtool as a client: the same output from both servers.
    const promtool = async (args: string[]) => {
      const run = async (url: string) => {
        const p = startProcess('promtool', ['query', ...args.map((a) => (a === 'URL' ? url : a))]);
        await waitUntil(() => p.child.exitCode !== null, 20_000, `promtool ${args.join(' ')}`);
        return { code: p.child.exitCode, out: p.output() };
      };
      return { ours: await run(server.url), prom: await run(prom.url) };
    };
    const at = String(NOW / 1000);
    for (const args of [
      ['instant', '--time', at, 'URL', 'x{i=~"[0-3]"}'],
      ['instant', '--time', at, 'URL', 'sum by (job) (x{i=~"[0-3]"})'],
      ['series', '--match', 'x{i=~"[0-3]"}', 'URL'],
      ['labels', '--match', 'x{i=~"[0-3]"}', 'URL', 'job'],
    ]) {
      const r = await promtool(args);
      assert.deepEqual(r.ours, r.prom, `promtool query ${args.join(' ')}`);
    }
  } finally {
    await prom.stop();
  }
});
