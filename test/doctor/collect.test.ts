// `obspath doctor collect` against the fake Kubernetes API (real-format objects, HTTPS, bearer auth), then the
// doctor on what it wrote (a directory and a .tar.gz): the same checks and verdicts as the live run; no secret
// value (Secret data, an inline env value, a token quoted in a log) in any collected file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { collectSnapshot, openSnapshot } from '../../src/doctor/collect/index.js';
import { LiveClusterFacts } from '../../src/doctor/k8s/live-source.js';
import type { DoctorReport } from '../../src/doctor/report.js';
import { runDoctor } from '../../src/doctor/run.js';
import { tempDir } from '../../tools/testing/net.js';
import { selfSigned, startFakeKube, writeKubeconfig, type CertPair, type FakeKube } from './fake-kube.js';

const FIXTURES = new URL('../fixtures/doctor/', import.meta.url).pathname;
const NOW = new Date('2024-05-02T10:15:00Z');
const TOKEN = 'sha256~collect-token';
/** Every secret value the fixtures hold: Secret data (plain and base64), an inline env value, a quoted JWT. */
const SECRET_VALUES = [
  'sup3r-s3cret-client-value', 'c3VwM3ItczNjcmV0LWNsaWVudC12YWx1ZQ==', 'kas-fleet-manager-stage', 'a2FzLWZsZWV0LW1hbmFnZXItc3RhZ2U=',
  'inl1ne-cl1ent-s3cret-value', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJrYXMtZmxlZXQtbWFuYWdlciJ9',
];
const CASES: { fixture: string; top: string; also: string[]; explained: string[] }[] = [
  { fixture: 'incident', top: 'network-policy-blocks', also: ['wrong-observatorium-url', 'issuer-unreachable'], explained: ['refresher-crashloop'] },
  { fixture: 'crashloop-invalid-client', top: 'invalid-client-credentials', also: [], explained: ['refresher-crashloop', 'refresher-unreachable'] },
  { fixture: 'secret-missing-key-netpol', top: 'network-policy-blocks', also: ['missing-client-credentials'], explained: [] },
];

let dir: { path: string; cleanup: () => Promise<void> };
let serverCert: CertPair;
const kubes = new Map<string, FakeKube>();

before(async () => {
  dir = await tempDir('obspath-collect-');
  serverCert = selfSigned(dir.path, 'server', '127.0.0.1', 'IP:127.0.0.1');
  for (const c of CASES) kubes.set(c.fixture, await startFakeKube({ fixtureDir: join(FIXTURES, c.fixture), server: serverCert, tokens: [TOKEN], pageSize: 1 }));
});

after(async () => {
  for (const k of kubes.values()) await k.close();
  await dir.cleanup();
});

function live(fixture: string, name = fixture): LiveClusterFacts {
  const kc = writeKubeconfig(join(dir.path, `${name}.kubeconfig`), kubes.get(fixture)!.url, serverCert.certPem, { token: TOKEN });
  return LiveClusterFacts.fromKubeconfig({ kubeconfig: kc });
}

/** What must not change between the live run and the snapshot's: every check and every verdict. */
const analysis = (r: DoctorReport) => ({ status: r.status, checks: r.checks, verdicts: r.verdicts, escalation: r.escalation });

function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((n) => (statSync(join(root, n)).isDirectory() ? filesUnder(join(root, n)) : [join(root, n)]));
}

function assertNoSecret(what: string, text: string): void {
  for (const s of SECRET_VALUES) assert.ok(!text.includes(s), `${what} holds the secret value ${s.slice(0, 6)}...`);
}

