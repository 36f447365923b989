// A/B of two builds of `obspath api` under the same load, interleaved (see bench/ab-refresher.ts for why):
// GET /api/v1/query with auth + enforcement (wrk) and remote write of 100 series, each round in a random
// order beside the Node floor. Prints each target's CPU µs per request (server process) per round, then
// median and spread. Usage (BENCH_AFTER_TREE likewise for "after", default this checkout): BENCH_BASE_TREE=<dir with bin/ and dist/ of the "before" build>
// node --import tsx bench/ab-api.ts; BENCH_ROUNDS (default 5), BENCH_DURATION_MS (default 4000), BENCH_CONCURRENCY (default 16).
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { OBSPATH_BIN, startProcess, startPrometheus, type Proc } from '../tools/testing/procs.js';
import { encodeTestWriteRequest } from '../tools/testing/remote-write.js';
import { startIssuerProc } from '../tools/testing/stack.js';
import { getToken, RBAC_YAML, SECRET } from '../tools/testing/api.js';
import { runWrk, type LoadOptions, type LoadResult } from './lib/load.js';
import { startNodeFloor } from './lib/node-floor.js';

const BASE = process.env.BENCH_BASE_TREE;
// The "after" build: this checkout's unless BENCH_AFTER_TREE names another.
const AFTER_BIN = process.env.BENCH_AFTER_TREE ? join(process.env.BENCH_AFTER_TREE, 'bin', 'obspath.js') : OBSPATH_BIN;
if (!BASE) throw new Error('set BENCH_BASE_TREE to the directory of the "before" build (bin/ and dist/)');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const TENANT = { name: 'bench', id: 'bench-tenant-id' };

const dir = await tempDir('obspath-bench-ab-api-');
const prom = await startPrometheus({ extraArgs: ['--log.level=warn'] });
const issuer = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'bench', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['bench'] } }], tokenTtl: '1h' });
const tenantsFile = join(dir.path, 'tenants.yaml');
const rbacFile = join(dir.path, 'rbac.yaml');
await writeFile(tenantsFile, `tenants:\n  - name: ${TENANT.name}\n    id: ${TENANT.id}\n    oidc: { issuerURL: ${issuer.issuerUrl}, clientID: observatorium, groupClaim: groups }\n`);
await writeFile(rbacFile, `${RBAC_YAML}  - name: bench\n    roles: [bench]\n    subjects: [{ name: bench, kind: group }]\n`.replace('roles:\n', `roles:\n  - name: bench\n    resources: [metrics]\n    tenants: [${TENANT.name}]\n    permissions: [read, write]\n`));

async function startApi(bin: string): Promise<{ url: string; proc: Proc }> {
  const [web, internal] = [await freePort(), await freePort()];
  const proc = startProcess(process.execPath, [bin, 'api', '--tenants.config', tenantsFile, '--rbac.config', rbacFile, '--web.listen', `127.0.0.1:${web}`,
    '--web.internal.listen', `127.0.0.1:${internal}`, '--log.level', 'warn', '--metrics.read.endpoint', prom.url, '--metrics.write.endpoint', `${prom.url}/api/v1/write`]);
  await waitUntil(() => httpOk(`http://127.0.0.1:${internal}/ready`), 20_000, `api ready\n${proc.output()}`);
  return { url: `http://127.0.0.1:${web}`, proc };
}

const floor = await startNodeFloor(prom.url);
const before = await startApi(join(BASE, 'bin', 'obspath.js'));
const after = await startApi(AFTER_BIN);
const token = await getToken(issuer.issuerUrl, 'bench');
const auth = { authorization: `Bearer ${token}` };
const now = Date.now();
const batch = (withTenant: boolean) => encodeTestWriteRequest(Array.from({ length: 100 }, (_, i) => ({
  labels: { __name__: 'bench_metric', job: 'bench', instance: `host-${i}`, ...(withTenant ? { tenant_id: TENANT.id } : {}) },
  samples: [[now, i]],
})));
const rw = { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' };
const queryPath = `/api/v1/query?query=${encodeURIComponent(`up{job="bench", tenant_id="${TENANT.id}"}`)}`;
const apiQueryPath = `/api/metrics/v1/${TENANT.name}/api/v1/query?query=${encodeURIComponent('up{job="bench"}')}`;

type Shape = (t: { url: string }) => Omit<LoadOptions, 'name' | 'concurrency' | 'durationMs'>;
const shapes: Record<string, { floor: Shape; api: Shape }> = {
  query: { floor: (t) => ({ url: t.url, path: queryPath }), api: (t) => ({ url: t.url, path: apiQueryPath, headers: auth }) },
  write: {
    floor: (t) => ({ url: t.url, path: '/api/v1/write', method: 'POST', headers: rw, body: batch(true) }),
    api: (t) => ({ url: t.url, path: `/api/metrics/v1/${TENANT.name}/api/v1/receive`, method: 'POST', headers: { ...rw, ...auth }, body: batch(false) }),
  },
};
const targets: Array<[string, { url: string; proc: Proc }, 'floor' | 'api']> = [['Node floor', { url: floor.url, proc: floor.proc }, 'floor'], ['before', before, 'api'], ['after', after, 'api']];
const results = new Map<string, LoadResult[]>();
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [shape, make] of Object.entries(shapes)) {
      const line: string[] = [];
      for (const [name, t, kind] of [...targets].sort(() => Math.random() - 0.5)) {
        const r = await runWrk({ name, ...make[kind](t), concurrency: CONCURRENCY, durationMs: DURATION_MS, warmupMs: 1000, cpuPid: t.proc.child.pid });
        const key = `${shape} ${name}`;
        results.set(key, [...(results.get(key) ?? []), r]);
        line.push(`${name} ${r.cpuUsPerReq!.toFixed(1)} µs/req ${r.rps.toFixed(0)} req/s${r.non2xx + r.errors > 0 ? ` (${r.non2xx} non-2xx, ${r.errors} errors)` : ''}`);
      }
      console.log(`round ${round} ${shape} (load ${loadavg().map((l) => l.toFixed(2)).join(' ')}): ${line.join('; ')}`);
    }
  }
  console.log(`\n| target | CPU µs/req median | min | max | req/s median |\n|---|---:|---:|---:|---:|`);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [key, rs] of results) {
    const cpu = rs.map((r) => r.cpuUsPerReq!);
    console.log(`| ${key} | ${median(cpu).toFixed(1)} | ${Math.min(...cpu).toFixed(1)} | ${Math.max(...cpu).toFixed(1)} | ${median(rs.map((r) => r.rps)).toFixed(0)} |`);
  }
  // Paired by round (measured within seconds of each other), which cancels most of the load drift.
  for (const shape of Object.keys(shapes)) {
    const b = results.get(`${shape} before`)!;
    const a = results.get(`${shape} after`)!;
    const ratios = a.map((r, i) => r.cpuUsPerReq! / b[i]!.cpuUsPerReq!);
    console.log(`${shape}: after/before CPU µs/req per round ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(2)}`);
  }
} finally {
  await after.proc.stop();
  await before.proc.stop();
  await floor.stop();
  await issuer.stop();
  await prom.stop();
  await dir.cleanup();
}
