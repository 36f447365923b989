// The monitoring and deployment bundle in deploy/: alert rules (promtool), the dashboard, the manifests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { PROMETHEUS_RULE, renderPrometheusRule } from '../../deploy/sync-prometheus-rule.js';
import { refresherFields } from '../../src/refresher/config.js';
import { REPO_ROOT } from '../helpers/procs.js';
import { freePortRange, tempDir } from '../helpers/net.js';
import { startStack } from '../../src/stack/index.js';
import { createLogger } from '../../src/telemetry/logger.js';

const run = promisify(execFile);
const DEPLOY = join(REPO_ROOT, 'deploy');
const RUNBOOK = join(REPO_ROOT, '..', 'shared', 'runbook', 'observatorium-non-2xx.md');

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
  const stack = await startStack({ dataDir: dir.path, basePort: await freePortRange(10), out, logger: createLogger({ component: 'up', level: 'silent' }), logLevel: 'warn' });
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

interface K8sObject { kind: string; metadata: { name: string }; spec: Record<string, any> }

function loadManifests(file: string): K8sObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJSON() as K8sObject);
}

/** The JSON-patch `replace` ops our overlays use (RFC 6901 paths). */
function applyReplace(obj: unknown, path: string, value: unknown): void {
  const parts = path.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  let cur = obj as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) {
    assert.ok(cur[p] !== undefined, `patch path ${path} does not exist at ${p}`);
    cur = cur[p] as Record<string, unknown>;
  }
  const last = parts.at(-1)!;
  assert.ok(last in cur, `patch path ${path} does not exist`);
  cur[last] = value;
}

function render(overlay: 'stage' | 'production'): K8sObject[] {
  const base = join(DEPLOY, 'kubernetes', 'base');
  const kust = parse(readFileSync(join(base, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  const objs = kust.resources.flatMap((r) => loadManifests(join(base, r)));
  const ov = parse(readFileSync(join(DEPLOY, 'kubernetes', 'overlays', overlay, 'kustomization.yaml'), 'utf8')) as { patches: { target: { kind: string; name: string }; patch: string }[] };
  for (const p of ov.patches) {
    const target = objs.find((o) => o.kind === p.target.kind && o.metadata.name === p.target.name);
    assert.ok(target, `overlay ${overlay} patches a missing ${p.target.kind}/${p.target.name}`);
    for (const op of parse(p.patch) as { op: string; path: string; value: unknown }[]) {
      assert.equal(op.op, 'replace');
      applyReplace(target, op.path, op.value);
    }
  }
  return objs;
}

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

test('stage and production manifests carry the runbook\'s Observatorium URLs and issuer, and only flags the refresher knows', () => {
  const runbook = readFileSync(RUNBOOK, 'utf8');
  const stageUrl = /Stage: `(https:\/\/[^`]+)`/.exec(runbook)![1]!;
  const prodUrl = /Production: `(https:\/\/[^`]+)`/.exec(runbook)![1]!;
  const issuer = /Issuer URL:`(https:\/\/[^`]+)`/.exec(runbook)![1]!;
  const knownFlags = new Set(Object.values(refresherFields).flatMap((f) => [f.flags, ...(f.aliases ?? [])].map((s) => s.split(' ')[0]!)));
  const knownEnv = new Set(Object.values(refresherFields).flatMap((f) => f.env ?? []));
  for (const [overlay, url] of [['stage', stageUrl], ['production', prodUrl]] as const) {
    const dep = render(overlay).find((o) => o.kind === 'Deployment' && o.metadata.name === 'token-refresher')!;
    const c = dep.spec.template.spec.containers[0];
    const env = Object.fromEntries((c.env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    assert.equal(env.OBSERVATORIUM_URL, url, overlay);
    assert.equal(env.ISSUER_URL, issuer, overlay);
    for (const e of c.env as { name: string }[]) assert.ok(knownEnv.has(e.name), `${overlay}: env ${e.name} is not read by the refresher`);
    assert.equal(c.args[0], 'token-refresher');
    for (const a of (c.args as string[]).slice(1)) assert.ok(knownFlags.has(a.split('=')[0]!), `${overlay}: unknown flag ${a}`);
    assert.deepEqual(c.readinessProbe.httpGet, { path: '/ready', port: 'internal' });
    assert.deepEqual(c.livenessProbe.httpGet, { path: '/live', port: 'internal' });
    const svc = render(overlay).find((o) => o.kind === 'Service' && o.metadata.name === 'token-refresher')!;
    assert.deepEqual(svc.spec.ports.map((p: { port: number; targetPort: number }) => [p.port, p.targetPort]), [[80, 8080], [8081, 8081]]);
  }
  const prodNp = render('production').find((o) => o.kind === 'NetworkPolicy')!;
  assert.equal(prodNp.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'], 'managed-services-production');
});
