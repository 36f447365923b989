// What scraping and rule evaluation cost the store on the running stack: `obspath up` runs; beside it three more
// stores on the same machine: one idle, one scraping the stack's five components every 5 s with the stack's own
// scrape file, and one doing that and evaluating the stack's alert rules every 5 s.
// Over the same window (SCRAPE_BENCH_SECONDS, default 60) it prints each one's CPU time (user + system, from
// /proc) and resident memory, and the same for the stack's own store (scraping, plus the stack's remote writes).
// Run: node --import tsx bench/scrape-cost.ts  (Linux; builds nothing: run `npm run build` first).
import { readFileSync, readdirSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort, freePortRange, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { storeNodeEnv } from '../src/config/store-node-options.js';
import { startObspath, type Proc } from '../tools/testing/procs.js';

const SECONDS = Number(process.env.SCRAPE_BENCH_SECONDS ?? 60);
const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim());

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14 and 15)
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** The pid of the stack's store: the process whose command line has `store --storage.path <data>/store`. */
function stackStorePid(dataDir: string): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const i = args.indexOf('--storage.path');
      if (args.includes('store') && i >= 0 && args[i + 1] === join(dataDir, 'store')) return Number(name);
    } catch {
      /* gone meanwhile */
    }
  }
  throw new Error('the stack\'s store process was not found');
}

async function startStore(dir: string, extra: string[]): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const proc = startObspath(['store', '--storage.path', dir, '--web.listen', `127.0.0.1:${port}`, '--storage.fsync', 'batch', '--log.level', 'warn', ...extra], storeNodeEnv(process.env));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(() => httpOk(`${url}/-/ready`), 30_000, `store ready\n${proc.output()}`);
  return { proc, url };
}

async function main(): Promise<void> {
  const dir = await tempDir('obspath-scrape-bench-');
  const up = startObspath(['up', '--ports', String(await freePortRange(13)), '--data', join(dir.path, 'stack'), '--log.level', 'warn']);
  const stores: Proc[] = [];
  try {
    await waitUntil(() => /obspath up: ready in/.test(up.output()), 60_000, `up ready\n${up.output()}`);
    const idle = await startStore(join(dir.path, 'idle'), []);
    const scraping = await startStore(join(dir.path, 'scraping'), ['--config.file', join(dir.path, 'stack', 'config', 'scrape.yaml')]);
    // As the stack's store: the same scrapes plus the bundle evaluated every 5 s (no Alertmanager: a healthy stack fires nothing).
    const rules = await startStore(join(dir.path, 'rules'), ['--config.file', join(dir.path, 'stack', 'config', 'scrape.yaml'), '--rules.file', join(dir.path, 'stack', 'config', 'alerts.yaml'), '--rules.evaluation-interval', '5s']);
    stores.push(idle.proc, scraping.proc, rules.proc);
    await new Promise((r) => setTimeout(r, 12_000)); // past the first scrape of every target, and JIT warm-up
    const pids = { idle: idle.proc.child.pid!, scraping: scraping.proc.child.pid!, 'scraping + rules': rules.proc.child.pid!, 'stack store': stackStorePid(join(dir.path, 'stack')) };
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
    const maxRss: Record<string, number> = {};
    for (let t = 0; t < SECONDS; t += 5) {
      await new Promise((r) => setTimeout(r, Math.min(5, SECONDS - t) * 1000));
      for (const [k, pid] of Object.entries(pids)) maxRss[k] = Math.max(maxRss[k] ?? 0, rssMiB(pid));
    }
    const q = async (url: string, expr: string) => ((await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { data: { result: { value: [number, string] }[] } }).data.result.map((r) => r.value[1]);
    console.log(`window: ${SECONDS} s; targets scraped: ${(await q(scraping.url, 'count(up == 1)'))[0]} of ${(await q(scraping.url, 'count(up)'))[0]}; samples per scrape cycle: ${(await q(scraping.url, 'sum(scrape_samples_scraped)'))[0]}; mean scrape duration: ${(Number((await q(scraping.url, 'avg(avg_over_time(scrape_duration_seconds[1m]))'))[0]) * 1000).toFixed(1)} ms`);
    console.log('| store | CPU time in window (s) | CPU % of one core | RSS at end (MiB) | max RSS (MiB) |');
    console.log('|---|---|---|---|---|');
    for (const [k, pid] of Object.entries(pids)) {
      const used = cpuSeconds(pid) - cpu0[k]!;
      console.log(`| ${k} | ${used.toFixed(2)} | ${((100 * used) / SECONDS).toFixed(2)} | ${rssMiB(pid).toFixed(1)} | ${maxRss[k]!.toFixed(1)} |`);
    }
  } finally {
    await Promise.all(stores.map((s) => s.stop()));
    up.child.kill('SIGINT');
    await waitUntil(() => up.child.exitCode !== null, 20_000, 'up exits').catch(() => up.kill());
    await dir.cleanup();
  }
}

await main();
