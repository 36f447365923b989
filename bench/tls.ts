// npm run bench:tls — the cost of TLS on the refresher and the API, in one run so that both variants see the same
// machine load: plain HTTP and HTTPS (TLS 1.3, P-256 certificate) side by side, keep-alive on and off
// (Connection: close, so every request pays a handshake). The upstream is nginx answering a fixed body.
// Prints req/s, p50/p99 and the TLS/plain ratios. BENCH_DURATION_MS (default 5000), BENCH_CONCURRENCY (16).
import { freePort, httpOk, tempDir, waitUntil } from '../tools/testing/net.js';
import { startNginx } from '../tools/testing/nginx.js';
import { startIssuerProc, startRefresherProc } from '../tools/testing/stack.js';
import { getToken, RBAC_YAML, SECRET, startApiProc } from '../tools/testing/api.js';
import { loopbackServerCert, makeCa } from '../tools/testing/tls.js';
import { printResults, ratio, runWrk, type LoadResult } from './lib/load.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const BODY = '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"1"]}]}}';
const TENANT = { name: 'bench', id: 'bench-tenant-id' };

const dir = await tempDir('obspath-bench-tls-');
const ca = makeCa(dir.path);
const cert = loopbackServerCert(ca, 'bench');
const tlsArgs = ['--tls.server.cert-file', cert.certFile, '--tls.server.key-file', cert.keyFile];
const upstreamPort = await freePort();
const upstream = await startNginx(upstreamPort, { server: `location / { default_type application/json; return 200 '${BODY}'; }` });
const issuer = await startIssuerProc({ dir: dir.path, clients: [{ clientID: 'bench', clientSecret: SECRET, audience: ['observatorium'], claims: { groups: ['bench'] } }], tokenTtl: '1h' });
const refresher = (args: string[]) => startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'bench', clientSecret: SECRET, upstreamUrl: upstream.url, args: ['--log.level', 'warn', ...args] });
const refPlain = await refresher([]);
const refTls = await refresher(tlsArgs);
const tenants = `tenants:\n  - name: ${TENANT.name}\n    id: ${TENANT.id}\n    oidc: { issuerURL: ${issuer.issuerUrl}, clientID: observatorium, groupClaim: groups }\n`;
const rbac = `${RBAC_YAML}  - name: bench\n    roles: [bench]\n    subjects: [{ name: bench, kind: group }]\n`.replace('roles:\n', `roles:\n  - name: bench\n    resources: [metrics]\n    tenants: [${TENANT.name}]\n    permissions: [read, write]\n`);
const api = (args: string[]) => startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, tenants, rbac, args: ['--metrics.read.endpoint', upstream.url, ...args] });
const apiPlain = await api([]);
const apiTls = await api(tlsArgs);
await waitUntil(() => httpOk(`${refTls.internalUrl}/ready`), 10_000, 'refresher ready');
const token = await getToken(issuer.issuerUrl, 'bench');
const https = (url: string) => url.replace('http:', 'https:');

try {
  const targets: Array<{ hop: string; path: string; plain: string; tls: string; headers: Record<string, string> }> = [
    { hop: 'token-refresher', path: '/api/v1/query?query=vector(1)', plain: refPlain.proxyUrl, tls: https(refTls.proxyUrl), headers: {} },
    { hop: 'api', path: `/api/metrics/v1/${TENANT.name}/api/v1/query?query=vector(1)`, plain: apiPlain.url, tls: https(apiTls.url), headers: { authorization: `Bearer ${token}` } },
  ];
  for (const t of targets) {
    for (const keepAlive of [true, false]) {
      const headers: Record<string, string> = { ...t.headers, ...(keepAlive ? {} : { connection: 'close' }) };
      const rows: LoadResult[] = [];
      rows.push(await runWrk({ name: `${t.hop} http`, url: t.plain, path: t.path, headers, concurrency: CONCURRENCY, durationMs: DURATION_MS }));
      rows.push(await runWrk({ name: `${t.hop} https (TLS 1.3)`, url: t.tls, path: t.path, headers, concurrency: CONCURRENCY, durationMs: DURATION_MS }));
      const [plain, tls] = rows as [LoadResult, LoadResult];
      printResults(`${t.hop}, keep-alive ${keepAlive ? 'on' : 'off (Connection: close: a handshake per request)'}, wrk 1 thread, concurrency ${CONCURRENCY}, ${DURATION_MS} ms per target`, rows);
      console.log(`ratios: req/s https/http ${ratio(tls.rps, plain.rps)}; p99 https/http ${ratio(tls.p99Ms, plain.p99Ms)}`);
    }
  }
} finally {
  await Promise.all([refPlain.stop(), refTls.stop(), apiPlain.stop(), apiTls.stop(), issuer.stop(), upstream.stop()]);
  await dir.cleanup();
}
