// Label and annotation templates print what Prometheus prints: promtool (Prometheus's own template engine) is
// the oracle. It is asked for alerts that are not expected, and its failure report lists the annotations it
// expanded; ours must be the same strings. Plus template and rule-file errors, named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { Engine } from '../../src/promql/engine.js';
import { MemoryQuerier } from '../../src/promql/testing/memory-querier.js';
import { parseMetric } from '../../src/promql/testing/series-desc.js';
import { RuleGroup, parseRuleFile, RuleFileError, Template, type AlertingRule } from '../../src/rules/index.js';
import { tempDir } from '../../tools/testing/net.js';

const run = promisify(execFile);

const ANNOTATIONS = {
  a: '{{ $value }}|{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}|{{ humanizePercentage $value }}',
  b: '{{ printf "%.2f %d %s %v %5.1f %e %g" $value 3 "x" $value $value $value $value }}|{{ $labels.k | toUpper }}|{{ title "hello world" }}',
  c: '{{ if gt $value 100.0 }}big{{ else if lt $value 0.0 }}negative{{ else }}small{{ end }}{{ $x := 1.5 }} {{ $x }} {{ .Labels.k }}{{ .Value | printf " %.1f" }} [{{ $labels.missing }}] {{ len $labels }}',
  d: '{{ range $k, $v := $labels }}{{ $k }}={{ $v }},{{ end }} {{- " trimmed" }} {{ reReplaceAll "(a+)" "<$1>" "baaad" }} {{ "host:9090" | stripPort }} {{ humanizeTimestamp 1700000000.5 }}',
};
const VALUES = ['0.000123', '1234567', '33.333333', '176461', '-5.5', '0', '12345', '99999.5', '0.5', '1e-9', '2.5e10', '86399.999', '2.25', '0.125', '0.05', '5e15', '-0.000015'];

/** promtool's expansion of every alert's annotations, from its report of alerts it did not expect. */
async function promtoolAnnotations(dir: string): Promise<Map<string, Record<string, string>>> {
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: [{ name: 't', rules: [{ alert: 'T', expr: 'v', annotations: ANNOTATIONS }] }] }));
  writeFileSync(join(dir, 't.yaml'), stringify({
    rule_files: ['rules.yaml'],
    tests: [{ interval: '1m', input_series: VALUES.map((v, i) => ({ series: `v{k="k${i}"}`, values: v })), alert_rule_test: [{ eval_time: '0m', alertname: 'T', exp_alerts: [] }] }],
  }));
  const out = await run('promtool', ['test', 'rules', join(dir, 't.yaml')]).then(() => '', (e: { stdout: string; stderr: string }) => e.stdout + e.stderr);
  const byK = new Map<string, Record<string, string>>();
  const pair = /(\w+)="((?:[^"\\]|\\.)*)"/g;
  for (const m of out.matchAll(/Labels:\{([^\n]*)\}\s*\n\s*Annotations:\{([^\n]*)\}/g)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(pair)].map((p) => [p[1]!, JSON.parse(`"${p[2]!}"`) as string]));
    const ann = Object.fromEntries([...m[2]!.matchAll(pair)].map((p) => [p[1]!, JSON.parse(`"${p[2]!}"`) as string]));
    byK.set(labels.k!, ann);
  }
  return byK;
}

async function ourAnnotations(): Promise<Map<string, Record<string, string>>> {
  const q = new MemoryQuerier();
  VALUES.forEach((v, i) => q.append(parseMetric(`v{k="k${i}"}`), [0], Float64Array.of(Number(v))));
  const [spec] = parseRuleFile('rules.yaml', stringify({ groups: [{ name: 't', rules: [{ alert: 'T', expr: 'v', annotations: ANNOTATIONS }] }] }));
  const group = new RuleGroup(spec!, 60_000, { engine: new Engine(), querier: q, templates: { externalLabels: {}, externalUrl: '' }, resendDelayMs: 60_000, write: () => {} });
  await group.eval(0);
  const rule = group.rules[0] as AlertingRule;
  return new Map(rule.activeAlerts().map((a) => [a.labels.find((l) => l.name === 'k')!.value, a.annotations]));
}

