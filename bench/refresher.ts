// npm run bench:refresher — the same load, in one run: straight to a cheap upstream, through nginx as a
// plain reverse proxy, through the Node floor (bare node:http + undici, bench/lib/node-floor-server.ts) and
// through `obspath token-refresher`. Prints req/s, p50/p99, each server's CPU time per request and the
// ratios. BENCH_DURATION_MS (default 5000), BENCH_CONCURRENCY (default 16,64); BENCH_REFRESHER_NODE_ARGS=
// '--cpu-prof --cpu-prof-dir=prof' profiles the refresher process. BENCH_WORKERS (default 1; e.g. 1,2) runs one
// refresher per --workers count, each its own row (CPU counts the primary and its workers).
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { startIssuerProc, startRefresherProc } from '../tools/testing/stack.js';
import { printResults, ratio, runWrk, type LoadResult } from './lib/load.js';
import { startNginx } from './lib/nginx.js';
import { startNodeFloor } from './lib/node-floor.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '16,64').split(',').map(Number);
const WORKERS = (process.env.BENCH_WORKERS ?? '1').split(',').map(Number);
const PATH = '/api/v1/query?query=vector(1)';
const BODY = '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"1"]}]}}';

const dir = await tempDir('obspath-bench-');
const upstreamPort = await freePort();
// The upstream: nginx answering a fixed Prometheus-shaped body, cheap enough that the hops dominate.
const upstream = await startNginx(upstreamPort, { server: `location / { default_type application/json; return 200 '${BODY}'; }` });
const proxyPort = await freePort();
const proxy = await startNginx(proxyPort, {
  http: `upstream obs { server 127.0.0.1:${upstreamPort}; keepalive 256; }`,
  server: `location / { proxy_pass http://obs; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Authorization "Bearer static-token"; }`,
});
const issuer = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'bench', clientSecret: 'bench-secret' }] });
const floor = await startNodeFloor(upstream.url, 'Bearer static-token');
const refreshers = [];
for (const workers of WORKERS) {
  const refresher = await startRefresherProc({
    issuerUrl: issuer.issuerUrl, clientId: 'bench', clientSecret: 'bench-secret', upstreamUrl: upstream.url, args: ['--log.level', 'warn', '--workers', String(workers)],
    nodeArgs: (process.env.BENCH_REFRESHER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  });
  await waitUntil(() => httpOk(`${refresher.internalUrl}/ready`), 10_000, 'refresher ready');
  refreshers.push({ name: workers === 1 ? 'obspath token-refresher' : `obspath token-refresher, ${workers} workers`, url: refresher.proxyUrl, proc: refresher.proc, stop: () => refresher.stop() });
}

try {
  for (const concurrency of CONCURRENCY) {
    const rows: LoadResult[] = [];
    const targets = [{ name: 'direct', ...upstream }, { name: 'nginx proxy', ...proxy }, { name: 'Node floor (node:http + undici)', ...floor }, ...refreshers];
    for (const { name, url, proc } of targets) {
      rows.push(await runWrk({ name, url, path: PATH, concurrency, durationMs: DURATION_MS, warmupMs: 1000, cpuPid: proc.child.pid }));
    }
    const [direct, nginx, node, ...ourRows] = rows as [LoadResult, LoadResult, LoadResult, ...LoadResult[]];
    printResults(`refresher benchmark (wrk, 1 thread): GET ${PATH}, concurrency ${concurrency}, ${DURATION_MS} ms per target`, rows);
    for (const ours of ourRows) console.log(`ratios (${ours.name}): req/s refresher/floor ${ratio(ours.rps, node.rps)}, refresher/nginx ${ratio(ours.rps, nginx.rps)}, refresher/direct ${ratio(ours.rps, direct.rps)}; ` +
      `p99 refresher/nginx ${ratio(ours.p99Ms, nginx.p99Ms)}, refresher/floor ${ratio(ours.p99Ms, node.p99Ms)}; ` +
      `CPU per request refresher/floor ${ratio(ours.cpuUsPerReq!, node.cpuUsPerReq!)}, refresher/nginx ${ratio(ours.cpuUsPerReq!, nginx.cpuUsPerReq!)}`);
    if (ourRows.length > 1) console.log(`workers: req/s ${ourRows.map((r, i) => `${WORKERS[i]}: ${ratio(r.rps, ourRows[0]!.rps)}`).join(', ')} of ${WORKERS[0]} worker(s)`);
  }
} finally {
  for (const r of refreshers) await r.stop();
  await floor.stop();
  await issuer.stop();
  await proxy.stop();
  await upstream.stop();
  await dir.cleanup();
}
