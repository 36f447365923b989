// Shared rate limits (--middleware.rate-limiter.type=redis): two and three API replicas behind nginx share one
// Redis, so a tenant's accepted requests over a window equal its limit (with local limiters they multiply);
// X-RateLimit-* on every answer; with Redis stopped, fail closed (503) or fail open (forwarded) as configured.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { CLIENTS, TENANT_A, getToken, startApiProc, tenantsYaml, type ApiProc } from '../../tools/testing/api.js';
import { freePort, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startNginx, type Nginx } from '../../tools/testing/nginx.js';
import { startRedis, type RedisProc } from '../../tools/testing/redis.js';
import { metricValue, startIssuerProc, type IssuerProc } from '../../tools/testing/stack.js';

const LIMIT = 20;
// A long window: GCRA refills one request per window/limit (3 min here), so the test's own duration adds none.
const RATE_LIMITS = `    rateLimits:\n      - endpoint: "/api/v1/query$"\n        limit: ${LIMIT}\n        window: 1h\n`;
const QUERY = `/api/metrics/v1/${TENANT_A.name}/api/v1/query?query=vector(1)`;

let dir: { path: string; cleanup: () => Promise<void> };
let issuer: IssuerProc;
let redis: RedisProc;
let token: string;

before(async () => {
  dir = await tempDir('obspath-rl-');
  issuer = await startIssuerProc({ dir: dir.path, clients: CLIENTS });
  redis = await startRedis();
  token = await getToken(issuer.issuerUrl, 'alpha-reader');
});
after(async () => {
  await redis?.cleanup();
  await issuer?.stop();
  await dir.cleanup();
});

async function replicas(n: number, args: string[]): Promise<ApiProc[]> {
  const out: ApiProc[] = [];
  try {
    for (let i = 0; i < n; i++) {
      out.push(await startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, tenants: tenantsYaml(issuer.issuerUrl, { rateLimits: RATE_LIMITS }), args: ['--storage.path', join(dir.path, `store-${Date.now()}-${i}`), ...args] }));
    }
  } catch (err) {
    // A replica that never got ready must not outlive the test (its pipes would keep the runner waiting).
    await Promise.all(out.map((a) => a.stop()));
    throw err;
  }
  return out;
}

/** nginx round-robin over the replicas, keeping connections to them alive. */
async function behindNginx(apis: ApiProc[]): Promise<Nginx> {
  return startNginx(await freePort(), {
    http: `upstream apis { ${apis.map((a) => `server ${new URL(a.url).host};`).join(' ')} keepalive 32; }`,
    server: 'location / { proxy_pass http://apis; proxy_http_version 1.1; proxy_set_header Connection ""; }',
  });
}

