// A/B of two builds of the token refresher under the same load, interleaved: on a shared machine the load
// drifts within minutes, so "before" and "after" are measured in alternating rounds (with the Node floor as
// a third target), each round in a random order. Prints each target's CPU µs per request (server process)
// and req/s per round, then median and spread.
// Usage (BENCH_AFTER_TREE likewise for the "after" build, default this checkout): BENCH_BASE_TREE=<dir holding bin/obspath.js and dist/ of the "before" build> node --import tsx bench/ab-refresher.ts
// BENCH_ROUNDS (default 5), BENCH_DURATION_MS (default 4000), BENCH_CONCURRENCY (default 16).
import { join } from 'node:path';
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { OBSPATH_BIN, startProcess, type Proc } from '../tools/testing/procs.js';
import { startIssuerProc } from '../tools/testing/stack.js';
import { runWrk, type LoadResult } from './lib/load.js';
import { startNginx } from './lib/nginx.js';
import { startNodeFloor } from './lib/node-floor.js';

const BASE = process.env.BENCH_BASE_TREE;
// The "after" build: this checkout's unless BENCH_AFTER_TREE names another.
const AFTER_BIN = process.env.BENCH_AFTER_TREE ? join(process.env.BENCH_AFTER_TREE, 'bin', 'obspath.js') : OBSPATH_BIN;
if (!BASE) throw new Error('set BENCH_BASE_TREE to the directory of the "before" build (bin/ and dist/)');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PATH = '/api/v1/query?query=vector(1)';
const BODY = '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"1"]}]}}';

async function startRefresher(bin: string, issuerUrl: string, upstreamUrl: string): Promise<{ url: string; proc: Proc }> {
  const [web, internal] = [await freePort(), await freePort()];
  const proc = startProcess(process.execPath, [bin, 'token-refresher', '--oidc.issuer-url', issuerUrl, '--oidc.client-id', 'bench', '--url', upstreamUrl,
    '--web.listen', `127.0.0.1:${web}`, '--web.internal.listen', `127.0.0.1:${internal}`, '--log.level', 'warn'], { env: { CLIENT_SECRET: 'bench-secret' } });
  await waitUntil(() => httpOk(`http://127.0.0.1:${internal}/ready`), 15_000, `refresher ready\n${proc.output()}`);
  return { url: `http://127.0.0.1:${web}`, proc };
}

const dir = await tempDir('obspath-bench-ab-');
const upstreamPort = await freePort();
const upstream = await startNginx(upstreamPort, { server: `location / { default_type application/json; return 200 '${BODY}'; }` });
const issuer = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'bench', clientSecret: 'bench-secret' }] });
const floor = await startNodeFloor(upstream.url, 'Bearer static-token');
const before = await startRefresher(join(BASE, 'bin', 'obspath.js'), issuer.issuerUrl, upstream.url);
const after = await startRefresher(AFTER_BIN, issuer.issuerUrl, upstream.url);
const targets: Array<[string, { url: string; proc: Proc }]> = [['Node floor', floor], ['before', before], ['after', after]];
const results = new Map<string, LoadResult[]>(targets.map(([n]) => [n, []]));
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const order = [...targets].sort(() => Math.random() - 0.5);
    const line: string[] = [];
    for (const [name, t] of order) {
      const r = await runWrk({ name, url: t.url, path: PATH, concurrency: CONCURRENCY, durationMs: DURATION_MS, warmupMs: 1000, cpuPid: t.proc.child.pid });
      results.get(name)!.push(r);
      line.push(`${name} ${r.cpuUsPerReq!.toFixed(1)} µs/req ${r.rps.toFixed(0)} req/s`);
    }
    console.log(`round ${round} (load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}): ${line.join('; ')}`);
  }
  console.log(`\n| target | CPU µs/req median | min | max | req/s median |\n|---|---:|---:|---:|---:|`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [name] of targets) {
    const cpu = results.get(name)!.map((r) => r.cpuUsPerReq!);
    console.log(`| ${name} | ${median(cpu).toFixed(1)} | ${Math.min(...cpu).toFixed(1)} | ${Math.max(...cpu).toFixed(1)} | ${median(results.get(name)!.map((r) => r.rps)).toFixed(0)} |`);
  }
  // Paired by round (measured within seconds of each other), which cancels most of the load drift.
  const b = results.get('before')!;
  const ratios = results.get('after')!.map((r, i) => r.cpuUsPerReq! / b[i]!.cpuUsPerReq!);
  console.log(`after/before CPU µs/req per round ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(2)}`);
} finally {
  await after.proc.stop();
  await before.proc.stop();
  await floor.stop();
  await issuer.stop();
  await upstream.stop();
  await dir.cleanup();
}
