// What the image would hold, proven without a container engine: the packed runtime tree (dist/, bin/, production
// dependencies) runs `obspath --help`, and every Deployment of deploy/kubernetes (its args, env and ConfigMap
// mounts) starts from it with a read-only root filesystem, as UID 65532, with only loopback networking.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../../tools/testing/net.js';
import { render, type K8sObject } from '../deploy/render.js';
import { buildRuntimeTree, POD_UID, sandboxed, type Mount } from './runtime-tree.js';

const run = promisify(execFile);
const IMAGE_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', NODE_ENV: 'production', HOME: '/nonexistent' };

let dir: Awaited<ReturnType<typeof tempDir>>;
let app: string;
before(async () => {
  dir = await tempDir('obspath-image-');
  app = await buildRuntimeTree(dir.path);
});
after(async () => dir?.cleanup());

test('the runtime tree holds bin/, dist/ with source maps, the alert bundle and production dependencies only', () => {
  assert.deepEqual(readdirSync(app).sort(), ['README.md', 'bin', 'deploy', 'dist', 'node_modules', 'package-lock.json', 'package.json', 'src']);
  // The console's page (plain ES modules and CSS, served by dist/stack/console/ui.js from ../../../src/stack/console/ui/); no other source ships.
  assert.deepEqual(readdirSync(join(app, 'src'), { recursive: true }).map(String).filter((f) => !f.startsWith(join('stack', 'console', 'ui'))).sort(), ['stack', join('stack', 'console')]);
  assert.ok(existsSync(join(app, 'src', 'stack', 'console', 'ui', 'index.html')));
  // `obspath up` evaluates the bundle (dist/stack/watch.js reads ../../deploy/prometheus/alerts.yaml); nothing else of deploy/ ships.
  assert.deepEqual(readdirSync(join(app, 'deploy'), { recursive: true }).map(String).sort(), ['prometheus', join('prometheus', 'alerts.yaml')]);
  assert.equal(readFileSync(join(app, 'deploy', 'prometheus', 'alerts.yaml'), 'utf8'), readFileSync(new URL('../../deploy/prometheus/alerts.yaml', import.meta.url), 'utf8'));
  assert.ok(existsSync(join(app, 'dist', 'stack', 'watch.js')));
  assert.ok(existsSync(join(app, 'dist', 'cli', 'main.js')) && existsSync(join(app, 'dist', 'cli', 'main.js.map')));
  assert.ok(!existsSync(join(app, 'dist', '.tsbuildinfo')));
  for (const dev of ['typescript', 'tsx', 'protobufjs', '@types', 'esbuild', 'playwright-core']) assert.ok(!existsSync(join(app, 'node_modules', dev)), `${dev} is a dev dependency`);
  for (const prod of ['commander', 'fastify', 'oidc-provider', '@prometheus-io/lezer-promql', '@lezer/lr', 'uplot', 'htm']) assert.ok(existsSync(join(app, 'node_modules', prod)), prod);
});

test('obspath --help runs from the tree read-only, as a non-root UID; stack traces name .ts lines', async () => {
  const [cmd, args] = sandboxed([], IMAGE_ENV, [process.execPath, join(app, 'bin', 'obspath.js'), '--help']);
  const help = await run(cmd, args);
  assert.match(help.stdout, /Usage: obspath \[options\] \[command\]/);
  assert.match(help.stdout, /token-refresher \[options\]/);
  // Source maps: an uncaught error's trace names the TypeScript file (the sources need not be there).
  const script = `process.setSourceMapsEnabled(true); const m = await import(${JSON.stringify(join(app, 'dist', 'promql', 'parser.js'))}); try { m.parseExpr('sum((') } catch (e) { console.log(e.stack) }`;
  const trace = await run(...sandboxed([], IMAGE_ENV, [process.execPath, '--input-type=module', '-e', script]));
  assert.match(trace.stdout, /src\/promql\/parser\.ts:\d+:\d+/);
});

interface Report {
  uid: number; writes: Record<string, string>; listening: number[]; msToListen?: number; exitCode: number | null; output: string;
  liveness?: { status: number; body: string }; readiness?: { status: number; body: string };
}