for (const c of CASES) {
  test(`collect ${c.fixture} into a directory and a .tar.gz; --snapshot on either gives the live report`, async () => {
    const facts = live(c.fixture);
    const liveReport = await runDoctor({ facts, now: NOW }).finally(() => facts.close());
    const named = liveReport.verdicts.map((v) => `${v.role}:${v.cause}`);
    assert.deepEqual(named, [`top:${c.top}`, ...c.also.map((x) => `also:${x}`), ...c.explained.map((x) => `explained:${x}`)]);

    for (const out of [join(dir.path, `${c.fixture}-snap`), join(dir.path, `${c.fixture}.tar.gz`)]) {
      const f2 = live(c.fixture);
      const collected = await collectSnapshot({ facts: f2, out, now: NOW }).finally(() => f2.close());
      assert.deepEqual(analysis(collected.report), analysis(liveReport));
      const snap = await openSnapshot(out);
      try {
        assert.equal(snap.manifest?.collectedAt, NOW.toISOString());
        assert.match(snap.facts.describe(), /collected 2024-05-02T10:15:00\.000Z from context stage/);
        const offline = await runDoctor({ facts: snap.facts, now: new Date(snap.manifest!.collectedAt) });
        assert.deepEqual(analysis(offline), analysis(liveReport), out);
        assert.equal(offline.source.kind, 'snapshot');
      } finally {
        await snap.facts.close();
      }
      const texts = out.endsWith('.tar.gz') ? [gunzipSync(readFileSync(out)).toString('latin1')] : filesUnder(out).map((p) => readFileSync(p, 'utf8'));
      for (const t of texts) assertNoSecret(out, t);
      if (!out.endsWith('.tar.gz')) {
        const secrets = readFileSync(join(out, 'secrets.yaml'), 'utf8');
        assert.match(secrets, /grafana\.clientId: ""/);
        assert.ok(collected.files.some((n) => n.startsWith('logs/')), 'logs collected');
      }
    }
  });
}

test('reads that failed on the cluster fail the same way offline (a forbidden Secret, a forbidden namespace)', async () => {
  const limited = await startFakeKube({ fixtureDir: join(FIXTURES, 'incident'), server: serverCert, tokens: [TOKEN], forbidden: [/\/secrets\//, /^\/api\/v1\/namespaces\/[^/]+$/] });
  const kc = writeKubeconfig(join(dir.path, 'limited.kubeconfig'), limited.url, serverCert.certPem, { token: TOKEN });
  try {
    const liveReport = await (async () => { const f = LiveClusterFacts.fromKubeconfig({ kubeconfig: kc }); try { return await runDoctor({ facts: f, now: NOW }); } finally { await f.close(); } })();
    const out = join(dir.path, 'limited-snap');
    const f2 = LiveClusterFacts.fromKubeconfig({ kubeconfig: kc });
    await collectSnapshot({ facts: f2, out, now: NOW }).finally(() => f2.close());
    const snap = await openSnapshot(out);
    const offline = await runDoctor({ facts: snap.facts, now: NOW }).finally(() => snap.facts.close());
    assert.match(JSON.stringify(offline.checks.find((x) => x.id === 'credentials')), /cannot check the secret: .*forbidden \(403\)/);
    assert.deepEqual(analysis(offline), analysis(liveReport));
  } finally {
    await limited.close();
  }
});

const MAIN = new URL('./doctor-cli-main.ts', import.meta.url).pathname;
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'doctor', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', ...env }, timeout: 30_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('cli: doctor collect <archive>, then doctor --snapshot <archive>: the verdicts of doctor against the cluster', async () => {
  const kc = writeKubeconfig(join(dir.path, 'cli.kubeconfig'), kubes.get('crashloop-invalid-client')!.url, serverCert.certPem, { token: TOKEN });
  const archive = join(dir.path, 'cli-incident.tgz');
  const collected = await cli(['collect', '--kubeconfig', kc, archive]);
  assert.equal(collected.code, 0, collected.stderr);
  assert.match(collected.stdout, /collected \d+ object\(s\) and \d+ log\(s\) from context stage .* into .*cli-incident\.tgz \(Secrets: key names only\)/);
  assert.match(collected.stdout, /top verdict invalid-client-credentials/);
  const [fromCluster, fromArchive] = await Promise.all([cli(['--kubeconfig', kc, '-o', 'json']), cli(['--snapshot', archive, '-o', 'json'])]);
  assert.equal(fromCluster.code, 1, fromCluster.stderr);
  assert.equal(fromArchive.code, 1, fromArchive.stderr);
  const verdicts = (r: { stdout: string }) => (JSON.parse(r.stdout) as DoctorReport).verdicts;
  assert.deepEqual(verdicts(fromArchive), verdicts(fromCluster));
  assert.match((JSON.parse(fromArchive.stdout) as DoctorReport).source.description, /^snapshot .*cli-incident\.tgz \(collected .* from context stage/);
  assertNoSecret('the archive', gunzipSync(readFileSync(archive)).toString('latin1'));
  // An existing, non-empty directory is refused (no older file may mix in): exit 2.
  const again = await cli(['collect', '--kubeconfig', kc, FIXTURES]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /exists and is not empty/);
  const help = await cli(['collect', '--help']);
  assert.match(help.stdout, /Usage: obspath doctor collect \[options\] <out>/);
  assert.match(help.stdout, /Examples:[\s\S]*doctor --snapshot incident-42\.tar\.gz/);
});
