// The scrape configuration is validated strictly: every error names its field, unsupported Prometheus
// fields are called out as such, and Prometheus's defaults apply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/load.js';
import { DEFAULT_BODY_SIZE_LIMIT, loadScrapeConfig, scrapeConfigFrom } from '../../src/store/scrape/config.js';
import { tempDir } from '../../tools/testing/net.js';

const one = (over: Record<string, unknown>) => ({ scrape_configs: [{ job_name: 'j', static_configs: [{ targets: ['127.0.0.1:9'] }], ...over }] });

test("Prometheus's defaults: 1m interval, 10s timeout capped at the interval, /metrics, http, job and static labels", () => {
  const [j] = scrapeConfigFrom({ scrape_configs: [{ job_name: 'a', static_configs: [{ targets: ['h:1', 'h:2'], labels: { env: 'x' } }] }] }).jobs;
  assert.deepEqual(j, {
    jobName: 'a', intervalMs: 60_000, timeoutMs: 10_000, metricsPath: '/metrics', scheme: 'http', honorLabels: false, honorTimestamps: true,
    bodySizeLimit: DEFAULT_BODY_SIZE_LIMIT, sampleLimit: 0,
    targets: [{ address: 'h:1', labels: { env: 'x' } }, { address: 'h:2', labels: { env: 'x' } }],
  });
  const capped = scrapeConfigFrom({ global: { scrape_interval: '30s', scrape_timeout: '20s' }, ...one({ scrape_interval: '5s' }) }).jobs[0]!;
  assert.deepEqual([capped.intervalMs, capped.timeoutMs], [5000, 5000]);
  const short = scrapeConfigFrom({ global: { scrape_interval: '5s' }, ...one({}) }).jobs[0]!;
  assert.deepEqual([short.intervalMs, short.timeoutMs], [5000, 5000], 'the default global timeout is capped at the global interval');
  assert.throws(() => scrapeConfigFrom({ global: { scrape_interval: '5s', scrape_timeout: '6s' } }), /global\.scrape_timeout .*greater than scrape interval/);
  assert.deepEqual(scrapeConfigFrom({}).jobs, []);
  assert.deepEqual(scrapeConfigFrom({ scrape_configs: null }).jobs, []);
});

test('every invalid field is named in the error', () => {
  const cases: [unknown, RegExp][] = [
    [one({ scrape_intervall: '5s' }), /scrape_configs\[0\] .*unknown field "scrape_intervall"/],
    [one({ relabel_configs: [] }), /"relabel_configs" is not supported by the embedded store/],
    [{ rule_files: ['x'] }, /"rule_files" is not supported/],
    [one({ scrape_interval: '5 s' }), /scrape_configs\[0\]\.scrape_interval .*not a duration: "5 s"/],
    [one({ scrape_interval: '5s', scrape_timeout: '10s' }), /scrape_configs\[0\]\.scrape_timeout .*scrape timeout greater than scrape interval/],
    [one({ scheme: 'ftp' }), /scrape_configs\[0\]\.scheme/],
    [one({ metrics_path: 'metrics' }), /scrape_configs\[0\]\.metrics_path .*must start with "\/"/],
    [one({ static_configs: [{ targets: ['http://h:1/metrics'] }] }), /scrape_configs\[0\]\.static_configs\[0\]\.targets\[0\] .*host:port/],
    [one({ static_configs: [{ targets: ['h:1'], labels: { 'bad-name': 'x' } }] }), /labels\.bad-name .*invalid label name/],
    [one({ body_size_limit: '10 MB' }), /body_size_limit .*not a size/],
    [one({ honor_labels: 'yes' }), /scrape_configs\[0\]\.honor_labels/],
    [one({ authorization: { credentials: 'a', credentials_file: 'b' } }), /authorization .*mutually exclusive/],
    [one({ authorization: { type: 'Basic', credentials: 'a' } }), /authorization\.type .*basic_auth/],
    [one({ oauth2: { client_id: 'c', token_url: 'not a url' } }), /oauth2\.token_url/],
    [one({ oauth2: { client_id: 'c', token_url: 'http://h/t' }, authorization: { credentials: 'x' } }), /at most one of authorization and oauth2/],
    [{ scrape_configs: [{ job_name: 'j' }, { job_name: 'j' }] }, /scrape_configs\[1\]\.job_name .*multiple scrape configs with job name "j"/],
    [{ scrape_configs: [{ static_configs: [] }] }, /scrape_configs\[0\]\.job_name/],
    [{ global: { evaluation_intervall: '1m' } }, /global .*unknown field "evaluation_intervall"/],
  ];
  for (const [raw, re] of cases) {
    assert.throws(() => scrapeConfigFrom(raw, 'file t.yml'), (err: unknown) => err instanceof ConfigError && re.test(err.message) && /\(file t\.yml\)/.test(err.message), `${JSON.stringify(raw)} should fail with ${re}`);
  }
});

test('the file: YAML read and validated, unreadable and non-YAML files named', async () => {
  const dir = await tempDir('obspath-scrape-config-');
  try {
    const file = join(dir.path, 'scrape.yml');
    writeFileSync(file, 'scrape_configs:\n  - job_name: self\n    scrape_interval: 5s\n    static_configs:\n      - targets: [127.0.0.1:9091]\n');
    assert.equal(loadScrapeConfig(file).jobs[0]!.intervalMs, 5000);
    writeFileSync(file, 'scrape_configs: [\n');
    assert.throws(() => loadScrapeConfig(file), /not YAML/);
    assert.throws(() => loadScrapeConfig(join(dir.path, 'missing.yml')), /cannot read/);
  } finally {
    await dir.cleanup();
  }
});
