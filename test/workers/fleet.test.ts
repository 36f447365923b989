// `obspath fleet-manager --workers 2`: two workers serve the metrics API, the primary the internal listener
// (readiness over both, /metrics summed). Observatorium is a loopback Prometheus-shaped upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { issuerToken, writeInstances } from '../../tools/testing/fleet.js';
import { startObspath, type Proc } from '../../tools/testing/procs.js';
import { metricValue, startIssuerProc, type IssuerProc } from '../../tools/testing/stack.js';
import { fresh, startUpstream, type Upstream } from './helpers.js';

const SECRET = 'fleet-workers-secret';
const KAFKA = 'c9kafka000000000000g';
let dir: { path: string; cleanup: () => Promise<void> };
let upstream: Upstream;
let issuer: IssuerProc;
let fleet: Proc;
let apiUrl: string;
let internalUrl: string;

before(async () => {
  dir = await tempDir();
  upstream = await startUpstream();
  issuer = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'alice', clientSecret: SECRET, claims: { org_id: '12345', username: 'alice' } }] });
  const instances = await writeInstances(dir.path, 'kafkas.yaml', [{ id: KAFKA, name: 'k', org_id: '12345', owner: 'alice' }]);
  const [api, internal] = [await freePort(), await freePort()];
  apiUrl = `http://127.0.0.1:${api}`;
  internalUrl = `http://127.0.0.1:${internal}`;
  fleet = startObspath([
    'fleet-manager', '--workers', '2', '--instances-file', instances, '--observatorium-gateway', upstream.url, '--token-issuer-url', issuer.issuerUrl,
    '--api-server-bindaddress', `127.0.0.1:${api}`, '--metrics-server-bindaddress', `127.0.0.1:${internal}`,
  ], { OBSERVATORIUM_TOKEN: 'static-token' });
  await waitUntil(() => httpOk(`${internalUrl}/ready`), 45_000, `fleet ready\n${fleet.output()}`);
});

after(async () => {
  await fleet?.stop();
  await issuer?.stop();
  await upstream?.close();
  await dir.cleanup();
});

test('two workers both answer the metrics API; the primary sums their /metrics', async () => {
  const token = await issuerToken(issuer.issuerUrl, 'alice', SECRET);
  const answers = [];
  for (let i = 0; i < 16; i++) answers.push(await fresh(`${apiUrl}/api/kafkas_mgmt/v1/kafkas/${KAFKA}/metrics/query`, { authorization: `Bearer ${token}` }));
  assert.deepEqual(answers.map((a) => a.status), Array(16).fill(200), answers[0]!.body);
  assert.equal(new Set(answers.map((a) => a.worker)).size, 2);
  const metrics = await (await fetch(`${internalUrl}/metrics`)).text();
  const calls = [...metrics.matchAll(/^kas_fleet_manager_observatorium_request_count\{[^}]*code="200"[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(calls, upstream.auth.filter((a) => a === 'Bearer static-token').length);
  assert.ok(calls >= 16);
  assert.ok(metricValue(metrics, 'process_cpu_seconds_total') !== undefined);
  const ready = (await (await fetch(`${internalUrl}/ready`)).json()) as { instances: number; workers: unknown[] };
  assert.equal(ready.instances, 1);
  assert.equal(ready.workers.length, 2);
});
