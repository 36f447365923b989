// npm run bench:api — in one run, the same load straight to Prometheus, through nginx as a plain reverse
// proxy, through the Node floor (bare node:http + undici, bench/lib/node-floor-server.ts) and through
// `obspath api` with authentication (RS256 JWT from `obspath issuer`), RBAC and tenant enforcement on:
// GET /api/v1/query with a cheap query, and POST remote write of a fixed batch (closed loop, wrk), then the
// query at a fixed arrival rate (open loop, latency from the due time) for the p99 the API adds.
// Prints req/s, p50/p99, each server's CPU time per request and the ratios. BENCH_DURATION_MS (default
// 5000), BENCH_CONCURRENCY (default 16), BENCH_OPEN_RATE (req/s of the open loop, default 1000; 0 = none);
// BENCH_API_NODE_ARGS='--cpu-prof --cpu-prof-dir=prof' profiles the API process, BENCH_API_ARGS adds API flags.
// BENCH_WORKERS (default 1; e.g. 1,2) runs one API per --workers count, each its own row (CPU: primary + workers).
import { freePort, tempDir } from '../tools/testing/net.js';
import { startPrometheus } from '../tools/testing/procs.js';
import { encodeTestWriteRequest } from '../tools/testing/remote-write.js';
import { startIssuerProc } from '../tools/testing/stack.js';
import { getToken, startApiProc, RBAC_YAML, SECRET } from '../tools/testing/api.js';
import { printResults, ratio, runOpenLoop, runWrk, type LoadResult } from './lib/load.js';
import { startNginx } from './lib/nginx.js';
import { startNodeFloor } from './lib/node-floor.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '16').split(',').map(Number);
const TENANT = { name: 'bench', id: 'bench-tenant-id' };
const QUERY = 'up{job="bench"}';
const ENFORCED = `up{job="bench", tenant_id="${TENANT.id}"}`;
const SERIES = 100;
const OPEN_RATE = Number(process.env.BENCH_OPEN_RATE ?? 1000);
const WORKERS = (process.env.BENCH_WORKERS ?? '1').split(',').map(Number);

function report(title: string, rows: LoadResult[]): void {
  const [direct, nginx, node, ...ourRows] = rows as [LoadResult, LoadResult, LoadResult, ...LoadResult[]];
  printResults(title, rows);
  for (const ours of ourRows) console.log(`ratios (${ours.name}): req/s api/floor ${ratio(ours.rps, node.rps)}, api/nginx ${ratio(ours.rps, nginx.rps)}, api/direct ${ratio(ours.rps, direct.rps)}; ` +
    `p99 added over direct: api ${(ours.p99Ms - direct.p99Ms).toFixed(2)} ms, floor ${(node.p99Ms - direct.p99Ms).toFixed(2)} ms, nginx ${(nginx.p99Ms - direct.p99Ms).toFixed(2)} ms; ` +
    `proxy CPU per request (server's own, Prometheus's not counted) api/floor ${ratio(ours.cpuUsPerReq!, node.cpuUsPerReq!)}, api/nginx ${ratio(ours.cpuUsPerReq!, nginx.cpuUsPerReq!)} ` +
    `(Prometheus itself ${direct.cpuUsPerReq?.toFixed(1)} µs per request)`);
  if (ourRows.length > 1) console.log(`workers: req/s ${ourRows.map((r, i) => `${WORKERS[i]}: ${ratio(r.rps, ourRows[0]!.rps)}`).join(', ')} of ${WORKERS[0]} worker(s)`);
}

const dir = await tempDir('obspath-bench-api-');
const prom = await startPrometheus({ extraArgs: ['--log.level=warn'] });
const proxyPort = await freePort();
const proxy = await startNginx(proxyPort, {
  http: `upstream prom { server ${new URL(prom.url).host}; keepalive 256; }`,
  server: 'location / { proxy_pass http://prom; proxy_http_version 1.1; proxy_set_header Connection ""; client_max_body_size 16m; }',
});
const issuer = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'bench', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['bench'] } }], tokenTtl: '1h' });
const tenants = `tenants:\n  - name: ${TENANT.name}\n    id: ${TENANT.id}\n    oidc: { issuerURL: ${issuer.issuerUrl}, clientID: observatorium, groupClaim: groups }\n`;
const rbac = `${RBAC_YAML}  - name: bench\n    roles: [bench]\n    subjects: [{ name: bench, kind: group }]\n`.replace('roles:\n', `roles:\n  - name: bench\n    resources: [metrics]\n    tenants: [${TENANT.name}]\n    permissions: [read, write]\n`);
const apis = [];
for (const workers of WORKERS) {
  const api = await startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, tenants, rbac, args: ['--workers', String(workers), '--metrics.read.endpoint', prom.url, '--metrics.write.endpoint', `${prom.url}/api/v1/write`, ...(process.env.BENCH_API_ARGS ?? '').split(' ').filter(Boolean)], nodeArgs: (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean) });
  apis.push({ name: `obspath api (auth+enforcement)${workers === 1 ? '' : `, ${workers} workers`}`, url: api.url, pid: api.proc.child.pid, stop: () => api.stop() });
}
const token = await getToken(issuer.issuerUrl, 'bench');
const floor = await startNodeFloor(prom.url);
const pids = { prom: prom.proc.child.pid, nginx: proxy.proc.child.pid, floor: floor.proc.child.pid };

