// Garbage collections per 100k proxied requests, the refresher against the Node floor (same upstream, same
// request, a token of the same size): a count that other load on the machine does not change. Also prints
// each process's CPU per request split by thread (main / V8's platform workers) and user / system time,
// which tells JavaScript work, kernel socket work and background GC or compilation apart.
// Usage: node --import tsx bench/gc-count.ts [tree] — BENCH_REQUESTS (default 100000), BENCH_CONCURRENCY (16),
// BENCH_LOG_LEVEL (default warn), BENCH_NODE_ARGS (default --trace-gc; the GC counts need it); BENCH_GC_LINES=1 prints the mark-compact lines.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'undici';
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { OBSPATH_BIN, startProcess, type Proc } from '../tools/testing/procs.js';
import { startIssuerProc } from '../tools/testing/stack.js';
import { getToken, SECRET } from '../tools/testing/api.js';
import { startNginx } from './lib/nginx.js';
import { startNodeFloor } from './lib/node-floor.js';

const tree = process.argv[2];
const BIN = tree ? join(tree, 'bin', 'obspath.js') : OBSPATH_BIN;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PATH = '/api/v1/query?query=vector(1)';
const BODY = '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"1"]}]}}';

async function send(url: string, n: number): Promise<void> {
  const pool = new Pool(url, { connections: CONCURRENCY });
  let left = n;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (left-- > 0) {
      const res = await pool.request({ path: PATH, method: 'GET' });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    }
  }));
  await pool.close();
}

/** Scavenges and mark-compacts in the --trace-gc output written while `n` requests ran (after a warm-up). */
/** CPU ticks (user, system) of each thread of `pid`, by thread name. */
function threadTicks(pid: number): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = tid === String(pid) ? 'main' : /\((.*)\)/.exec(stat)![1]!;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const prev = out.get(name) ?? [0, 0];
    out.set(name, [prev[0] + Number(f[11]), prev[1] + Number(f[12])]);
  }
  return out;
}

async function count(name: string, url: string, proc: Proc): Promise<void> {
  await send(url, 5000);
  const from = proc.output().length;
  const ticks = threadTicks(proc.child.pid!);
  await send(url, REQUESTS);
  const after = threadTicks(proc.child.pid!);
  const us = (t: number) => ((t * 10_000) / REQUESTS).toFixed(1);
  console.log(`${name} CPU µs per request by thread (user/system): ${[...after].map(([n, [u, s]]) => [n, u - (ticks.get(n)?.[0] ?? 0), s - (ticks.get(n)?.[1] ?? 0)] as const).filter(([, u, s]) => u + s > 0).map(([n, u, s]) => `${n} ${us(u)}/${us(s)}`).join(', ')}`);
  const text = proc.output().slice(from);
  const scavenges = text.match(/Scavenge/g)?.length ?? 0;
  const compacts = text.match(/Mark-Compact/g)?.length ?? 0;
  if (process.env.BENCH_GC_LINES) console.log(text.split('\n').filter((l) => l.includes('Mark-Compact')).join('\n'));
  console.log(`${name}: ${REQUESTS} requests, ${scavenges} scavenges (${Math.round(REQUESTS / Math.max(1, scavenges))} requests per scavenge), ${compacts} mark-compacts`);
}

const dir = await tempDir('obspath-bench-gc-');
const stops: Array<() => Promise<void>> = [];
try {
  const upstream = await startNginx(await freePort(), { server: `location / { default_type application/json; return 200 '${BODY}'; }` });
  stops.push(() => upstream.stop());
  const issuer = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'bench', clientSecret: SECRET }], wait: false });
  stops.push(() => issuer.stop());
  await waitUntil(() => httpOk(`${issuer.baseUrl}/health`), 120_000, `issuer\n${issuer.proc.output()}`);
  process.env.BENCH_FLOOR_NODE_ARGS = '--trace-gc';
  const floor = await startNodeFloor(upstream.url, `Bearer ${await getToken(issuer.issuerUrl, 'bench')}`);
  stops.push(() => floor.stop());
  const [web, internal] = [await freePort(), await freePort()];
  const refresher = startProcess(process.execPath, ['--trace-gc', BIN, 'token-refresher', '--oidc.issuer-url', issuer.issuerUrl, '--oidc.client-id', 'bench', '--url', upstream.url,
    '--web.listen', `127.0.0.1:${web}`, '--web.internal.listen', `127.0.0.1:${internal}`, '--log.level', process.env.BENCH_LOG_LEVEL ?? 'warn'], { env: { CLIENT_SECRET: SECRET } });
  stops.push(() => refresher.stop());
  await waitUntil(() => httpOk(`http://127.0.0.1:${internal}/ready`), 120_000, `refresher ready\n${refresher.output()}`);
  await count('Node floor', floor.url, floor.proc);
  await count(`refresher ${tree ?? 'this checkout'}`, `http://127.0.0.1:${web}`, refresher);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await dir.cleanup();
}
