// The monitoring and deployment bundle in deploy/: alert rules (promtool), the dashboard, the manifests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { render } from './render.js';
import { PROMETHEUS_RULE, renderPrometheusRule } from '../../deploy/sync-prometheus-rule.js';
import { refresherFields } from '../../src/refresher/config.js';
import { apiFields, loadRbacFile, loadTenantsFile } from '../../src/api/index.js';
import { fleetFields } from '../../src/fleet/index.js';
import { evaluateConnection } from '../../src/doctor/netpol/evaluate.js';
import { REPO_ROOT } from '../../tools/testing/procs.js';
import { freePortRange, tempDir } from '../../tools/testing/net.js';
import { startStack } from '../../src/stack/index.js';
import { createLogger } from '../../src/telemetry/logger.js';

const run = promisify(execFile);
const DEPLOY = join(REPO_ROOT, 'deploy');
const RUNBOOK = join(REPO_ROOT, 'docs', 'runbooks', 'observatorium-non-2xx.md');

test('alert rules pass promtool check and their unit tests', async () => {
  const check = await run('promtool', ['check', 'rules', join(DEPLOY, 'prometheus', 'alerts.yaml')]);
  assert.match(check.stdout, /SUCCESS: 5 rules found/);
  const unit = await run('promtool', ['test', 'rules', 'alerts.test.yaml'], { cwd: join(DEPLOY, 'prometheus') });
  assert.match(unit.stdout, /SUCCESS/);
});