test('annotations expand to the same text as Prometheus\'s (promtool as the oracle)', async () => {
  const dir = await tempDir();
  try {
    const theirs = await promtoolAnnotations(dir.path);
    assert.equal(theirs.size, VALUES.length, 'promtool reported every alert');
    const ours = await ourAnnotations();
    for (const [k, ann] of theirs) assert.deepEqual(ours.get(k), ann, `value ${VALUES[Number(k.slice(1))]}`);
  } finally {
    await dir.cleanup();
  }
});

test('template syntax errors are found when the rule file is read, naming the rule and the annotation', () => {
  const file = (ann: string) => `groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations: { s: ${JSON.stringify(ann)} }\n`;
  assert.throws(() => parseRuleFile('r.yaml', file('{{ $value')), /r\.yaml: group "g", rule 1 \(A\): annotations "s": template: unclosed action/);
  assert.throws(() => parseRuleFile('r.yaml', file('{{ nosuch $value }}')), /function "nosuch" not defined/);
  assert.throws(() => parseRuleFile('r.yaml', file('{{ if $value }}x')), /unexpected EOF/);
  assert.equal(new Template('{{ $labels.x }}').execute({}, { labels: {} }), '');
});

test('rule files: Prometheus\'s validation, each error naming the file, group and rule', () => {
  const bad: Array<[string, RegExp]> = [
    ['groups:\n  - name: g\n    rules:\n      - record: "bad name"\n        expr: up\n', /rule 1 \(bad name\): invalid recording rule name/],
    ['groups:\n  - name: g\n    rules:\n      - record: r\n        alert: a\n        expr: up\n', /only one of 'record' and 'alert' must be set/],
    ['groups:\n  - name: g\n    rules:\n      - expr: up\n', /one of 'record' or 'alert' must be set/],
    ['groups:\n  - name: g\n    rules:\n      - alert: A\n', /field 'expr' must be set in rule/],
    ['groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up\n        for: 5m\n', /invalid field 'for' in recording rule/],
    ['groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up[5m]\n', /invalid expression type "range vector"/],
    ['groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        keep_firing_for: soon\n', /field 'keep_firing_for': not a valid duration/],
    ['groups:\n  - name: g\n    interval: 1x\n    rules: []\n', /group "g": field 'interval': not a valid duration/],
    ['groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: { "bad-name": x }\n', /invalid label name: "bad-name"/],
    ['groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        severity: page\n', /field severity not found/],
    ['groups:\n  - name: ""\n    rules: []\n', /Groupname must not be empty/],
    ['groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n', /groupname: "g" is repeated in the same file/],
    ['groups: [', /not valid YAML/],
  ];
  for (const [text, expected] of bad) {
    assert.throws(() => parseRuleFile('f.yaml', text), (err: Error) => err instanceof RuleFileError && expected.test(err.message) && err.message.startsWith('f.yaml'), text);
  }
  const [g] = parseRuleFile('f.yaml', 'groups:\n  - name: g\n    interval: 30s\n    limit: 10\n    rules:\n      - alert: A\n        expr: up == 0\n        for: 1h30m\n        keep_firing_for: 5m\n');
  assert.deepEqual([g!.intervalMs, g!.limit, g!.rules[0]!.kind === 'alerting' && g!.rules[0]!.forMs, g!.rules[0]!.kind === 'alerting' && g!.rules[0]!.keepFiringForMs], [30_000, 10, 5_400_000, 300_000]);
});

test('group labels apply to every rule of the group (a rule\'s own wins); query_offset is refused by name', () => {
  const [g] = parseRuleFile('f.yaml', 'groups:\n  - name: g\n    labels: { team: obs, severity: info }\n    rules:\n      - alert: A\n        expr: up\n        labels: { severity: page }\n      - record: r\n        expr: up\n');
  assert.deepEqual(g!.rules.map((r) => r.labels), [{ team: 'obs', severity: 'page' }, { team: 'obs', severity: 'info' }]);
  assert.throws(() => parseRuleFile('f.yaml', 'groups:\n  - name: g\n    query_offset: 1m\n    rules: []\n'), /field 'query_offset' is not supported/);
});
