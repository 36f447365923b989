import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LiveClusterFacts } from '../../src/doctor/k8s/live-source.js';
import { SnapshotClusterFacts } from '../../src/doctor/k8s/snapshot-source.js';
import { loadKubeconfig } from '../../src/doctor/k8s/kubeconfig.js';
import { FactsError, type ClusterFacts } from '../../src/doctor/facts.js';
import { runDoctor } from '../../src/doctor/run.js';
import { renderReport } from '../../src/doctor/render.js';
import type { DoctorReport } from '../../src/doctor/report.js';
import { tempDir } from '../../tools/testing/net.js';
import { selfSigned, startFakeKube, writeKubeconfig, type CertPair, type FakeKube } from './fake-kube.js';

const FIXTURE = new URL('../fixtures/doctor/incident/', import.meta.url).pathname;
const SECRET_VALUE = 'sup3r-s3cret-client-value';
const SECRET_B64 = Buffer.from(SECRET_VALUE).toString('base64');
const NOW = new Date('2024-05-02T10:15:00Z');
const NS = 'managed-services-stage';

let dir: { path: string; cleanup: () => Promise<void> };
let serverCert: CertPair;
let clientCert: CertPair;
let kube: FakeKube;

before(async () => {
  dir = await tempDir('obspath-doctor-');
  serverCert = selfSigned(dir.path, 'server', '127.0.0.1', 'IP:127.0.0.1');
  clientCert = selfSigned(dir.path, 'client', 'system:admin');
  kube = await startFakeKube({
    fixtureDir: FIXTURE, server: serverCert, clientCerts: [clientCert.certPem],
    tokens: ['sha256~oc-login-token', 'exec-token-2'], pageSize: 1,
  });
});

after(async () => {
  await kube.close();
  await dir.cleanup();
});

function doctor(facts: ClusterFacts): Promise<DoctorReport> {
  return runDoctor({ facts, now: NOW });
}

function assertIncidentVerdicts(report: DoctorReport): void {
  const causes = report.verdicts.map((v) => `${v.cause}:${v.confidence}`);
  assert.ok(causes.includes('refresher-crashloop:confirmed'), causes.join(' '));
  assert.ok(causes.includes('network-policy-blocks:confirmed'), causes.join(' '));
  assert.ok(causes.includes('wrong-observatorium-url:likely'), causes.join(' '));
  assert.ok(causes.includes('issuer-unreachable:likely'), causes.join(' '));
  assert.equal(report.status, 'fail');
  const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
  assert.equal(byId.logs!.status, 'fail');
  assert.equal(byId['observatorium-url']!.status, 'fail');
  assert.match(byId['observatorium-url']!.summary, /production Observatorium .* add "\.stage"/);
  assert.equal(byId.credentials!.status, 'ok', JSON.stringify(byId.credentials));
  assert.equal(byId['network-policy']!.status, 'fail');
  assert.ok(byId['network-policy']!.evidence.some((e) => /operator\.prometheus\.io\/name=app-sre: label operator\.prometheus\.io\/name is absent/.test(e.text)));
  assert.equal(byId['refresher-health']!.status, 'fail');
  assert.equal(byId['observatorium-health']!.status, 'skipped');
  const logs = JSON.stringify(byId.logs!.evidence);
  assert.match(logs, /2 x \\"OIDC provider initialization failed\\"/);
  assert.match(logs, /3 x \\"dial i\/o timeout \(fleet manager\)\\"/);
}

function assertNoSecret(report: DoctorReport): void {
  for (const format of ['human', 'json', 'markdown'] as const) {
    const out = renderReport(report, format, { color: true });
    assert.ok(!out.includes(SECRET_VALUE), `${format} output holds the secret`);
    assert.ok(!out.includes(SECRET_B64), `${format} output holds the base64 secret`);
  }
}

