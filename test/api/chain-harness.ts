// An in-process API scope for the middleware and handler unit tests: the real routes (registerRoutes) on
// a real fastify app, with a configuration held in memory, a scripted authenticator and a fake backend.
import type { FastifyInstance } from 'fastify';
import { AuthError } from '../../src/api/authentication/errors.js';
import { RbacAuthorizer } from '../../src/api/authorization/rbac.js';
import type { Backend, BackendResponse, ReadCall, WriteCall } from '../../src/api/backend/types.js';
import type { RbacFile } from '../../src/api/config/rbac.js';
import type { RateLimit } from '../../src/api/config/tenants.js';
import { createApiMetrics, type ApiMetrics } from '../../src/api/metrics.js';
import { RateLimiter } from '../../src/api/ratelimit/limiter.js';
import { registerRoutes } from '../../src/api/routes.js';
import type { Snapshot, TenantRuntime } from '../../src/api/state.js';
import { createHttpApp } from '../../src/http/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createRegistry } from '../../src/telemetry/metrics.js';

export const logger = createLogger({ component: 'test', level: 'silent' });

/** Tokens the scripted authenticator knows: "<subject>" or "<subject>:<group>,<group>"; "down" = issuer keys unavailable. */
export function scriptedAuth(): TenantRuntime['auth'] {
  const auth = {
    // Nothing is cached: every request takes the authenticator's verifying (promise) path.
    cachedIdentity: () => undefined,
    async authenticate(token: string) {
      if (token === 'down') throw new AuthError(503, 'jwks_unreachable', 'JWKS of https://issuer.invalid unreachable: connection refused');
      if (!token.startsWith('ok-')) throw new AuthError(401, 'bad_signature', 'signature "does not" verify\n');
      const [subject, groups] = token.slice(3).split(':');
      return { subject: subject!, groups: groups ? groups.split(',') : [], expiresAt: Date.now() + 60_000 };
    },
  };
  return auth as unknown as TenantRuntime['auth'];
}

export const RBAC: RbacFile = {
  roles: [
    { name: 'alpha-rw', resources: ['metrics'], tenants: ['alpha'], permissions: ['read', 'write'] },
    { name: 'alpha-read', resources: ['metrics'], tenants: ['alpha'], permissions: ['read'] },
  ],
  roleBindings: [
    { name: 'rw', roles: ['alpha-rw'], subjects: [{ name: 'writers', kind: 'group' }] },
    { name: 'ro', roles: ['alpha-read'], subjects: [{ name: 'reader', kind: 'user' }] },
  ],
};

export function snapshot(opts: { rbac?: RbacFile; rateLimits?: RateLimit[] } = {}): Snapshot {
  const tenant = { name: 'alpha', id: 'aaaa-1111', oidc: {} as TenantRuntime['tenant']['oidc'], rateLimits: opts.rateLimits ?? [] };
  return { tenants: new Map([['alpha', { tenant, auth: scriptedAuth() }]]), rbac: new RbacAuthorizer(opts.rbac ?? RBAC), loadedAt: Date.now() };
}

export interface FakeBackend extends Backend {
  reads: ReadCall[];
  writes: WriteCall[];
  answer: BackendResponse;
}

export function fakeBackend(kind = 'http', hasRules = true): FakeBackend {
  const b: FakeBackend = {
    kind, hasRules, canRead: true, canWrite: true, acceptsParsedQuery: false, reads: [], writes: [],
    answer: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"success","data":{"resultType":"vector","result":[]}}' },
    async read(call) {
      b.reads.push(call);
      return b.answer;
    },
    async write(call) {
      b.writes.push(call);
      return { status: 204, headers: {}, body: '' };
    },
    async check() {
      return { ok: true };
    },
    async close() {},
  };
  return b;
}

export interface Harness {
  app: FastifyInstance;
  config: { snapshot: Snapshot };
  backend: FakeBackend;
  metrics: ApiMetrics;
  rejected(reason: string): Promise<number>;
}

export async function startHarness(opts: { snapshot?: Snapshot; backend?: FakeBackend; concurrentRequestLimit?: number; maxBodySize?: number } = {}): Promise<Harness> {
  const registry = createRegistry();
  const metrics = createApiMetrics(registry);
  const config = { snapshot: opts.snapshot ?? snapshot() };
  const backend = opts.backend ?? fakeBackend();
  const app = createHttpApp({ logger, hop: 'api', bodyLimit: opts.maxBodySize ?? 1 << 20 });
  await app.register(async (scope) => registerRoutes(scope, {
    state: config, backend, metrics, limiter: new RateLimiter(), tenantLabel: 'tenant_id',
    maxBodySize: opts.maxBodySize ?? 1 << 20, maxDecompressedSize: 32 << 20, concurrentRequestLimit: opts.concurrentRequestLimit ?? 100,
  }));
  await app.ready();
  const rejected = async (reason: string) => (await metrics.rejected.get()).values.filter((v) => v.labels.reason === reason).reduce((n, v) => n + v.value, 0);
  return { app, config, backend, metrics, rejected };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
