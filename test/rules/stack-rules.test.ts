// `obspath up` evaluates the bundle's alert rules (deploy/prometheus/alerts.yaml) in its own store: the store's
// /api/v1/rules lists every alert of the bundle, evaluated with health "ok"; a healthy stack has no firing alert.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freePortRange, tempDir, waitUntil } from '../../tools/testing/net.js';
import { REPO_ROOT, startObspath } from '../../tools/testing/procs.js';

interface RulesBody { data: { groups: Array<{ file: string; interval: number; rules: Array<{ name: string; type: string; health: string; state: string; lastError?: string }> }> } }

test('obspath up: the store evaluates the bundle\'s alert rules; a healthy stack fires none', async () => {
  const bundle = parse(readFileSync(join(REPO_ROOT, 'deploy', 'prometheus', 'alerts.yaml'), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string }> }> };
  const names = bundle.groups.flatMap((g) => g.rules.map((r) => r.alert)).sort();
  const dir = await tempDir();
  const up = startObspath(['up', '--ports', String(await freePortRange(13)), '--data', dir.path]);
  try {
    await waitUntil(() => /obspath up: ready in/.test(up.output()), 30_000, `up ready\n${up.output()}`);
    const { ports } = JSON.parse(readFileSync(join(dir.path, 'stack.json'), 'utf8')) as { ports: { store: number } };
    const store = `http://127.0.0.1:${ports.store}`;
    let body: RulesBody | undefined;
    await waitUntil(async () => {
      body = (await (await fetch(`${store}/api/v1/rules`)).json()) as RulesBody;
      return body.data.groups.length > 0 && body.data.groups.every((g) => g.rules.every((r) => r.health !== 'unknown'));
    }, 20_000, 'the bundle evaluated once');
    const rules = body!.data.groups.flatMap((g) => g.rules);
    assert.deepEqual(rules.map((r) => r.name).sort(), names);
    for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
    assert.equal(body!.data.groups[0]!.interval, 5);
    const metrics = await (await fetch(`${store}/metrics`)).text();
    const series = /^obspath_store_head_series (\d+)/m.exec(metrics)?.[1];
    const evalSeconds = /^obspath_rule_group_last_duration_seconds\{[^}]*\} ([\d.e+-]+)/m.exec(metrics)?.[1];
    console.log(`stack store: ${series} series; last evaluation of the bundle ${(Number(evalSeconds) * 1000).toFixed(2)} ms`);
    const alerts = (await (await fetch(`${store}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } };
    assert.deepEqual(alerts.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname), [], 'a healthy stack fires nothing');
  } finally {
    up.child.kill('SIGINT');
    await waitUntil(() => up.child.exitCode !== null, 15_000, 'up exits on Ctrl-C');
    await dir.cleanup();
  }
});
