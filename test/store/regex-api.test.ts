// RE2 label-matcher regexes through the store's HTTP API: valid RE2 syntax selects the right series on
// every read endpoint, an invalid regex is a 400 bad_data naming the regex and the cause, and a
// catastrophic pattern against long values neither stalls the server nor fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../../src/store/index.js';
import { startStoreServer, type RunningStoreServer } from '../../src/store/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir } from '../../tools/testing/net.js';

const NOW = Date.now();
const JOBS = ['foo', 'FOO', 'Foo-bar', 'bar', 'a.b', 'axb', 'abac', 'line\nbreak', 'αβγ', 'a'.repeat(4000)]; // the store's default label value limit is 4096
let dir: { path: string; cleanup: () => Promise<void> };
let server: RunningStoreServer;

before(async () => {
  dir = await tempDir();
  server = await startStoreServer({
    store: { dir: dir.path, fsync: 'off' },
    listen: '127.0.0.1:0',
    logger: createLogger({ component: 'store', level: 'silent' }),
  });
  const series = JOBS.map((job, i) => ({
    labels: [{ name: '__name__', value: 're_m' }, { name: 'job', value: job }],
    timestamps: [NOW - 30_000, NOW],
    values: [i, i],
  }));
  const res = await fetch(`${server.url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: new Uint8Array(encodeWriteRequest(series)) });
  assert.equal(res.status, 204, await res.text());
});

after(async () => {
  await server.close();
  await dir.cleanup();
});

async function get(path: string, params: [string, string][]) {
  const res = await fetch(`${server.url}${path}?${new URLSearchParams(params)}`);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as { status: string; errorType?: string; error?: string; data?: any } };
}

const window: [string, string][] = [['start', String((NOW - 60_000) / 1000)], ['end', String(NOW / 1000)]];

async function seriesJobs(selector: string): Promise<string[]> {
  const r = await get('/api/v1/series', [['match[]', selector], ...window]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.data as { job: string }[]).map((s) => s.job).sort();
}

async function queryJobs(q: string): Promise<string[]> {
  const r = await get('/api/v1/query', [['query', q], ['time', String(NOW / 1000)]]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body.data.result as { metric: { job: string } }[]).map((s) => s.metric.job).sort();
}

test('RE2 syntax selects the right series through /api/v1/series and /api/v1/query', async () => {
  const cases: [string, string[]][] = [
    ['(?i)foo', ['FOO', 'foo']],
    ['(?i)foo.*', ['FOO', 'Foo-bar', 'foo']],
    ['(?i:F)oo', ['foo']],
    ['\\Qa.b\\E', ['a.b']],
    ['a.b', ['a.b', 'axb']],
    ['(a|ab)+c', ['abac']],
    ['line.break', ['line\nbreak']],
    ['(?-s:line.break)', []],
    ['\\p{Greek}+', ['αβγ']],
    ['[[:upper:]]+', ['FOO']],
    ['foo|bar', ['bar', 'foo']],
  ];
  for (const [re, jobs] of cases) {
    const selector = `re_m{job=~${JSON.stringify(re)}}`;
    assert.deepEqual(await seriesJobs(selector), jobs, `series ${selector}`);
    assert.deepEqual(await queryJobs(selector), jobs, `query ${selector}`);
  }
  assert.deepEqual(await queryJobs('re_m{job!~"(?i)f.*|a.*|line.*|α.*"}'), ['bar']);
});

test('label_replace uses RE2 captures', async () => {
  const r = await get('/api/v1/query', [['query', 'label_replace(re_m{job=~"(?i)foo-.*"}, "x", "$2:${1}", "job", "(?U)(.+)-(.*)")'], ['time', String(NOW / 1000)]]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.data.result.map((s: { metric: Record<string, string> }) => s.metric.x), ['bar:Foo']);
});

test('an invalid regex is a 400 bad_data naming the regex and the cause, on every read endpoint', async () => {
  const bad: [string, string][] = [['(.*', 'missing closing )'], ['(a)\\\\1', 'invalid escape sequence'], ['a(?=b)', 'invalid or unsupported Perl syntax'], ['a{1001}', 'invalid repeat count']];
  for (const [re, cause] of bad) {
    const sel = `re_m{job=~"${re}"}`;
    const requests: [string, [string, string][]][] = [
      ['/api/v1/series', [['match[]', sel], ...window]],
      ['/api/v1/labels', [['match[]', sel], ...window]],
      ['/api/v1/label/job/values', [['match[]', sel], ...window]],
      ['/api/v1/query', [['query', `sum(${sel})`]]],
      ['/api/v1/query_range', [['query', sel], ...window, ['step', '15']]],
    ];
    for (const [path, params] of requests) {
      const r = await get(path, params);
      assert.equal(r.status, 400, `${path} ${sel}: ${JSON.stringify(r.body)}`);
      assert.match(r.type ?? '', /application\/json/);
      assert.equal(r.body.status, 'error');
      assert.equal(r.body.errorType, 'bad_data');
      assert.ok(r.body.error?.includes(`error parsing regexp: ${cause}`), `${path}: ${r.body.error}`);
      assert.ok(r.body.error?.includes(`\`${re.replace(/\\\\/g, '\\')}\``), `${path} names the regex: ${r.body.error}`);
    }
  }
});

test('a catastrophic regex over a long label value answers, and the server keeps serving meanwhile', async () => {
  const slow = get('/api/v1/query', [['query', 're_m{job=~"(a+)+b|(a|aa)+b|(.*a){20}b"}'], ['time', String(NOW / 1000)]]);
  const t0 = Date.now();
  const [r, ready] = await Promise.all([slow, fetch(`${server.url}/-/ready`)]);
  assert.equal(ready.status, 200);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.data.result, []);
  assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
});
