// The bundle's promtool unit tests (deploy/prometheus/alerts.test.yaml) run through our evaluator, and both
// engines are held to one spec: each passes the file as written, and each fails the same broken variants
// (a wrong expected annotation, an expected alert asked for before its `for` has passed, a missing alert).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { runRuleUnitTests } from '../../src/rules/unittest.js';
import { REPO_ROOT } from '../../tools/testing/procs.js';
import { tempDir } from '../../tools/testing/net.js';

const run = promisify(execFile);
const DIR = join(REPO_ROOT, 'deploy', 'prometheus');
const TESTS = join(DIR, 'alerts.test.yaml');

interface TestFile { rule_files: string[]; tests: Array<{ name: string; alert_rule_test?: Array<{ eval_time: string; alertname: string; exp_alerts: Array<{ exp_labels: Record<string, string>; exp_annotations: Record<string, string> }> }> }> }

async function promtoolPasses(file: string): Promise<boolean> {
  try {
    await run('promtool', ['test', 'rules', file]);
    return true;
  } catch {
    return false;
  }
}

test('every test group of the bundle passes through our evaluator', async () => {
  const results = await runRuleUnitTests(TESTS);
  const doc = parse(readFileSync(TESTS, 'utf8')) as TestFile;
  assert.equal(results.length, doc.tests.length);
  assert.ok(results.length >= 6);
  for (const r of results) assert.deepEqual(r.failures, [], r.name);
});

test('our evaluator and promtool fail the same broken variants of the bundle\'s tests', async () => {
  const dir = await tempDir();
  try {
    const base = () => {
      const doc = parse(readFileSync(TESTS, 'utf8')) as TestFile;
      doc.rule_files = doc.rule_files.map((f) => join(DIR, f));
      return doc;
    };
    const firing = (doc: TestFile) => doc.tests.flatMap((t) => t.alert_rule_test ?? []).find((a) => a.alertname === 'ObservatoriumRequestsNon2xx' && a.exp_alerts.length > 0)!;
    const variants: Array<[string, (doc: TestFile) => void]> = [
      ['as written', () => {}],
      ['wrong expected summary', (doc) => { firing(doc).exp_alerts[0]!.exp_annotations.summary += ' (changed)'; }],
      ['alert expected before its `for` (10m) has passed', (doc) => { firing(doc).eval_time = '9m'; }],
      ['a firing alert not expected', (doc) => { firing(doc).exp_alerts = []; }],
      ['wrong expected label', (doc) => { firing(doc).exp_alerts[0]!.exp_labels.severity = 'warning'; }],
    ];
    for (const [name, mutate] of variants) {
      const doc = base();
      mutate(doc);
      const file = join(dir.path, `${name.replace(/\W+/g, '-')}.test.yaml`);
      writeFileSync(file, stringify(doc));
      const ours = await runRuleUnitTests(file);
      const oursPass = ours.every((r) => r.failures.length === 0);
      const theirs = await promtoolPasses(file);
      assert.equal(oursPass, theirs, `${name}: ours ${oursPass ? 'passes' : `fails:\n${ours.flatMap((r) => r.failures).join('\n')}`}, promtool ${theirs ? 'passes' : 'fails'}`);
      assert.equal(oursPass, name === 'as written', name);
      if (!oursPass) assert.match(ours.flatMap((r) => r.failures).join('\n'), /alertname: ObservatoriumRequestsNon2xx/);
    }
  } finally {
    await dir.cleanup();
  }
});

test('promql_expr_test cases and recording rules through our runner (and promtool agrees)', async () => {
  const dir = await tempDir();
  try {
    writeFileSync(join(dir.path, 'rules.yaml'), stringify({ groups: [{ name: 'rec', rules: [
      { record: 'path:requests:rate5m', expr: 'sum by (path) (rate(requests_total[5m]))' },
      { alert: 'Busy', expr: 'path:requests:rate5m > 1', for: '2m', labels: { severity: 'warning' }, annotations: { summary: '{{ $labels.path }} at {{ $value | humanize }}/s ({{ humanizeDuration 90 }}, {{ printf "%.1f" $value }})' } },
    ] }] }));
    const doc = (value: number) => ({
      rule_files: ['rules.yaml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: [{ series: 'requests_total{path="/a",code="200"}', values: '0+120x10' }, { series: 'requests_total{path="/a",code="500"}', values: '0+60x10' }],
        promql_expr_test: [{ expr: 'path:requests:rate5m', eval_time: '8m', exp_samples: [{ labels: 'path:requests:rate5m{path="/a"}', value }] }],
        alert_rule_test: [{ eval_time: '8m', alertname: 'Busy', exp_alerts: [{ exp_labels: { severity: 'warning', path: '/a' }, exp_annotations: { summary: '/a at 3/s (1m 30s, 3.0)' } }] }],
      }],
    });
    for (const [value, pass] of [[3, true], [2.5, false]] as const) {
      const file = join(dir.path, `t-${pass}.test.yaml`);
      writeFileSync(file, stringify(doc(value)));
      const ours = await runRuleUnitTests(file);
      assert.equal(ours.every((r) => r.failures.length === 0), pass, ours.flatMap((r) => r.failures).join('\n'));
      assert.equal(await promtoolPasses(file), pass, `promtool with expected value ${value}`);
    }
  } finally {
    await dir.cleanup();
  }
});
