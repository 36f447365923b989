// npm run bench:fleet — the fleet manager's query_range for one instance (29 metrics, 1 h at 30 s) through
// the whole local path (fleet manager -> token refresher -> obspath api -> Prometheus), through a shorter
// path without the API, and the same 7 PromQL queries sent straight to Prometheus.
//
// The machine is shared, so the three targets are measured in interleaved rounds (direct, short, whole, then
// again), after a warm-up of each; the figures are the medians over the rounds, with the spread of the
// per-round ratio. Next to latency, each process's CPU time per request (from /proc) shows what each hop costs
// and is far less sensitive to other load than latency.
//
// BENCH_CONCURRENCY (default 1,8), BENCH_ROUNDS (default 3), BENCH_DURATION_MS per target and round (default
// 3000), BENCH_WARMUP_MS per target (default 2000). BENCH_FLEET_CPU_PROF=<dir>: the two fleet managers write
// a V8 .cpuprofile there when they stop (node --cpu-prof).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { buildQueries, METRICS } from '../src/kafka-metrics/catalog.js';
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { OBSPATH_BIN, REPO_ROOT, startPrometheus, startProcess, type Proc } from '../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS, type TestSeries } from '../tools/testing/remote-write.js';
import { startIssuerProc, startRefresherProc } from '../tools/testing/stack.js';
import { issuerToken, startApiProc } from '../tools/testing/fleet.js';
import { treeCpuSeconds } from './lib/cpu.js';
import { closedLoop, ratio, runLoad, type LoadResult } from './lib/load.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,8').split(',').map(Number);
const CPU_PROF_DIR = process.env.BENCH_FLEET_CPU_PROF ? resolve(process.env.BENCH_FLEET_CPU_PROF) : undefined;
const SECRET = 'bench-fleet-secret';
const KAFKA = 'cbench0000000000000a';
const NS = `kafka-${KAFKA}`;
const TARGET_RATIO = 2.0;

/** The processes whose CPU time is counted per request (a target's path may not pass all of them). */
type Hop = 'fleet' | 'refresher' | 'api' | 'prometheus';
const HOPS: readonly Hop[] = ['fleet', 'refresher', 'api', 'prometheus'];

interface Target {
  name: string;
  run: (concurrency: number, durationMs: number, warmupMs: number) => Promise<LoadResult>;
  pids: Partial<Record<Hop, number>>;
}

interface Round { result: LoadResult; cpuUs: Partial<Record<Hop, number>> }

if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
  console.error('bench:fleet runs the compiled obspath (dist/); build it first: npm run build');
  process.exit(1);
}

process.setMaxListeners(30);
const dir = await tempDir('obspath-bench-fleet-');
const stops: Array<() => Promise<void>> = [];
try {
  const targets = await startTargets();
  console.log(`load average at start: ${loadAverage()}; ${ROUNDS} rounds of ${DURATION_MS} ms per target after ${WARMUP_MS} ms of warm-up`);
  const summary: string[] = [];
  for (const concurrency of CONCURRENCY) summary.push(...(await measure(targets, concurrency)));
  console.log(`\nfleet manager query_range p50 vs the direct queries (target <= ${TARGET_RATIO.toFixed(1)}x), median of ${ROUNDS} rounds [per-round min-max]; load average at end: ${loadAverage()}`);
  for (const line of summary) console.log(line);
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await dir.cleanup();
  if (CPU_PROF_DIR) console.log(`\nfleet manager CPU profiles (written on stop): ${CPU_PROF_DIR}`);
}

function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Warm-up, then ROUNDS interleaved rounds of every target; prints one table and returns the summary lines. */
async function measure(targets: Target[], concurrency: number): Promise<string[]> {
  for (const t of targets) await t.run(concurrency, WARMUP_MS, 0);
  const rounds: Round[][] = targets.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (const [i, t] of targets.entries()) {
      const pids = Object.entries(t.pids) as Array<[Hop, number]>;
      const cpu0 = pids.map(([, pid]) => treeCpuSeconds(pid));
      const result = await t.run(concurrency, DURATION_MS, 0);
      const cpuUs: Partial<Record<Hop, number>> = {};
      pids.forEach(([hop, pid], k) => (cpuUs[hop] = ((treeCpuSeconds(pid) - cpu0[k]!) * 1e6) / Math.max(1, result.requests)));
      rounds[i]!.push({ result, cpuUs });
    }
  }
  printTable(targets, rounds, concurrency);
  const [direct, short, whole] = rounds as [Round[], Round[], Round[]];
  const line = (name: string, path: Round[]) => {
    const perRound = path.map((x, k) => x.result.p50Ms / direct[k]!.result.p50Ms);
    const p50 = median(path.map((x) => x.result.p50Ms)) / median(direct.map((x) => x.result.p50Ms));
    const verdict = p50 <= TARGET_RATIO ? 'meets' : 'misses';
    return `  c${concurrency} ${name}: p50 ${p50.toFixed(2)}x [${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)}] (${verdict} the target)`;
  };
  return [line('whole path (with the API)', whole), line('without the API', short)];
}