/** Starts one Deployment's container in the sandbox with pod-runner.mjs and returns its report. */
async function startDeployment(d: K8sObject, objs: K8sObject[], runner: string): Promise<Report> {
  const pod = d.spec.template.spec;
  const c = pod.containers[0];
  const mounts: Mount[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const vol = pod.volumes.find((v: { name: string }) => v.name === vm.name);
    if (vol.emptyDir) { mounts.push({ path: vm.mountPath, emptyDir: true }); continue; }
    const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === vol.configMap.name)!;
    const src = join(dir.path, 'volumes', d.metadata.name, vm.name);
    mkdirSync(src, { recursive: true });
    for (const [file, text] of Object.entries(cm.data!)) writeFileSync(join(src, file), text, { mode: 0o644 });
    mounts.push({ path: vm.mountPath, source: src });
  }
  // Secrets are not in the manifests: each secretKeyRef gets a stand-in value.
  const env: Record<string, string> = { ...IMAGE_ENV };
  for (const e of c.env ?? []) env[e.name] = e.value ?? `secret-${e.valueFrom.secretKeyRef.key}`;
  const port = (name: string | number) => (typeof name === 'number' ? name : c.ports.find((p: { name: string }) => p.name === name).containerPort);
  const spec = {
    command: [join(app, 'bin', 'obspath.js'), ...(c.command ?? []), ...c.args], env,
    ports: c.ports.map((p: { containerPort: number }) => p.containerPort),
    liveness: { path: c.livenessProbe.httpGet.path, port: port(c.livenessProbe.httpGet.port) },
    readiness: { path: c.readinessProbe.httpGet.path, port: port(c.readinessProbe.httpGet.port) },
    writeChecks: [join(app, 'write-check'), join(app, 'dist', 'write-check'), '/write-check', ...mounts.map((m) => join(m.path, 'write-check'))],
    timeoutMs: 60_000, probeWindowMs: 5_000,
  };
  const [cmd, args] = sandboxed(mounts, { ...IMAGE_ENV, POD_SPEC: JSON.stringify(spec) }, [process.execPath, runner]);
  const { stdout } = await run(cmd, args, { timeout: 90_000, maxBuffer: 4 << 20 });
  return JSON.parse(stdout) as Report;
}

test('every Deployment starts from the runtime tree with a read-only root as UID 65532: its ports listen and its probes answer', async () => {
  const runner = join(dir.path, 'pod-runner.mjs');
  copyFileSync(join(import.meta.dirname, 'pod-runner.mjs'), runner);
  const objs = render('stage');
  const deployments = objs.filter((o) => o.kind === 'Deployment');
  assert.equal(deployments.length, 3);
  for (const d of deployments) {
    const r = await startDeployment(d, objs, runner);
    const name = d.metadata.name;
    const why = `${name}:\n${r.output}`;
    assert.equal(r.uid, POD_UID, why);
    for (const [path, outcome] of Object.entries(r.writes)) assert.match(outcome, /^(EROFS|EACCES)$/, `${name}: writing ${path} gave ${outcome}`);
    assert.equal(r.exitCode, null, `${name} exited: ${why}`);
    assert.deepEqual(r.listening, d.spec.template.spec.containers[0].ports.map((p: { containerPort: number }) => p.containerPort), why);
    assert.equal(r.liveness?.status, 200, why);
    console.log(`${name}: listening after ${r.msToListen} ms; readiness ${r.readiness?.status} ${r.readiness?.body}`);
    if (name === 'kas-fleet-manager') assert.equal(r.readiness?.status, 200, why);
    else {
      // Ready needs the outside world (sso.redhat.com, Thanos, Observatorium), which the sandbox has none of:
      // the probe must answer 503 and name that cause, not fail for a reason of the image's own.
      assert.equal(r.readiness?.status, 503, why);
      assert.match(r.readiness!.body, /sso\.redhat\.com|issuer|thanos|unreachable/i, why);
    }
  }
});