test('live: token auth (as oc login writes it) diagnoses the incident', async () => {
  const kc = writeKubeconfig(join(dir.path, 'token.kubeconfig'), kube.url, serverCert.certPem, { token: 'sha256~oc-login-token' });
  const facts = LiveClusterFacts.fromKubeconfig({ kubeconfig: kc });
  try {
    assert.equal(facts.namespace, NS);
    assert.match(facts.describe(), /context stage \(https:\/\/127\.0\.0\.1:\d+\)/);
    const report = await doctor(facts);
    assertIncidentVerdicts(report);
    assertNoSecret(report);
    assert.equal(report.source.kind, 'cluster');
    // Lists were paginated (page size 1, two refresher pods) and the Secret was read by name only.
    assert.ok(kube.requests.some((r) => /pods\?.*continue=1/.test(r.path)));
    assert.ok(kube.requests.some((r) => r.path === `/api/v1/namespaces/${NS}/secrets/kas-fleet-manager-observatorium-configuration-red-hat-sso`));
    assert.ok(!kube.requests.some((r) => /\/secrets(\?|$)/.test(r.path)), 'no secret listing');
  } finally {
    await facts.close();
  }
});

test('live: client certificate auth (files next to the kubeconfig, relative paths)', async () => {
  writeFileSync(join(dir.path, 'sre.crt'), clientCert.certPem);
  writeFileSync(join(dir.path, 'sre.key'), clientCert.keyPem);
  const kc = writeKubeconfig(join(dir.path, 'cert.kubeconfig'), kube.url, serverCert.certPem, { 'client-certificate': 'sre.crt', 'client-key': 'sre.key' });
  const facts = LiveClusterFacts.fromKubeconfig({ kubeconfig: kc });
  try {
    const before = kube.requests.length;
    const pods = await facts.listPods(NS, { matchLabels: { app: 'kas-fleet-manager' } });
    assert.deepEqual(pods.map((p) => p.metadata.name), ['kas-fleet-manager-5b8d7c9f4-abcde']);
    assert.equal(kube.requests[before]!.who, 'cert:system:admin');
    assertIncidentVerdicts(await doctor(facts));
  } finally {
    await facts.close();
  }
});

test('live: exec credential plugin, re-run once when the API server answers 401', async () => {
  const counter = join(dir.path, 'exec-count');
  writeFileSync(counter, '');
  const script = join(dir.path, 'cred-plugin.sh');
  // Hands out exec-token-1, then exec-token-2; only the second is valid, so the first 401 must trigger a re-run.
  writeFileSync(script, `#!/bin/sh
case "$KUBERNETES_EXEC_INFO" in *'"interactive":false'*) ;; *) echo "no exec info" >&2; exit 3;; esac
echo x >> "${counter}"
n=$(wc -l < "${counter}" | tr -d ' ')
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token-%s","expirationTimestamp":"2999-01-01T00:00:00Z"}}' "$n"
`);
  chmodSync(script, 0o755);
  const kc = writeKubeconfig(join(dir.path, 'exec.kubeconfig'), kube.url, serverCert.certPem, {
    exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './cred-plugin.sh', args: [], env: [{ name: 'PLUGIN_MODE', value: 'test' }], interactiveMode: 'Never' },
  });
  const facts = LiveClusterFacts.fromKubeconfig({ kubeconfig: kc });
  try {
    const deps = await facts.listDeployments(NS);
    assert.deepEqual(deps.map((d) => d.metadata.name), ['token-refresher']);
    await facts.listNetworkPolicies(NS);
    // One 401 re-run, then the cached credential is reused.
    assert.equal(readFileSync(counter, 'utf8').trim().split('\n').length, 2);
  } finally {
    await facts.close();
  }
});

test('live: rejected credentials and a missing plugin are typed errors, and the doctor skips instead of crashing', async () => {
  const bad = writeKubeconfig(join(dir.path, 'bad.kubeconfig'), kube.url, serverCert.certPem, { token: 'expired-token' });
  const facts = LiveClusterFacts.fromKubeconfig({ kubeconfig: bad });
  try {
    await assert.rejects(facts.listPods(NS), (e: unknown) => e instanceof FactsError && e.kind === 'unauthorized' && /log in again/.test(e.message));
    const report = await runDoctor({ facts, now: NOW });
    const skipped = report.checks.filter((c) => c.status === 'skipped').map((c) => c.id);
    assert.deepEqual(skipped, ['logs', 'observatorium-url', 'credentials', 'network-policy', 'refresher-health', 'observatorium-health']);
    assert.match(report.checks[0]!.summary, /401/);
  } finally {
    await facts.close();
  }
  const missing = writeKubeconfig(join(dir.path, 'missing.kubeconfig'), kube.url, serverCert.certPem, { exec: { command: 'obspath-no-such-plugin', installHint: 'install the plugin' } });
  const f2 = LiveClusterFacts.fromKubeconfig({ kubeconfig: missing });
  await assert.rejects(f2.listPods(NS), /command not found \(install the plugin\)/);
  await f2.close();
});

