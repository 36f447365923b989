// One target exposing N distinct series (argument, default 100000): how long one scrape takes the store, the
// longest the event loop waits meanwhile (the store keeps answering queries and remote writes), and memory.
// Two rounds: the first creates the series, the second finds them in the scrape cache.
// Run: node --import tsx bench/scrape-large-body.ts 900000
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { Store } from '../src/store/store.js';
import { scrapeConfigFrom } from '../src/store/scrape/config.js';
import { ScrapeAuth } from '../src/store/scrape/fetch.js';
import { targetLabels } from '../src/store/scrape/labels.js';
import { ScrapeLoop } from '../src/store/scrape/loop.js';
const n = Number(process.argv[2] ?? 100000);
let body = '';
for (let i = 0; i < n; i++) body += `m{a="${i}"} ${i}\n`;
const server = createServer((_q, r) => r.end(body));
await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
const addr = `127.0.0.1:${(server.address() as { port: number }).port}`;
const store = await Store.open({ dir: mkdtempSync(join(tmpdir(), 'obspath-scrape-big-')), fsync: 'off', maintenanceIntervalMs: 0 });
const job = scrapeConfigFrom({ scrape_configs: [{ job_name: 'big', scrape_interval: '1m', static_configs: [{ targets: [addr] }] }] }).jobs[0]!;
const loop = new ScrapeLoop(job, `http://${addr}/metrics`, targetLabels('big', addr, {}), { store, dispatcher: new Agent(), auth: new ScrapeAuth(job), jitterSeed: 0n, timestampToleranceMs: 2 });
for (const round of [1, 2]) {
  let maxGap = 0; let last = performance.now();
  const t = setInterval(() => { const now = performance.now(); maxGap = Math.max(maxGap, now - last); last = now; }, 5);
  const t0 = performance.now();
  const r = await loop.scrapeOnce();
  clearInterval(t);
  console.log(`round ${round}: ${(body.length / 1048576).toFixed(1)} MiB, ${r.samplesScraped} samples, up=${r.up}, ${(performance.now() - t0).toFixed(0)} ms, longest event-loop gap ${maxGap.toFixed(0)} ms, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
}
process.exit(0);