function printTable(targets: Target[], rounds: Round[][], concurrency: number): void {
  console.log(`\nfleet benchmark: query_range of one instance (29 metrics, 1 h at 30 s), concurrency ${concurrency}, medians of ${ROUNDS} rounds of ${DURATION_MS} ms; load average ${loadAverage()}`);
  console.log(`| target | requests | req/s | p50 ms | p99 ms | ${HOPS.map((h) => `${h} CPU µs/req`).join(' | ')} | non-2xx | errors |`);
  console.log(`|---|${'---:|'.repeat(6 + HOPS.length)}`);
  for (const [i, t] of targets.entries()) {
    const rs = rounds[i]!;
    const sum = (f: (r: LoadResult) => number) => rs.reduce((a, x) => a + f(x.result), 0);
    const med = (f: (r: LoadResult) => number) => median(rs.map((x) => f(x.result)));
    const cpu = HOPS.map((h) => (t.pids[h] === undefined ? '-' : median(rs.map((x) => x.cpuUs[h]!)).toFixed(0)));
    console.log(`| ${t.name} | ${sum((r) => r.requests)} | ${med((r) => r.rps).toFixed(0)} | ${med((r) => r.p50Ms).toFixed(2)} | ${med((r) => r.p99Ms).toFixed(2)} | ${cpu.join(' | ')} | ${sum((r) => r.non2xx)} | ${sum((r) => r.errors)} |`);
  }
  const [direct, short, whole] = rounds.map((rs) => median(rs.map((x) => x.result.p50Ms))) as [number, number, number];
  const p99 = rounds.map((rs) => median(rs.map((x) => x.result.p99Ms))) as [number, number, number];
  console.log(`overhead vs direct: p50 ${ratio(whole, direct)}x / p99 ${ratio(p99[2], p99[0])}x (whole path), p50 ${ratio(short, direct)}x / p99 ${ratio(p99[1], p99[0])}x (without the API)`);
}

/** Prometheus with one instance's data, the issuer, the API, two refreshers and two fleet managers. */
async function startTargets(): Promise<Target[]> {
  const prom = await startPrometheus();
  stops.push(() => prom.stop());
  const issuer = await startIssuerProc({
    dir: dir.path,
    clients: [
      { clientID: 'kfm', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['readers'] } },
      { clientID: 'writer', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['writers'] } },
      { clientID: 'alice', clientSecret: SECRET, claims: { org_id: '1', username: 'alice' } },
    ],
  });
  stops.push(() => issuer.stop());
  const api = await startApiProc({
    dir: dir.path,
    tenants: `tenants:\n  - name: managedkafka\n    id: mk\n    oidc: { issuerURL: ${issuer.issuerUrl}, clientID: observatorium, groupClaim: groups }\n`,
    rbac: `roles:\n  - { name: rw, resources: [metrics], tenants: [managedkafka], permissions: [read, write] }\nroleBindings:\n  - { name: rw, roles: [rw], subjects: [{ name: readers, kind: group }, { name: writers, kind: group }] }\n`,
    args: ['--metrics.read.endpoint', prom.url, '--metrics.write.endpoint', `${prom.url}/api/v1/write`],
  });
  stops.push(() => api.stop());
  const viaApi = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'kfm', clientSecret: SECRET, upstreamUrl: `${api.url}/api/metrics/v1/managedkafka`, args: ['--log.level', 'warn'] });
  stops.push(() => viaApi.stop());
  const viaProm = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'kfm', clientSecret: SECRET, upstreamUrl: prom.url, args: ['--log.level', 'warn'] });
  stops.push(() => viaProm.stop());

  const seriesCount = await writeInstanceData(api.url, issuer.issuerUrl);
  const instancesFile = join(dir.path, 'kafkas.yaml');
  await writeFile(instancesFile, JSON.stringify({ kafkas: [{ id: KAFKA, name: 'k', org_id: '1', owner: 'alice' }] }));
  const fleetApi = await startFleet(viaApi.proxyUrl, issuer.issuerUrl, instancesFile);
  const fleetProm = await startFleet(viaProm.proxyUrl, issuer.issuerUrl, instancesFile);
  const alice = await issuerToken(issuer.issuerUrl, 'alice', SECRET);
  const path = `/api/kafkas_mgmt/v1/kafkas/${KAFKA}/metrics/query_range?duration=60&interval=30`;
  const check = await fetch(`${fleetApi.url}${path}`, { headers: { authorization: `Bearer ${alice}` } });
  const text = await check.text();
  const body = JSON.parse(text) as { items?: Array<{ values: unknown[] }> };
  if (!check.ok || body.items?.length !== seriesCount) throw new Error(`sanity check: ${check.status}, ${body.items?.length} items, want ${seriesCount}`);
  console.log(`data: ${seriesCount} series x 121 points; one fleet request = ${buildQueries(NS).length} range queries; answer ${text.length} bytes`);

  const pid = (p: Proc) => p.child.pid!;
  const headers = { authorization: `Bearer ${alice}` };
  const viaFleet = (name: string, url: string) => (concurrency: number, durationMs: number, warmupMs: number) =>
    runLoad({ name, url, path, headers, concurrency, durationMs, warmupMs });
  return [
    { name: 'direct: the 7 queries to Prometheus', run: (c, d, w) => runDirect(prom.url, c, d, w), pids: { prometheus: pid(prom.proc) } },
    { name: 'fleet-manager -> refresher -> Prometheus', run: viaFleet('fleet-manager -> refresher -> Prometheus', fleetProm.url), pids: { fleet: pid(fleetProm.proc), refresher: pid(viaProm.proc), prometheus: pid(prom.proc) } },
    { name: 'fleet-manager -> refresher -> api -> Prometheus', run: viaFleet('fleet-manager -> refresher -> api -> Prometheus', fleetApi.url), pids: { fleet: pid(fleetApi.proc), refresher: pid(viaApi.proc), api: pid(api.proc), prometheus: pid(prom.proc) } },
  ];
}

