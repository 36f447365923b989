// `obspath up` as a newcomer runs it: ready, a Kafka instance's metrics through the fleet manager, clean stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePortRange, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath } from '../../tools/testing/procs.js';

test('obspath up: ready, a Kafka instance\'s metrics come back through the fleet manager, Ctrl-C stops everything', async () => {
  const dir = await tempDir();
  const base = await freePortRange(13);
  const up = startObspath(['up', '--ports', String(base), '--data', dir.path]);
  try {
    await waitUntil(() => /obspath up: ready in/.test(up.output()), 20_000, `up ready\n${up.output()}`);
    const readyLine = /obspath up: ready in ([\d.]+) s(.*)/.exec(up.output())!;
    console.log(`obspath up ${readyLine[0]}`);
    assert.equal(readyLine[2], '', 'every component ready, no fault');
    // The stack's own doctor serve: the banner says where the verdict appears, and it answers there.
    const doctor = `http://127.0.0.1:${base + 10}`;
    assert.ok(up.output().includes(`The verdict appears at ${doctor}/api/v1/verdict (JSON) and ${doctor}/ (HTML report).`), up.output());
    assert.match(up.output(), /Alerts: the store evaluates deploy\/prometheus\/alerts\.yaml every 5 s -> doctor serve\./);
    assert.equal((await fetch(`${doctor}/ready`)).status, 200);
    assert.equal((await fetch(`${doctor}/api/v1/verdict`)).status, 404, 'no alert, no run yet');
    // The curl the README and the banner give, run as printed.
    const curl = /^TOKEN=.*\ncurl .*$/m.exec(up.output())![0];
    const issuer = /^TOKEN=\$\(curl -s -u ([^:]+):(\S+) -d grant_type=client_credentials (\S+) /m.exec(curl)!;
    const tok = await fetch(issuer[3]!, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${issuer[1]}:${issuer[2]}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    const token = ((await tok.json()) as { access_token: string }).access_token;
    const fmUrl = /curl -s -H "Authorization: Bearer \$TOKEN" '([^']+)'/.exec(curl)![1]!;
    let body: { kind?: string; items?: { metric: Record<string, string>; value: number }[] } = {};
    await waitUntil(async () => {
      const res = await fetch(fmUrl, { headers: { authorization: `Bearer ${token}` } });
      body = (await res.json()) as typeof body;
      return res.status === 200 && (body.items?.length ?? 0) > 0;
    }, 10_000, 'metrics through the fleet manager');
    assert.equal(body.kind, 'MetricsInstantQueryList');
    assert.ok(body.items!.every((i) => i.metric.__name__ === 'kafka_server_brokertopicmetrics_bytes_in_total'));
    assert.ok(body.items!.some((i) => i.metric.topic === 'orders'));
    assert.ok(!body.items!.some((i) => i.metric.topic === '__consumer_offsets'), 'internal topics filtered as in the Go original');
    const state = JSON.parse(readFileSync(join(dir.path, 'stack.json'), 'utf8')) as { ports: { fleetManagerMetrics: number; probe: number } };
    await waitUntil(async () => /^up_probe_success 1$/m.test(await (await fetch(`http://127.0.0.1:${state.ports.probe}/metrics`)).text()), 15_000, 'the probe reports success');
    const metrics = await (await fetch(`http://127.0.0.1:${state.ports.fleetManagerMetrics}/metrics`)).text();
    assert.match(metrics, /kas_fleet_manager_observatorium_request_count\{code="200",method="POST",path="\/api\/v1\/query"\} \d+/);
  } finally {
    up.child.kill('SIGINT');
    await waitUntil(() => up.child.exitCode !== null, 15_000, 'up exits on Ctrl-C');
    assert.equal(up.child.exitCode, 0);
    assert.match(up.output(), /"msg":"stopped"/);
    await dir.cleanup();
  }
});

test('obspath up --list-faults prints the catalog; an unknown fault is refused', async () => {
  const list = startObspath(['up', '--list-faults']);
  await waitUntil(() => list.child.exitCode !== null, 10_000, 'list-faults exits');
  assert.equal(list.child.exitCode, 0);
  for (const f of ['wrong-url-host', 'missing-client-id', 'refresher-blackholed', 'backend-slow', 'audience-mismatch']) assert.match(list.output(), new RegExp(`^${f} `, 'm'));
  const bad = startObspath(['up', '--fault', 'gremlins', '--data', '/nonexistent-obspath-dir']);
  await waitUntil(() => bad.child.exitCode !== null, 10_000, 'bad fault exits');
  assert.equal(bad.child.exitCode, 1);
  assert.match(bad.output(), /unknown fault "gremlins"/);
});

test('obspath up --alertmanager without Debian\'s prometheus-alertmanager on PATH: a clear error, nothing started', async () => {
  const dir = await tempDir();
  const empty = await tempDir();
  const up = startObspath(['up', '--alertmanager', '--ports', String(await freePortRange(13)), '--data', dir.path], { PATH: empty.path });
  try {
    await waitUntil(() => up.child.exitCode !== null, 15_000, `up exits\n${up.output()}`);
    assert.equal(up.child.exitCode, 1);
    assert.match(up.output(), /--alertmanager: prometheus-alertmanager is not on PATH; install it \(Debian\/Ubuntu: apt-get install prometheus-alertmanager\)/);
    assert.doesNotMatch(up.output(), /ready in/);
  } finally {
    await up.kill();
    await dir.cleanup();
    await empty.cleanup();
  }
});