test('live: a forbidden Secret read leaves the credentials check at "cannot check", the rest still runs', async () => {
  const limited = await startFakeKube({ fixtureDir: FIXTURE, server: serverCert, tokens: ['t'], forbidden: [/\/secrets\//] });
  const kc = writeKubeconfig(join(dir.path, 'limited.kubeconfig'), limited.url, serverCert.certPem, { token: 't' });
  const facts = LiveClusterFacts.fromKubeconfig({ kubeconfig: kc });
  try {
    const report = await doctor(facts);
    const cred = report.checks.find((c) => c.id === 'credentials')!;
    assert.equal(cred.status, 'warn');
    assert.match(JSON.stringify(cred.evidence), /cannot check the secret: .*forbidden \(403\)/);
    assert.equal(report.checks.find((c) => c.id === 'network-policy')!.status, 'fail');
  } finally {
    await facts.close();
    await limited.close();
  }
});

test('kubeconfig: KUBECONFIG merge (first definition wins), --context, and errors that say what to do', async () => {
  const a = join(dir.path, 'a.kubeconfig');
  const b = join(dir.path, 'b.kubeconfig');
  writeKubeconfig(a, 'https://first.example:6443', serverCert.certPem, { token: 'from-a' });
  writeKubeconfig(b, 'https://second.example:6443', serverCert.certPem, { token: 'from-b' });
  const env = { KUBECONFIG: `${a}:${b}` };
  const conn = loadKubeconfig({ env });
  assert.equal(conn.server, 'https://first.example:6443');
  assert.equal(conn.user.token, 'from-a');
  assert.equal(conn.namespace, NS);
  const other = loadKubeconfig({ env, context: 'other' });
  assert.equal(other.namespace, 'default');
  assert.deepEqual(other.user, {});
  assert.throws(() => loadKubeconfig({ env, context: 'nope' }), /context "nope" is not in kubeconfig \(have: stage, other\)/);
  assert.throws(() => loadKubeconfig({ env: { KUBECONFIG: join(dir.path, 'none') }, serviceAccountDir: join(dir.path, 'no-sa') }), /no kubeconfig found .* --snapshot DIR/);
});

test('snapshot: the same incident from kubectl -o yaml/json files and log files', async () => {
  const facts = new SnapshotClusterFacts(FIXTURE, NS);
  const report = await doctor(facts);
  assertIncidentVerdicts(report);
  assertNoSecret(report);
  assert.equal(report.source.kind, 'snapshot');
  // The PodList/NetworkPolicyList items got their kinds; the envoy log did not count as the service's.
  assert.equal((await facts.listNetworkPolicies(NS)).length, 2);
  assert.equal((await facts.podLogs({ namespace: NS, pod: 'kas-fleet-manager-5b8d7c9f4-abcde', container: 'service', isDefaultContainer: true, tailLines: 100 }))?.split('\n').filter((l) => l.includes('i/o timeout')).length, 3);
  assert.equal(await facts.podLogs({ namespace: NS, pod: 'kas-fleet-manager-5b8d7c9f4-abcde', previous: true, tailLines: 100 }), undefined);
  const secret = await facts.getSecret(NS, 'kas-fleet-manager-observatorium-configuration-red-hat-sso');
  assert.deepEqual(secret, { name: 'kas-fleet-manager-observatorium-configuration-red-hat-sso', namespace: NS, type: 'Opaque', keys: ['grafana.clientId', 'grafana.clientSecret'] });
});