const now = Date.now();
const batch = (withTenant: boolean) => encodeTestWriteRequest(Array.from({ length: SERIES }, (_, i) => ({
  labels: { __name__: 'bench_metric', job: 'bench', instance: `host-${i}`, ...(withTenant ? { tenant_id: TENANT.id } : {}) },
  samples: [[now, i]],
})));
const rwHeaders = { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' };

const queryPath = `/api/v1/query?query=${encodeURIComponent(ENFORCED)}`;
const apiQueryPath = `/api/metrics/v1/${TENANT.name}/api/v1/query?query=${encodeURIComponent(QUERY)}`;
const auth = { authorization: `Bearer ${token}` };

try {
  for (const concurrency of CONCURRENCY) {
    const common = { concurrency, durationMs: DURATION_MS, warmupMs: 1000 };
    const q: LoadResult[] = [];
    q.push(await runWrk({ ...common, name: 'direct (Prometheus)', url: prom.url, path: queryPath, cpuPid: pids.prom }));
    q.push(await runWrk({ ...common, name: 'nginx proxy', url: proxy.url, path: queryPath, cpuPid: pids.nginx }));
    q.push(await runWrk({ ...common, name: 'Node floor (node:http + undici)', url: floor.url, path: queryPath, cpuPid: pids.floor }));
    for (const api of apis) q.push(await runWrk({ ...common, name: api.name, url: api.url, path: apiQueryPath, headers: auth, cpuPid: api.pid }));
    report(`api benchmark (wrk, 1 thread): GET /api/v1/query ${QUERY}, concurrency ${concurrency}, ${DURATION_MS} ms per target`, q);
    const w: LoadResult[] = [];
    const post = { ...common, method: 'POST' as const, path: '/api/v1/write', body: batch(true) };
    w.push(await runWrk({ ...post, name: 'direct (Prometheus)', url: prom.url, headers: rwHeaders, cpuPid: pids.prom }));
    w.push(await runWrk({ ...post, name: 'nginx proxy', url: proxy.url, headers: rwHeaders, cpuPid: pids.nginx }));
    w.push(await runWrk({ ...post, name: 'Node floor (node:http + undici)', url: floor.url, headers: rwHeaders, cpuPid: pids.floor }));
    for (const api of apis) w.push(await runWrk({ ...post, name: api.name, url: api.url, path: `/api/metrics/v1/${TENANT.name}/api/v1/receive`, headers: { ...rwHeaders, ...auth }, body: batch(false), cpuPid: api.pid }));
    report(`api benchmark (wrk, 1 thread): POST remote write, ${SERIES} series x 1 sample (${batch(false).length} bytes), concurrency ${concurrency}, ${DURATION_MS} ms per target`, w);
  }
  if (OPEN_RATE > 0) {
    const open = { rate: OPEN_RATE, durationMs: DURATION_MS, warmupMs: 1000 };
    const o: LoadResult[] = [];
    o.push(await runOpenLoop({ ...open, name: 'direct (Prometheus)', url: prom.url, path: queryPath, cpuPid: pids.prom }));
    o.push(await runOpenLoop({ ...open, name: 'nginx proxy', url: proxy.url, path: queryPath, cpuPid: pids.nginx }));
    o.push(await runOpenLoop({ ...open, name: 'Node floor (node:http + undici)', url: floor.url, path: queryPath, cpuPid: pids.floor }));
    for (const api of apis) o.push(await runOpenLoop({ ...open, name: api.name, url: api.url, path: apiQueryPath, headers: auth, cpuPid: api.pid }));
    report(`api benchmark (open loop, Node generator): GET /api/v1/query ${QUERY} at ${OPEN_RATE} req/s, latency from the due time, ${DURATION_MS} ms per target`, o);
  }
} finally {
  for (const api of apis) await api.stop();
  await floor.stop();
  await issuer.stop();
  await proxy.stop();
  await prom.stop();
  await dir.cleanup();
}
