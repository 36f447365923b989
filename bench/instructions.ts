// Instructions (valgrind callgrind's Ir) a server process executes per request: unlike CPU time, a count
// that other load on a shared machine does not change, so small per-request savings can be told apart.
// The server runs under callgrind with instrumentation off; after a warm-up (the JIT settles), counting is
// switched on for a fixed number of requests, then off, and the total is divided by that number.
// Usage: node --import tsx bench/instructions.ts refresher|floor|api-query|api-write [tree] — tree: a directory
// holding bin/ and dist/ of the build to measure (default this checkout). `floor` is the Node floor
// (bench/lib/node-floor-server.ts) on the refresher's request mix, with an issuer's token of the same size.
// BENCH_WARMUP (default 3000) and BENCH_REQUESTS (default 1000) requests, BENCH_CONCURRENCY (default 8);
// BENCH_IR_KEEP=<dir>: copy the callgrind dumps there (for callgrind_annotate --inclusive=yes);
// BENCH_LOG_LEVEL (default warn): the refresher's --log.level (info writes the access line per request).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { OBSPATH_BIN, startPrometheus, startProcess, type Proc } from '../tools/testing/procs.js';
import { encodeTestWriteRequest } from '../tools/testing/remote-write.js';
import { startIssuerProc } from '../tools/testing/stack.js';
import { getToken, RBAC_YAML, SECRET } from '../tools/testing/api.js';
import { startNginx } from './lib/nginx.js';

const [target, tree] = process.argv.slice(2);
if (target !== 'refresher' && target !== 'floor' && target !== 'api-query' && target !== 'api-write') throw new Error('usage: instructions.ts refresher|floor|api-query|api-write [tree]');
const BIN = tree ? join(tree, 'bin', 'obspath.js') : OBSPATH_BIN;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const dir = await tempDir('obspath-bench-ir-');
const stops: Array<() => Promise<void>> = [];

function underCallgrind(args: string[], env: NodeJS.ProcessEnv = {}, script: string[] = [BIN]): Proc {
  return startProcess('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir.path, 'cg.out')}`, process.execPath, ...script, ...args], { env });
}

interface Shape { url: string; path: string; method: 'GET' | 'POST'; headers?: Record<string, string>; body?: Uint8Array }

const REFRESHER_PATH = '/api/v1/query?query=vector(1)';

async function refresherUpstream(): Promise<{ upstreamUrl: string; issuerUrl: string }> {
  const body = '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"1"]}]}}';
  const upstream = await startNginx(await freePort(), { server: `location / { default_type application/json; return 200 '${body}'; }` });
  stops.push(() => upstream.stop());
  const issuer = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'bench', clientSecret: SECRET }] });
  stops.push(() => issuer.stop());
  return { upstreamUrl: upstream.url, issuerUrl: issuer.issuerUrl };
}

async function refresher(): Promise<{ proc: Proc; shape: Shape }> {
  const { upstreamUrl, issuerUrl } = await refresherUpstream();
  const [web, internal] = [await freePort(), await freePort()];
  const proc = underCallgrind(['token-refresher', '--oidc.issuer-url', issuerUrl, '--oidc.client-id', 'bench', '--url', upstreamUrl,
    '--web.listen', `127.0.0.1:${web}`, '--web.internal.listen', `127.0.0.1:${internal}`, '--log.level', process.env.BENCH_LOG_LEVEL ?? 'warn'], { CLIENT_SECRET: SECRET });
  await waitUntil(() => httpOk(`http://127.0.0.1:${internal}/ready`), 120_000, `refresher ready\n${proc.output()}`);
  return { proc, shape: { url: `http://127.0.0.1:${web}`, path: REFRESHER_PATH, method: 'GET' } };
}

/** The Node floor on the refresher's mix: same upstream, and an issuer's token (the same size as the refresher's). */
async function floor(): Promise<{ proc: Proc; shape: Shape }> {
  const { upstreamUrl, issuerUrl } = await refresherUpstream();
  const server = fileURLToPath(new URL('./lib/node-floor-server.ts', import.meta.url));
  const proc = underCallgrind([upstreamUrl, `Bearer ${await getToken(issuerUrl, 'bench')}`], {}, ['--import', 'tsx', server]);
  let port = 0;
  await waitUntil(async () => (port = Number(/^(\d+)$/m.exec(proc.output())?.[1] ?? 0)) > 0, 120_000, `node floor\n${proc.output()}`);
  return { proc, shape: { url: `http://127.0.0.1:${port}`, path: REFRESHER_PATH, method: 'GET' } };
}

