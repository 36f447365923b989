// `obspath store --config.file`: a bad file stops the start with exit 2 and the field named; SIGHUP reloads
// the file (a removed target's series end at once, a new target is scraped); a bad reload keeps the old one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath } from '../../tools/testing/procs.js';

async function target(body: string): Promise<{ address: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    hits: () => hits,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const config = (address: string) => stringify({ scrape_configs: [{ job_name: 'app', scrape_interval: '1s', scrape_timeout: '1s', static_configs: [{ targets: [address] }] }] });

test('an invalid scrape configuration stops the store at start with exit 2, naming the field', async () => {
  const dir = await tempDir('obspath-scrape-cli-');
  try {
    const file = join(dir.path, 'scrape.yml');
    writeFileSync(file, 'scrape_configs:\n  - job_name: app\n    scrape_interval: 5s\n    scrape_timeout: 10s\n');
    const store = startObspath(['store', '--storage.path', join(dir.path, 'data'), '--web.listen', `127.0.0.1:${await freePort()}`, '--scrape.config-file', file]);
    await waitUntil(() => store.child.exitCode !== null, 20_000, 'the store exits');
    assert.equal(store.child.exitCode, 2);
    assert.match(store.output(), /scrape_configs\[0\]\.scrape_timeout \(file .*scrape\.yml\): scrape timeout greater than scrape interval/);
  } finally {
    await dir.cleanup();
  }
});

test('SIGHUP reloads the scrape configuration; a bad file on reload keeps the running one', { timeout: 90_000 }, async () => {
  const dir = await tempDir('obspath-scrape-cli-');
  const one = await target('first_metric 1\n');
  const two = await target('second_metric 2\n');
  const file = join(dir.path, 'scrape.yml');
  writeFileSync(file, config(one.address));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const store = startObspath(['store', '--storage.path', join(dir.path, 'data'), '--web.listen', `127.0.0.1:${port}`, '--config.file', file, '--storage.fsync', 'off']);
  const values = async (q: string) => ((await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: { value: [number, string] }[] } }).data.result.map((r) => r.value[1]);
  try {
    await waitUntil(() => httpOk(`${url}/-/ready`), 20_000, `store ready\n${store.output()}`);
    await waitUntil(async () => (await values('first_metric')).length === 1, 20_000, 'first target scraped');
    writeFileSync(file, config(two.address));
    store.child.kill('SIGHUP');
    await waitUntil(async () => (await values('second_metric')).length === 1, 20_000, `second target scraped after SIGHUP\n${store.output()}`);
    assert.deepEqual(await values('first_metric'), [], 'the removed target\'s series are stale');
    const targets = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: { scrapeUrl: string; health: string }[] } };
    assert.deepEqual(targets.data.activeTargets.map((t) => t.scrapeUrl), [`http://${two.address}/metrics`]);
    writeFileSync(file, 'scrape_configs: [{ job_name: app, nonsense: 1 }]\n');
    store.child.kill('SIGHUP');
    await waitUntil(() => /scrape configuration reload failed/.test(store.output()), 20_000, 'the failed reload is logged');
    assert.match(store.output(), /unknown field \\"nonsense\\"/);
    const hits = two.hits();
    await waitUntil(() => two.hits() > hits, 20_000, 'the running configuration still scrapes');
    assert.equal(store.child.exitCode, null);
  } finally {
    await store.stop();
    await one.close();
    await two.close();
    await dir.cleanup();
  }
});
