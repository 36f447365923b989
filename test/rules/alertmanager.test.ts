// End to end with Debian's real Alertmanager: `obspath store --rules.file ... --alertmanager.url ...` evaluates
// a rule over samples written to it, the alert goes pending, fires, appears in Alertmanager's /api/v2/alerts
// with our labels, annotations and generatorURL, and goes away from there once it resolves. /api/v1/rules and
// /api/v1/alerts answer in Prometheus's shape along the way; a bad rule file stops start-up naming it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../../src/store/index.js';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, type Backend, type Proc } from '../../tools/testing/procs.js';
import { startAlertmanager } from '../../tools/testing/alertmanager.js';

const RULES = `groups:
  - name: e2e
    interval: 1s
    rules:
      - alert: ProbeFailing
        expr: probe_ok{job="probe"} == 0
        for: 2s
        labels: { severity: warning }
        annotations:
          summary: "probe {{ $labels.instance }} fails ({{ $value }})"
      - record: job:probe_ok:min
        expr: min by (job) (probe_ok)
`;

let am: Backend;
let store: Proc;
let storeUrl: string;
let dir: { path: string; cleanup: () => Promise<void> };
let writer: NodeJS.Timeout | undefined;
let probeValue = 1;

before(async () => {
  dir = await tempDir();
  am = await startAlertmanager();
  writeFileSync(join(dir.path, 'rules.yaml'), RULES);
  const port = await freePort();
  storeUrl = `http://127.0.0.1:${port}`;
  store = startObspath(['store', '--storage.path', join(dir.path, 'data'), '--web.listen', `127.0.0.1:${port}`, '--storage.fsync', 'off',
    '--rules.file', join(dir.path, 'rules.yaml'), '--rules.alert.resend-delay', '1s', '--alertmanager.url', am.url, '--log.level', 'warn']);
  await waitUntil(() => httpOk(`${storeUrl}/-/ready`), 20_000, `store ready\n${store.output()}`);
  // A probe writing its result every 500 ms, as the stack's probe does through remote write.
  const write = async () => {
    const body = encodeWriteRequest([{ labels: [{ name: '__name__', value: 'probe_ok' }, { name: 'job', value: 'probe' }, { name: 'instance', value: 'p-0' }], timestamps: [Date.now()], values: [probeValue] }]);
    await fetch(`${storeUrl}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: new Uint8Array(body) }).catch(() => undefined);
  };
  writer = setInterval(() => void write(), 500);
  await write();
});

after(async () => {
  clearInterval(writer);
  await store?.stop();
  await am?.stop();
  await dir?.cleanup();
});

interface AmAlert { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string; status: { state: string } }
const amAlerts = async () => (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as AmAlert[];
const getJson = async (path: string) => (await (await fetch(`${storeUrl}${path}`)).json()) as { status: string; data: any };

test('an alert fires in the store, reaches Alertmanager, and resolves there', async () => {
  // Healthy: nothing pending or firing, the recording rule records.
  await waitUntil(async () => (await getJson('/api/v1/query?query=job:probe_ok:min')).data.result.length === 1, 10_000, 'recorded series');
  assert.deepEqual((await getJson('/api/v1/alerts')).data.alerts, []);

  probeValue = 0;
  const t0 = Date.now();
  await waitUntil(async () => (await getJson('/api/v1/alerts')).data.alerts.some((a: { state: string }) => a.state === 'pending'), 10_000, 'pending alert');
  await waitUntil(async () => (await amAlerts()).some((a) => a.labels.alertname === 'ProbeFailing'), 20_000, `alert in Alertmanager\n${store.output()}`);
  const fireToAm = Date.now() - t0;
  const [a] = (await amAlerts()).filter((x) => x.labels.alertname === 'ProbeFailing');
  assert.deepEqual(a!.labels, { alertname: 'ProbeFailing', instance: 'p-0', job: 'probe', severity: 'warning' });
  assert.equal(a!.annotations.summary, 'probe p-0 fails (0)');
  assert.equal(a!.status.state, 'active');
  assert.ok(a!.generatorURL.startsWith(`${storeUrl}/graph?g0.expr=`), a!.generatorURL);
  assert.match(decodeURIComponent(a!.generatorURL.replace(/\+/g, ' ')), /probe_ok\{job="probe"\} == 0/);
  assert.ok(Date.parse(a!.endsAt) > Date.now(), 'a firing alert ends in the future (4 x resend delay / interval)');

  const rules = await getJson('/api/v1/rules');
  const [group] = rules.data.groups;
  assert.equal(group.name, 'e2e');
  assert.equal(group.interval, 1);
  const alerting = group.rules.find((r: { type: string }) => r.type === 'alerting');
  assert.equal(alerting.state, 'firing');
  assert.equal(alerting.duration, 2);
  assert.equal(alerting.health, 'ok');
  assert.equal(alerting.alerts[0].value, '0e+00');
  assert.match(alerting.alerts[0].activeAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const recording = group.rules.find((r: { type: string }) => r.type === 'recording');
  assert.deepEqual(Object.keys(recording).sort(), ['evaluationTime', 'health', 'lastEvaluation', 'name', 'query', 'type']);
  assert.equal(recording.query, 'min by (job) (probe_ok)');
  const firingSeries = await getJson('/api/v1/query?query=ALERTS{alertstate="firing"}');
  assert.equal(firingSeries.data.result.length, 1);

  probeValue = 1;
  const t1 = Date.now();
  await waitUntil(async () => !(await amAlerts()).some((a) => a.labels.alertname === 'ProbeFailing'), 20_000, 'alert resolved in Alertmanager');
  const resolveToAm = Date.now() - t1;
  assert.deepEqual((await getJson('/api/v1/alerts')).data.alerts, []);
  const metrics = await (await fetch(`${storeUrl}/metrics`)).text();
  const sent = Number(/obspath_notifications_sent_total\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
  assert.ok(sent >= 2, `firing and resolved sends counted (${sent})`);
  assert.doesNotMatch(metrics, /obspath_notifications_errors_total\{[^}]*\} [1-9]/);
  assert.match(metrics, /^obspath_rule_groups 1$/m);
  assert.match(metrics, /^obspath_rule_evaluation_failures_total 0$/m);
  assert.match(metrics, /^obspath_notifications_queue_length 0$/m);
  console.log(`alertmanager round trip: value 0 written -> alert in Alertmanager ${fireToAm} ms (for: 2s, interval 1s); value 1 -> resolved there ${resolveToAm} ms; ${sent} alerts sent`);
});

test('bad rule files stop the store at start-up with an error naming the file and the rule', async () => {
  const cases: Array<[string, RegExp]> = [
    ['groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(\n', /rule 1 \(A\): could not parse expression: .*parse error/],
    ['groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n', /groupname: "g" is repeated in the same file/],
    ['groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5 minutes\n', /rule 1 \(A\): field 'for': not a valid duration/],
    ['groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        annotations: { s: "{{ $labels.x " }\n', /annotations "s": template: unclosed action/],
  ];
  for (const [text, expected] of cases) {
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(file, text);
    const p = startObspath(['store', '--storage.path', join(dir.path, 'bad-data'), '--web.listen', '127.0.0.1:0', '--rules.file', file]);
    const code = await new Promise<number | null>((resolve) => p.child.once('exit', (c) => resolve(c)));
    assert.notEqual(code, 0);
    assert.match(p.output(), expected);
    assert.match(p.output(), /bad\.yaml/);
  }
});