test('every alert has a severity, a summary naming the suspected hop, and a runbook_url', () => {
  const { groups } = parse(readFileSync(join(DEPLOY, 'prometheus', 'alerts.yaml'), 'utf8')) as { groups: { rules: { alert: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[] };
  const names = groups.flatMap((g) => g.rules.map((r) => r.alert));
  assert.deepEqual(names.sort(), ['ObservatoriumProbeFailing', 'ObservatoriumRequestTimeouts', 'ObservatoriumRequestsNon2xx', 'TokenRefresherDown', 'TokenRefresherTokenRefreshFailing']);
  for (const r of groups.flatMap((g) => g.rules)) {
    assert.match(r.labels.severity ?? '', /^(critical|warning)$/, r.alert);
    assert.ok(r.annotations.summary, r.alert);
    assert.match(r.annotations.description ?? '', /Suspected hop|hop/, r.alert);
    assert.match(r.annotations.runbook_url ?? '', /^https:\/\/.+observatorium-non-2xx\.md#/, r.alert);
  }
});

test('every runbook_url points at a heading of docs/runbooks (GitHub anchor rules)', () => {
  const { groups } = parse(readFileSync(join(DEPLOY, 'prometheus', 'alerts.yaml'), 'utf8')) as { groups: { rules: { alert: string; annotations: Record<string, string> }[] }[] };
  for (const r of groups.flatMap((g) => g.rules)) {
    const [, file, anchor] = /\/runbooks\/([^#]+)#(.+)$/.exec(r.annotations.runbook_url!)!;
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'runbooks', file!), 'utf8');
    const anchors = [...doc.matchAll(/^#+\s+(.+)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'));
    assert.ok(anchors.includes(anchor!), `${r.alert}: #${anchor} is not a heading of docs/runbooks/${file} (${anchors.join(', ')})`);
  }
});

test('the PrometheusRule manifest is the alert file, unchanged', () => {
  assert.equal(readFileSync(PROMETHEUS_RULE, 'utf8'), renderPrometheusRule(), 'run: node --import tsx deploy/sync-prometheus-rule.ts');
});

/** Metric names the running components export: `obspath up`'s stack, every /metrics endpoint scraped. */
async function exportedMetricNames(): Promise<Set<string>> {
  const dir = await tempDir();
  const out = new PassThrough();
  out.resume();
  const stack = await startStack({ dataDir: dir.path, basePort: await freePortRange(13), out, logger: createLogger({ component: 'up', level: 'silent' }), logLevel: 'warn' });
  try {
    const p = stack.plan.ports;
    const names = new Set<string>();
    for (const port of [p.refresherInternal, p.apiInternal, p.fleetManagerMetrics, p.probe, p.store]) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        names.add(m[1]!);
        if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m[1]! + suffix);
      }
    }
    return names;
  } finally {
    await stack.stop();
    await dir.cleanup();
  }
}

test('the dashboard is valid, every panel query parses (promtool), and every metric it uses is exported by a running component', async () => {
  const dash = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'observatorium-path.json'), 'utf8')) as { uid: string; panels: { type: string; title: string; targets?: { expr: string }[] }[] };
  assert.equal(dash.uid, 'obspath-path');
  const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
  assert.ok(exprs.length >= 15);
  // promtool parses every expression as a recording rule: Prometheus's own parser, offline.
  const dir = await tempDir();
  const file = join(dir.path, 'panels.yaml');
  writeFileSync(file, stringify({ groups: [{ name: 'panels', rules: exprs.map((e, i) => ({ record: `panel:${i}`, expr: e.expr.replaceAll('$__rate_interval', '5m') })) }] }));
  const res = await run('promtool', ['check', 'rules', file]).catch((e: { stdout: string; stderr: string }) => e);
  assert.match(res.stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`), res.stderr);
  await dir.cleanup();

  const declared = await exportedMetricNames();
  const used = new Set<string>();
  for (const { expr } of exprs) {
    for (const m of expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{|\[)/g)) {
      const name = m[1]!;
      if (!['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'].includes(name)) used.add(name);
    }
    for (const m of expr.matchAll(/^\s*([a-z_:][a-z0-9_:]*)\s*(-|$)/g)) used.add(m[1]!);
  }
  for (const name of used) {
    if (name === 'up') continue; // written by Prometheus for every target
    assert.ok(declared.has(name), `dashboard uses ${name}, which no component exports`);
  }
});

test('the token-refresher NetworkPolicy is exactly the runbook\'s', () => {
  const np = render('stage').find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'token-refresher')!;
  assert.deepEqual(np.spec.podSelector, { matchLabels: { 'app.kubernetes.io/component': 'authentication-proxy', 'app.kubernetes.io/name': 'token-refresher' } });
  assert.deepEqual(np.spec.policyTypes, ['Ingress']);
  assert.equal(np.spec.ingress.length, 1);
  assert.equal(np.spec.ingress[0].ports, undefined, 'any port');
  const peers = np.spec.ingress[0].from as { namespaceSelector: unknown; podSelector: { matchLabels: Record<string, string> } }[];
  assert.deepEqual(peers.map((p) => p.podSelector.matchLabels), [{ app: 'kas-fleet-manager' }, { 'operator.prometheus.io/name': 'app-sre' }]);
  for (const p of peers) assert.deepEqual(p.namespaceSelector, { matchLabels: { 'kubernetes.io/metadata.name': 'managed-services-stage' } });
});

const COMMAND_FIELDS: Record<string, Record<string, { flags: string; aliases?: string[]; env?: readonly string[] }>> = {
  'token-refresher': refresherFields,
  api: apiFields,
  'fleet-manager': fleetFields,
};

test('stage and production manifests carry the runbook\'s Observatorium URLs and issuer', () => {
  const runbook = readFileSync(RUNBOOK, 'utf8');
  const stageUrl = /Stage: `(https:\/\/[^`]+)`/.exec(runbook)![1]!;
  const prodUrl = /Production: `(https:\/\/[^`]+)`/.exec(runbook)![1]!;
  const issuer = /Issuer URL:`(https:\/\/[^`]+)`/.exec(runbook)![1]!;
  for (const [overlay, url] of [['stage', stageUrl], ['production', prodUrl]] as const) {
    const dep = render(overlay).find((o) => o.kind === 'Deployment' && o.metadata.name === 'token-refresher')!;
    const env = Object.fromEntries((dep.spec.template.spec.containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    assert.equal(env.OBSERVATORIUM_URL, url, overlay);
    assert.equal(env.ISSUER_URL, issuer, overlay);
    const svc = render(overlay).find((o) => o.kind === 'Service' && o.metadata.name === 'token-refresher')!;
    assert.deepEqual(svc.spec.ports.map((p: { port: number; targetPort: number }) => [p.port, p.targetPort]), [[80, 8080], [8081, 8081]]);
    const fm = render(overlay).find((o) => o.kind === 'Deployment' && o.metadata.name === 'kas-fleet-manager')!;
    assert.ok((fm.spec.template.spec.containers[0].args as string[]).includes(`--token-issuer-url=${issuer}`), `${overlay}: fleet manager issuer`);
  }
  const prodNp = render('production').find((o) => o.kind === 'NetworkPolicy')!;
  assert.equal(prodNp.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'], 'managed-services-production');
});

test('every Deployment runs an obspath command with flags and env it knows, probes on its internal port, and is scraped', () => {
  for (const overlay of ['stage', 'production'] as const) {
    const objs = render(overlay);
    const deployments = objs.filter((o) => o.kind === 'Deployment');
    assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), ['kas-fleet-manager', 'observatorium-api', 'token-refresher']);
    for (const d of deployments) {
      const c = d.spec.template.spec.containers[0];
      const fields = COMMAND_FIELDS[c.args[0]];
      assert.ok(fields, `${d.metadata.name}: unknown command ${c.args[0]}`);
      const flags = new Set(Object.values(fields).flatMap((f) => [f.flags, ...(f.aliases ?? [])].map((x) => x.split(' ')[0]!)));
      const envs = new Set(Object.values(fields).flatMap((f) => f.env ?? []));
      for (const a of (c.args as string[]).slice(1)) assert.ok(flags.has(a.split('=')[0]!), `${overlay} ${d.metadata.name}: unknown flag ${a}`);
      for (const e of (c.env ?? []) as { name: string }[]) assert.ok(envs.has(e.name), `${overlay} ${d.metadata.name}: env ${e.name} is not read`);
      const portNames = new Set((c.ports as { name: string }[]).map((p) => p.name));
      assert.deepEqual([c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path], ['/ready', '/live'], d.metadata.name);
      assert.ok(portNames.has(c.readinessProbe.httpGet.port), `${d.metadata.name}: probe port`);
      const labels = d.spec.template.metadata.labels as Record<string, string>;
      const svc = objs.find((o) => o.kind === 'Service' && Object.entries(o.spec.selector as Record<string, string>).every(([k, v]) => labels[k] === v));
      assert.ok(svc, `${d.metadata.name}: no Service selects its pods`);
      const sm = objs.find((o) => o.kind === 'ServiceMonitor' && Object.entries(o.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => (svc.metadata as { labels?: Record<string, string> }).labels?.[k] === v));
      assert.ok(sm, `${d.metadata.name}: no ServiceMonitor scrapes its Service`);
      assert.ok((svc.spec.ports as { name: string }[]).some((p) => p.name === sm.spec.endpoints[0].port), `${d.metadata.name}: ServiceMonitor port`);
    }
  }
});

test('the API ConfigMap holds tenants and RBAC files the API accepts', async () => {
  const cm = render('stage').find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'observatorium-api') as unknown as { data: Record<string, string> };
  const dir = await tempDir();
  writeFileSync(join(dir.path, 'tenants.yaml'), cm.data['tenants.yaml']!);
  writeFileSync(join(dir.path, 'rbac.yaml'), cm.data['rbac.yaml']!);
  const tenants = loadTenantsFile(join(dir.path, 'tenants.yaml'));
  assert.deepEqual(tenants.map((t) => t.name), ['managedkafka']);
  loadRbacFile(join(dir.path, 'rbac.yaml'));
  await dir.cleanup();
});

test('under the shipped NetworkPolicy, the fleet manager\'s pods reach the refresher and other pods do not (the doctor\'s evaluator)', () => {
  const objs = render('stage');
  const policies = objs.filter((o) => o.kind === 'NetworkPolicy').map((o) => ({ ...o, metadata: { ...o.metadata, namespace: 'managed-services-stage' } })) as never[];
  const ns = 'managed-services-stage';
  const nsLabels = { 'kubernetes.io/metadata.name': ns };
  const podOf = (name: string) => {
    const d = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!;
    return { kind: 'pod' as const, name, namespace: ns, labels: d.spec.template.metadata.labels, namespaceLabels: nsLabels, ports: d.spec.template.spec.containers[0].ports };
  };
  const refresher = podOf('token-refresher');
  const q = { port: 8080, protocol: 'TCP' as const };
  assert.equal(evaluateConnection(policies, podOf('kas-fleet-manager'), refresher, q).allowed, true);
  assert.equal(evaluateConnection(policies, podOf('observatorium-api'), refresher, q).allowed, false);
  const prometheus = { kind: 'pod' as const, name: 'prometheus-app-sre-0', namespace: ns, labels: { 'operator.prometheus.io/name': 'app-sre' }, namespaceLabels: nsLabels };
  assert.equal(evaluateConnection(policies, prometheus, refresher, { port: 8081, protocol: 'TCP' }).allowed, true);
});
