// The doctor against a real `obspath token-refresher --workers 2`: the process a supervisor (or Kubernetes) sees
// is the primary, which restarts its workers itself. The doctor must say how many workers run, call workers that
// keep exiting a crash loop (not "running, 0 restarts"), and read the worker-exit lines of the log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, waitUntil } from '../../tools/testing/net.js';
import { startIssuerProc, startRefresherProc, type IssuerProc, type RefresherProc } from '../../tools/testing/stack.js';
import { runLiveRefresherHealthCheck } from '../../src/doctor/live/refresher.js';
import { DEFAULT_TIMEOUTS, type LiveTargets } from '../../src/doctor/live/targets.js';
import { runLocalLogsCheck } from '../../src/doctor/local/logs.js';
import { alive, startUpstream, type Upstream } from '../workers/helpers.js';

const SECRET = 'doctor-workers-secret-71c2';
let dir: { path: string; cleanup: () => Promise<void> };
let upstream: Upstream;
let issuer: IssuerProc;
let refresher: RefresherProc;

interface ReadyBody {
  workers: Array<{ id: number; pid: number; ready: boolean; restarts: number; crashLooping: boolean }>;
}

before(async () => {
  dir = await tempDir();
  upstream = await startUpstream();
  issuer = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'fm', clientSecret: SECRET }] });
  refresher = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'fm', clientSecret: SECRET, upstreamUrl: upstream.url, args: ['--workers', '2', '--log.level', 'info'], waitReady: false });
  // Three Node processes start on a shared 2-core machine: a generous bound.
  await waitUntil(async () => (await fetch(`${refresher.internalUrl}/ready`)).status === 200, 45_000, `refresher ready\n${refresher.proc.output()}`);
});

after(async () => {
  await refresher?.stop();
  await issuer?.stop();
  await upstream?.close();
  await dir.cleanup();
});

function targets(): LiveTargets {
  // The supervisor's view: one process, running, never restarted (it is the primary).
  return {
    origin: 'test', refresherInternalUrl: refresher.internalUrl, timeouts: DEFAULT_TIMEOUTS,
    components: [{ name: 'token-refresher', pid: refresher.proc.child.pid, running: true, restarts: 0, crashLooping: false }],
  };
}

async function readyWorkers(): Promise<ReadyBody['workers']> {
  return ((await (await fetch(`${refresher.internalUrl}/ready`)).json()) as ReadyBody).workers;
}

test('a healthy refresher with --workers 2: ok, and the report says 2 workers run, both ready', async () => {
  const check = await runLiveRefresherHealthCheck(targets());
  console.log(`${check.status}: ${check.summary}\n${check.evidence.map((e) => `  ${e.text}`).join('\n')}`);
  assert.equal(check.status, 'ok');
  assert.match(check.summary, /2 workers/);
  const line = check.evidence.find((e) => /worker process/.test(e.text));
  assert.ok(line, 'an evidence line about the workers');
  assert.match(line.text, /runs 2 worker process\(es\).*2 ready, 0 worker restart/);
  assert.deepEqual(check.suspects, []);
});

test('a worker that keeps exiting soon after start is refresher-crashloop, though the process never restarted', async () => {
  // Worker 1 dies three times, each time soon after its replacement started (backoff 250, 500, 1000 ms).
  for (let kill = 0; kill < 3; kill++) {
    const w = (await readyWorkers()).find((x) => x.id === 1)!;
    process.kill(w.pid, 'SIGKILL');
    await waitUntil(() => !alive(w.pid), 5000, 'worker 1 gone');
    await waitUntil(async () => (await readyWorkers()).some((x) => x.id === 1 && x.ready && x.pid !== w.pid), 30_000, `worker 1 back\n${refresher.proc.output()}`);
  }
  const check = await runLiveRefresherHealthCheck(targets());
  console.log(`${check.status}: ${check.summary}\n${check.evidence.map((e) => `  ${e.text}`).join('\n')}`);
  assert.equal(check.status, 'fail');
  const loop = check.suspects.find((s) => s.cause === 'refresher-crashloop');
  assert.equal(loop?.confidence, 'confirmed', JSON.stringify(check.suspects));
  assert.match(loop.because, /worker 1 .*3 restarts/);
  assert.match(check.evidence.map((e) => e.text).join('\n'), /3 worker restart\(s\), worker 1 crash looping/);

  // Step 1 over the same log, as `obspath up` would have written it: the exits are read, per worker.
  const logs = join(dir.path, 'logs');
  await mkdir(logs, { recursive: true });
  await writeFile(join(logs, 'token-refresher.log'), refresher.proc.output());
  const scan = await runLocalLogsCheck(logs, { tailLines: 2000, secrets: [SECRET] });
  const text = scan.evidence.map((e) => e.text).join('\n');
  console.log(`logs ${scan.status}: ${scan.summary}\n${text}`);
  assert.match(text, /token-refresher: 3 x "a worker process \(--workers\) exited and was restarted" \(worker 1\) -> refresher-crashloop/);
  assert.match(text, /token-refresher runs with --workers: its lines name worker 1 /);
  assert.doesNotMatch(text, /matching no known signature/);
  assert.ok(scan.suspects.some((s) => s.cause === 'refresher-crashloop' && s.confidence === 'possible'));
});