/** One instance: every one of the 29 metrics, 2 series each (two brokers), 1 h at 30 s, written through the API. */
async function writeInstanceData(apiUrl: string, issuerUrl: string): Promise<number> {
  const end = Math.floor(Date.now() / 30_000) * 30_000;
  const times = Array.from({ length: 121 }, (_, i) => end - 3_600_000 + i * 30_000);
  const groupLabels: Record<string, Record<string, string>> = {
    A: { persistentvolumeclaim: 'data-0-k-kafka-0', namespace: NS }, B: { strimzi_io_kind: 'Kafka', namespace: NS }, C: { strimzi_io_kind: 'Kafka', topic: 'orders', namespace: NS },
    D: { strimzi_io_kind: 'Kafka', namespace: NS }, E: { topic: 'orders', namespace: NS }, F: { namespace: NS }, G: { exported_namespace: NS },
  };
  const series: TestSeries[] = METRICS.flatMap((m) => [0, 1].map((b) => ({
    labels: { __name__: m.name, ...groupLabels[m.group], statefulset_kubernetes_io_pod_name: `k-kafka-${b}`, strimzi_io_cluster: 'k', broker_id: String(b) },
    samples: times.map((t, i): [number, number] => [t, i * (b + 1)]),
  })));
  const writer = await issuerToken(issuerUrl, 'writer', SECRET);
  const w = await fetch(`${apiUrl}/api/metrics/v1/managedkafka/api/v1/receive`, { method: 'POST', headers: { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${writer}` }, body: encodeTestWriteRequest(series) });
  if (!w.ok) throw new Error(`remote write: ${w.status} ${await w.text()}`);
  return series.length;
}

async function startFleet(refresherUrl: string, issuerUrl: string, instancesFile: string): Promise<{ url: string; proc: Proc }> {
  const [apiPort, internalPort] = [await freePort(), await freePort()];
  // --cpu-prof is not allowed in NODE_OPTIONS: it goes on the node command line.
  const nodeArgs = CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [];
  const proc = startProcess(process.execPath, [...nodeArgs, OBSPATH_BIN, 'fleet-manager', '--api-server-bindaddress', `127.0.0.1:${apiPort}`, '--metrics-server-bindaddress', `127.0.0.1:${internalPort}`,
    '--observability-red-hat-sso-token-refresher-url', refresherUrl, '--token-issuer-url', issuerUrl, '--instances-file', instancesFile, '--log.level', 'warn']);
  stops.push(() => proc.stop(15_000));
  try {
    await waitUntil(() => httpOk(`http://127.0.0.1:${internalPort}/ready`), 30_000, 'fleet-manager ready');
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${proc.output()}`);
  }
  return { url: `http://127.0.0.1:${apiPort}`, proc };
}

/** The same 7 range queries straight to Prometheus, concurrently, as one request (closed loop, as runLoad). */
async function runDirect(url: string, concurrency: number, durationMs: number, warmupMs: number): Promise<LoadResult> {
  const pool = new Pool(url, { connections: concurrency * 7 });
  const queries = buildQueries(NS);
  const once = async () => {
    const endS = Date.now() / 1000;
    const codes = await Promise.all(queries.map(async (q) => {
      const res = await pool.request({
        path: '/api/v1/query_range', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: q.query, start: String(endS - 3600), end: String(endS), step: '30' }).toString(),
      });
      await res.body.json();
      return res.statusCode;
    }));
    return codes.every((c) => c === 200);
  };
  try {
    return await closedLoop('direct: the 7 queries to Prometheus', once, concurrency, durationMs, warmupMs);
  } finally {
    await pool.close();
  }
}
