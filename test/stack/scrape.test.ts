// `obspath up` scrapes its own components: every 5 s the embedded store scrapes each component's /metrics,
// so `up` for every job is queryable through the stack (refresher -> API -> store), as the alert rules need.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePortRange, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath } from '../../tools/testing/procs.js';

const JOBS = ['fleet-manager', 'observatorium-api', 'probe', 'store', 'token-refresher'];

interface Vector { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }

// The two stacks are independent (own ports and data directories) and mostly wait for the 5 s scrapes: side by side.
describe('obspath up scrapes its own components', { concurrency: 2 }, () => {
  test('obspath up: `up` of every component is queryable through the stack', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const base = await freePortRange(13);
    const up = startObspath(['up', '--ports', String(base), '--data', dir.path]);
    try {
      await waitUntil(() => /obspath up: ready in/.test(up.output()), 30_000, `up ready\n${up.output()}`);
      const ports = (JSON.parse(readFileSync(join(dir.path, 'stack.json'), 'utf8')) as { ports: { refresher: number; store: number } }).ports;
      const query = async (base: string, q: string) => ((await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as Vector).data.result;
      const viaRefresher = `http://127.0.0.1:${ports.refresher}`;
      let seen: Record<string, string> = {};
      await waitUntil(async () => {
        seen = Object.fromEntries((await query(viaRefresher, 'up')).map((r) => [r.metric.job!, r.value[1]]));
        return JOBS.every((j) => seen[j] === '1');
      }, 30_000, `up == 1 for every job through the refresher (last: ${JSON.stringify(seen)})`);
      assert.deepEqual(Object.keys(seen).sort(), JOBS);
      const scraped = await query(viaRefresher, 'scrape_samples_scraped > 0');
      assert.deepEqual(scraped.map((r) => r.metric.job).sort(), JOBS, 'every component exposes samples');
      const own = await query(viaRefresher, 'token_refresher_up{job="token-refresher"}');
      assert.equal(own[0]?.value[1], '1', 'the components\' own metrics are stored with their job');
    } finally {
      up.child.kill('SIGINT');
      await waitUntil(() => up.child.exitCode !== null, 15_000, 'up exits on Ctrl-C');
      await dir.cleanup();
    }
  });

  test('obspath up --fault refresher-down: the store records up == 0 for the token refresher, 1 for the others', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const base = await freePortRange(13);
    const up = startObspath(['up', '--ports', String(base), '--data', dir.path, '--fault', 'refresher-down']);
    try {
      await waitUntil(() => /obspath up: ready in/.test(up.output()), 30_000, `up ready\n${up.output()}`);
      const ports = (JSON.parse(readFileSync(join(dir.path, 'stack.json'), 'utf8')) as { ports: { store: number } }).ports;
      let seen: Record<string, string> = {};
      await waitUntil(async () => {
        const res = (await (await fetch(`http://127.0.0.1:${ports.store}/api/v1/query?query=up`)).json()) as Vector;
        seen = Object.fromEntries(res.data.result.map((r) => [r.metric.job!, r.value[1]]));
        // Components start one after another: a first scrape may find one not yet listening.
        return JOBS.filter((x) => x !== 'token-refresher').every((j) => seen[j] === '1');
      }, 30_000, `up == 1 for every other job (last: ${JSON.stringify(seen)})`);
      assert.equal(seen['token-refresher'], '0');
    } finally {
      up.child.kill('SIGINT');
      await waitUntil(() => up.child.exitCode !== null, 15_000, 'up exits on Ctrl-C');
      await dir.cleanup();
    }
  });
});