/** Sends `total` queries through `url`, 4 at a time; counts the answers by status. */
async function burst(url: string, total: number): Promise<{ byStatus: Map<number, number>; limitHeaders: string[] }> {
  const byStatus = new Map<number, number>();
  const limitHeaders: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const res = await fetch(`${url}${QUERY}`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
      limitHeaders.push(`${res.headers.get('x-ratelimit-limit')}/${res.headers.get('x-ratelimit-remaining')}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { byStatus, limitHeaders };
}

async function servedBy(apis: ApiProc[]): Promise<number[]> {
  return Promise.all(apis.map(async (a) => {
    const text = await (await fetch(`${a.internalUrl}/metrics`)).text();
    return [...text.matchAll(/^http_requests_total\{[^}]*handler="query"[^}]*\} (\d+)/gm)].reduce((s, m) => s + Number(m[1]), 0);
  }));
}

for (const n of [2, 3]) {
  test(`${n} replicas behind nginx sharing one Redis accept the tenant's limit (${LIMIT}), not ${n} times it`, async (t) => {
    const apis = await replicas(n, ['--middleware.rate-limiter.type', 'redis', '--middleware.rate-limiter.address', redis.address]);
    let nginx: Nginx | undefined;
    try {
      nginx = await behindNginx(apis);
      const total = LIMIT * n * 2;
      const { byStatus, limitHeaders } = await burst(nginx.url, total);
      const served = await servedBy(apis);
      t.diagnostic(`replicas=${n} sent=${total} accepted=${byStatus.get(200) ?? 0} rejected=${byStatus.get(429) ?? 0} limit=${LIMIT} per-replica=${served.join(',')}`);
      assert.equal(byStatus.get(200), LIMIT, `accepted ${JSON.stringify([...byStatus])}`);
      assert.equal(byStatus.get(429), total - LIMIT);
      assert.ok(served.every((s) => s > 0), `every replica answered some: ${served.join(',')}`);
      assert.ok(limitHeaders.every((h) => h.startsWith(`${LIMIT}/`)), 'X-RateLimit-Limit on every answer, allowed or not');
      assert.ok(limitHeaders.includes(`${LIMIT}/${LIMIT - 1}`) && limitHeaders.includes(`${LIMIT}/0`));
    } finally {
      await nginx?.stop();
      await Promise.all(apis.map((a) => a.stop()));
      await redis.stop();
      await redis.start(); // an empty Redis for the next case
    }
  });
}

test('with local limiters the same two replicas accept twice the limit (the problem Redis solves)', async (t) => {
  const apis = await replicas(2, []);
  let nginx: Nginx | undefined;
  try {
    nginx = await behindNginx(apis);
    const { byStatus } = await burst(nginx.url, LIMIT * 4);
    t.diagnostic(`local limiters, replicas=2 sent=${LIMIT * 4} accepted=${byStatus.get(200) ?? 0} limit=${LIMIT}`);
    assert.equal(byStatus.get(200), LIMIT * 2);
  } finally {
    await nginx?.stop();
    await Promise.all(apis.map((a) => a.stop()));
  }
});

test('Redis stopped: fail closed answers 503 ratelimiter_unavailable within the call timeout; fail open forwards; both counted; Redis back, limits again', async () => {
  const redisArgs = ['--middleware.rate-limiter.type', 'redis', '--middleware.rate-limiter.address', redis.address];
  const started = await Promise.allSettled([replicas(1, [...redisArgs, '--middleware.rate-limiter.timeout', '500ms']), replicas(1, [...redisArgs, '--middleware.rate-limiter.fail-open'])]);
  const up = started.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(up.map((a) => a.stop()));
    throw failed.reason;
  }
  const [closed, open] = up;
  try {
    const get = (a: ApiProc) => fetch(`${a.url}${QUERY}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    assert.equal((await get(closed!)).status, 200);
    await redis.stop();
    const started = Date.now();
    const refused = await get(closed!);
    const body = (await refused.json()) as Record<string, string>;
    assert.equal(refused.status, 503, JSON.stringify(body));
    assert.equal(body.reason, 'ratelimiter_unavailable');
    assert.equal(body.hop, 'api');
    assert.match(body.error!, /cannot be checked \(fail closed\): rate limiter \(redis 127\.0\.0\.1:\d+\)/);
    assert.ok(Date.now() - started < 8000, 'answered within a bounded time, not hung on Redis');
    assert.equal((await get(open!)).status, 200);
    const metric = async (a: ApiProc, mode: string) => metricValue(await (await fetch(`${a.internalUrl}/metrics`)).text(), `obspath_api_rate_limiter_unavailable_total{mode="${mode}"}`);
    assert.equal(await metric(closed!, 'closed'), 1);
    assert.equal(await metric(open!, 'open'), 1);
    await redis.start();
    await waitUntil(async () => (await get(closed!)).headers.get('x-ratelimit-limit') === String(LIMIT), 15_000, 'the limiter reconnected to Redis');
  } finally {
    await Promise.all([closed?.stop(), open?.stop()]);
  }
});