async function api(): Promise<{ proc: Proc; shape: Shape }> {
  const prom = await startPrometheus({ extraArgs: ['--log.level=warn'] });
  stops.push(() => prom.stop());
  const issuer = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'bench', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['bench'] } }], tokenTtl: '1h' });
  stops.push(() => issuer.stop());
  const tenants = join(dir.path, 'tenants.yaml');
  const rbac = join(dir.path, 'rbac.yaml');
  await writeFile(tenants, `tenants:\n  - name: bench\n    id: bench-tenant-id\n    oidc: { issuerURL: ${issuer.issuerUrl}, clientID: observatorium, groupClaim: groups }\n`);
  await writeFile(rbac, `${RBAC_YAML}  - name: bench\n    roles: [bench]\n    subjects: [{ name: bench, kind: group }]\n`.replace('roles:\n', 'roles:\n  - name: bench\n    resources: [metrics]\n    tenants: [bench]\n    permissions: [read, write]\n'));
  const [web, internal] = [await freePort(), await freePort()];
  const proc = underCallgrind(['api', '--tenants.config', tenants, '--rbac.config', rbac, '--web.listen', `127.0.0.1:${web}`, '--web.internal.listen', `127.0.0.1:${internal}`,
    '--log.level', 'warn', '--metrics.read.endpoint', prom.url, '--metrics.write.endpoint', `${prom.url}/api/v1/write`]);
  await waitUntil(() => httpOk(`http://127.0.0.1:${internal}/ready`), 120_000, `api ready\n${proc.output()}`);
  const auth = { authorization: `Bearer ${await getToken(issuer.issuerUrl, 'bench')}` };
  const url = `http://127.0.0.1:${web}`;
  if (target === 'api-query') return { proc, shape: { url, path: `/api/metrics/v1/bench/api/v1/query?query=${encodeURIComponent('up{job="bench"}')}`, method: 'GET', headers: auth } };
  const now = Date.now();
  const body = encodeTestWriteRequest(Array.from({ length: 100 }, (_, i) => ({ labels: { __name__: 'bench_metric', job: 'bench', instance: `host-${i}` }, samples: [[now, i]] })));
  return { proc, shape: { url, path: '/api/metrics/v1/bench/api/v1/receive', method: 'POST', body,
    headers: { ...auth, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' } } };
}

async function send(pool: Pool, shape: Shape, n: number): Promise<void> {
  let left = n;
  let bad = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (left-- > 0) {
      const res = await pool.request({ path: shape.path, method: shape.method, headers: shape.headers, body: shape.body });
      await res.body.dump();
      if (res.statusCode >= 300) bad++;
    }
  }));
  if (bad > 0) throw new Error(`${bad} of ${n} requests failed`);
}

try {
  const { proc, shape } = target === 'refresher' ? await refresher() : target === 'floor' ? await floor() : await api();
  stops.push(() => proc.stop(30_000));
  const pool = new Pool(shape.url, { connections: CONCURRENCY });
  await send(pool, shape, WARMUP);
  const pid = String(proc.child.pid);
  execFileSync('callgrind_control', ['-i', 'on', pid]);
  await send(pool, shape, REQUESTS);
  execFileSync('callgrind_control', ['-i', 'off', pid]);
  execFileSync('callgrind_control', ['-d', pid]);
  await pool.close();
  // Dump files hold "totals: <Ir>"; counting was on only during the requests. The dump is written by the
  // process itself, so it may land a little after callgrind_control returns.
  const counted = () => {
    let sum = 0;
    for (const f of readdirSync(dir.path).filter((n) => n.startsWith('cg.out'))) {
      for (const m of readFileSync(join(dir.path, f), 'utf8').matchAll(/^totals: (\d+)/gm)) sum += Number(m[1]);
    }
    return sum;
  };
  let ir = 0;
  await waitUntil(async () => (ir = counted()) > 0, 60_000, `callgrind dump in ${dir.path}`);
  console.log(`${target} ${tree ?? 'this checkout'}: ${REQUESTS} requests, Ir ${ir}, per request ${Math.round(ir / REQUESTS)}`);
  const keep = process.env.BENCH_IR_KEEP;
  if (keep) {
    mkdirSync(keep, { recursive: true });
    for (const f of readdirSync(dir.path).filter((n) => n.startsWith('cg.out'))) copyFileSync(join(dir.path, f), join(keep, f));
  }
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await dir.cleanup();
}
