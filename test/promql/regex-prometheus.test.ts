// Differential check of label-matcher regexes against Debian's Prometheus (2.42, built with Go 1.19):
// the same series remote-written to both, then /api/v1/series with each regex on both sides must select
// the same series, and a regex Go rejects must be a 400 bad_data on both. Where Prometheus 3 (and so
// obspath) differs from 2.42 on purpose, the case says so and pins both answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../../src/store/index.js';
import { startStoreServer, type RunningStoreServer } from '../../src/store/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir } from '../../tools/testing/net.js';
import { startPrometheus, type Backend } from '../../tools/testing/procs.js';

const NOW = Date.now();
const JOBS = ['foo', 'FOO', 'Foo-bar', 'bar', 'a.b', 'axb', 'abac', 'ababc', 'x_y', 'αβγ', 'K', '\u212A', 'line\nbreak', 'job-12', 'a{,3}'];

interface Case {
  regex: string;
  /** Set when Prometheus 2.42 answers differently on purpose: why, and its answer (job list, or 400). */
  divergence?: { why: string; prometheus: string[] | 400 };
}

const CASES: Case[] = [
  { regex: '(?i)foo' },
  { regex: '(?i)foo.*' },
  { regex: '(?i:F)oo.*' },
  { regex: '\\Qa.b\\E' },
  { regex: 'a.b' },
  { regex: '(a|ab)+c' },
  { regex: '(a+)+b|x_.*' },
  { regex: '\\p{Greek}+' },
  { regex: '[[:upper:]]+|[[:^alpha:]]+' },
  { regex: '(?i)k' },
  { regex: 'job-\\d+|bar' },
  { regex: 'a{,3}' },
  { regex: '\\_|x\\_y' },
  { regex: '(?U)a+b.*' },
  { regex: '(?m)line$\n^break' },
  { regex: '(a{1000}){1000}' },
  { regex: 'a{1001}' },
  { regex: '(a)\\1' },
  { regex: 'a(?=b)' },
  { regex: '(.*' },
  { regex: 'a)|(b' },
  { regex: 'a\\Z' },
  {
    regex: 'line.break',
    divergence: { why: 'Prometheus 3 wraps matchers in (?s:), so . matches a newline; 2.42 did not', prometheus: [] },
  },
  {
    regex: '(?<n>foo)',
    divergence: { why: '(?<name>re) is valid since Go 1.22 (Prometheus 3); 2.42 was built with Go 1.19', prometheus: 400 },
  },
];

let prom: Backend;
let ours: RunningStoreServer;
let dir: { path: string; cleanup: () => Promise<void> };

before(async () => {
  dir = await tempDir();
  prom = await startPrometheus();
  ours = await startStoreServer({ store: { dir: dir.path, fsync: 'off' }, listen: '127.0.0.1:0', logger: createLogger({ component: 'store', level: 'warn' }) });
  const series = JOBS.map((job, i) => ({ labels: [{ name: '__name__', value: 'rx' }, { name: 'job', value: job }], timestamps: [NOW - 30_000, NOW], values: [i, i] }));
  for (const url of [prom.url, ours.url]) {
    const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: new Uint8Array(encodeWriteRequest(series)) });
    assert.equal(res.status, 204, `${url}: ${await res.text()}`);
  }
});

after(async () => {
  await ours?.close();
  await prom?.stop();
  await dir?.cleanup();
});

/** The jobs `rx{job=~regex}` selects, or 400 (after checking the error body's shape). */
async function select(url: string, regex: string): Promise<string[] | 400> {
  const params = new URLSearchParams([['match[]', `rx{job=~${JSON.stringify(regex)}}`], ['start', String((NOW - 60_000) / 1000)], ['end', String(NOW / 1000 + 1)]]);
  const res = await fetch(`${url}/api/v1/series?${params}`);
  const body = (await res.json()) as { status: string; errorType?: string; error?: string; data?: { job: string }[] };
  if (res.status === 400) {
    assert.equal(body.errorType, 'bad_data', `${url} ${regex}: ${JSON.stringify(body)}`);
    assert.match(body.error ?? '', /error parsing regexp/, `${url} ${regex}`);
    return 400;
  }
  assert.equal(res.status, 200, `${url} ${regex}: ${JSON.stringify(body)}`);
  return body.data!.map((s) => s.job).sort();
}

test('regex matchers select the same series as Prometheus', async () => {
  const differ: string[] = [];
  let selecting = 0;
  for (const c of CASES) {
    const [p, o] = [await select(prom.url, c.regex), await select(ours.url, c.regex)];
    if (Array.isArray(p) && p.length > 0) selecting++;
    if (c.divergence) {
      assert.deepEqual(p, c.divergence.prometheus, `Prometheus on ${JSON.stringify(c.regex)} (pinned: ${c.divergence.why})`);
      assert.notDeepEqual(o, p, `obspath on ${JSON.stringify(c.regex)} should differ: ${c.divergence.why}`);
    } else if (JSON.stringify(p) !== JSON.stringify(o)) {
      differ.push(`${JSON.stringify(c.regex)}: prometheus ${JSON.stringify(p)}, obspath ${JSON.stringify(o)}`);
    }
  }
  assert.deepEqual(differ, []);
  assert.ok(selecting >= 12, `only ${selecting} regexes selected series on Prometheus: the data did not arrive?`);
});

test('the divergent cases give what Prometheus 3 gives', async () => {
  assert.deepEqual(await select(ours.url, 'line.break'), ['line\nbreak']);
  assert.deepEqual(await select(ours.url, '(?<n>foo)'), ['foo']);
});
