// `obspath api`: the Observatorium API. Tenants with OIDC, RBAC, per-tenant rate limits, tenant
// enforcement on reads and writes, in front of an HTTP store or the embedded one.
import type { ReadyState } from '../http/internal.js';
import { bareFront } from '../http/bare-front.js';
import { ComponentServers, type ComponentServer } from '../http/lifecycle.js';
import { createHttpApp } from '../http/server.js';
import { listenerTls } from '../http/tls-flags.js';
import { loadClientTls } from '../http/tls-client.js';
import type { Logger } from '../telemetry/logger.js';
import { createRegistry } from '../telemetry/metrics.js';
import type { Registry } from 'prom-client';
import { EmbeddedBackend } from './backend/embedded.js';
import { HttpBackend } from './backend/http.js';
import type { Backend, OpenEmbeddedStore } from './backend/types.js';
import type { ApiConfig } from './config/schema.js';
import { createApiMetrics, type ApiMetrics } from './metrics.js';
import { RateLimiter } from './ratelimit/limiter.js';
import { admission, PREFIX, registerRoutes, type RoutesOptions } from './routes.js';
import { hotRoutes } from './hot/handler.js';
import { ApiState } from './state.js';
import { PrimaryRateLimiter, primaryRateLimit } from './ratelimit/cluster.js';
import { ClusterRegistry } from '../workers/metrics.js';
import type { WorkerPool } from '../workers/pool.js';
import type { ClusterRole } from '../workers/run.js';
import { markWorkerServer } from '../workers/worker.js';

export { apiConfigSchema, apiFields, type ApiConfig } from './config/schema.js';
export { ConfigFileError } from './config/files.js';
export { loadTenantsFile, type Tenant } from './config/tenants.js';
export { loadRbacFile } from './config/rbac.js';
export { enforceQuery, enforceSeriesSelector, EnforceError } from './enforcement/promql.js';
export { setTenantLabel, rewriteRemoteWrite } from './enforcement/remote-write.js';
export type { EmbeddedStore, EmbeddedStoreOptions, OpenEmbeddedStore } from './backend/types.js';

/** What the API is given rather than imports: the store it hosts when it has no HTTP backend. */
export interface ApiDeps {
  openEmbeddedStore?: OpenEmbeddedStore;
}

export interface RunningApi {
  url: string;
  internalUrl: string;
  backend: Backend;
  metrics: ApiMetrics;
  /** Re-reads the tenants and RBAC files; returns the error when they are invalid (the old ones stay). */
  reload(): Error | null;
  close(): Promise<void>;
}

async function createBackend(config: ApiConfig, logger: Logger, metrics: ApiMetrics, deps: ApiDeps): Promise<Backend> {
  if (config.metricsReadEndpoint || config.metricsWriteEndpoint) {
    return new HttpBackend({
      readEndpoint: config.metricsReadEndpoint,
      writeEndpoint: config.metricsWriteEndpoint,
      tenantHeader: config.metricsTenantHeader,
      connectTimeoutMs: config.metricsConnectTimeout,
      tls: loadClientTls({ caFile: config.metricsTlsCaFile, certFile: config.metricsTlsCertFile, keyFile: config.metricsTlsKeyFile }, { ca: '--metrics.tls.ca-file', cert: '--metrics.tls.cert-file', key: '--metrics.tls.key-file' }),
      timeoutMs: config.metricsWriteTimeout,
      onProxy: (proxy, method) => metrics.proxyRequests.inc({ proxy, method }),
    });
  }
  if (!deps.openEmbeddedStore) throw new Error('api: no --metrics.read.endpoint/--metrics.write.endpoint and no embedded store to host');
  const store = await deps.openEmbeddedStore({ dir: config.storagePath, retentionMs: config.storageRetention, onWarning: (msg) => logger.warn(msg) });
  return new EmbeddedBackend({ store, dir: config.storagePath, retentionMs: config.storageRetention, maxDecompressedBytes: config.maxDecompressedSize, timeoutMs: config.metricsWriteTimeout });
}

/** Ready when every tenant holds its issuer's keys and the backend answers. */
async function readiness(state: ApiState, backend: Backend): Promise<ReadyState> {
  const tenants = state.tenantStatus();
  const health = await backend.check();
  const notReady = tenants.filter((t) => !t.ready);
  if (notReady.length === 0 && health.ok) return { ready: true, tenants, backend: health };
  return {
    ready: false,
    reason: notReady.length > 0 ? 'tenant_not_ready' : 'backend_unreachable',
    error: [...notReady.map((t) => `tenant ${t.tenant}: issuer keys not fetched yet${t.error ? ` (${t.error})` : ''}`), ...(health.ok ? [] : [String(health.error ?? health.reason)])].join('; '),
    tenants,
    backend: health,
  };
}

/**
 * The cluster's primary: the rate-limit counters every worker shares (unless Redis holds them) and the internal
 * listener (/metrics merged over the workers, /ready when every worker is). The workers serve the API.
 */
async function startApiPrimary(config: ApiConfig, logger: Logger, pool: WorkerPool): Promise<RunningApi> {
  if (!config.metricsReadEndpoint && !config.metricsWriteEndpoint) {
    throw new Error('api: --workers above 1 needs --metrics.read.endpoint/--metrics.write.endpoint: the embedded store belongs to one process');
  }
  const registry = createRegistry();
  const metrics = createApiMetrics(registry);
  if (config.rateLimiterType !== 'redis') primaryRateLimit((kind, fn) => pool.handle(kind, fn));
  // Only for RunningApi's shape and close (the workers' backends serve; their /ready checks them).
  const backend = await createBackend(config, logger, metrics, {});
  const servers = new ComponentServers({ releaseAfter: () => backend.close() });
  return servers.start(async () => {
    const internalUrl = await servers.listenInternal({ logger, registry: new ClusterRegistry(registry, pool), component: 'api', readiness: () => pool.readiness({ ready: true }), tls: listenerTls(config, 'internal', registry) }, config.webInternalListen, '--web.internal.listen');
    return {
      url: '',
      internalUrl,
      backend,
      metrics,
      reload: () => {
        pool.push('reload');
        return null;
      },
      close: () => servers.close(),
    };
  });
}

/**
 * The API's listener: a bare node:http server (TLS, request ids, access log, draining) that serves the hot
 * routes itself (hot/handler.ts) and hands every other request to the fastify routes.
 */
async function webServer(config: ApiConfig, logger: Logger, registry: Registry, routes: RoutesOptions): Promise<ComponentServer> {
  // No TLS, timeout or access log of its own: the bare listener holds the socket and logs every request.
  const app = createHttpApp({ logger, hop: 'api', bodyLimit: config.maxBodySize, accessLog: false });
  const admit = admission(routes);
  app.get('/', async () => ({ paths: ['/api/metrics/v1/{tenant}/api/v1/{query,query_range,series,labels,label/{name}/values,receive,rules,alerts,query_exemplars,metadata,format_query,parse_query,status/buildinfo,status/runtimeinfo}'] }));
  await app.register(async (scope) => registerRoutes(scope, routes, admit));
  return bareFront(app, { logger, hop: 'api', requestTimeoutMs: config.serverReadTimeout, tls: listenerTls(config, 'web', registry) }, hotRoutes({ ...routes, admit }));
}

export async function startApi(config: ApiConfig, logger: Logger, deps: ApiDeps = {}, cluster?: ClusterRole): Promise<RunningApi> {
  if (cluster?.kind === 'primary') return startApiPrimary(config, logger, cluster.pool);
  const link = cluster?.link;
  const registry = createRegistry();
  const metrics = createApiMetrics(registry);
  const state = ApiState.load({
    tenantsFile: config.tenantsConfig,
    rbacFile: config.rbacConfig,
    logger,
    metrics,
    oidc: {
      algorithms: config.oidcAlgorithms,
      clockSkewSec: config.oidcClockSkew / 1000,
      jwksCooldownMs: config.oidcJwksCooldown,
      jwksRefreshMs: config.oidcJwksRefreshInterval,
      tokenCacheTtlMs: config.oidcTokenCacheTtl,
    },
  });
  let backend: Backend | undefined;
  let releaseLimiter: (() => Promise<void>) | undefined;
  const servers = new ComponentServers({
    releaseAfter: async () => {
      await state.close();
      await backend?.close();
      await releaseLimiter?.();
    },
  });
  return servers.start(async () => {
    backend = await createBackend(config, logger, metrics, deps);
    const b = backend;
    // ioredis is loaded only by an API that uses it (every obspath command imports this module).
    const limiter = config.rateLimiterType === 'redis'
      ? new (await import('./ratelimit/redis.js')).RedisRateLimiter({ addresses: config.rateLimiterAddress, timeoutMs: config.rateLimiterTimeout })
      : link ? new PrimaryRateLimiter(link.channel) : new RateLimiter();
    releaseLimiter = 'close' in limiter ? () => limiter.close() : undefined;
    const routes: RoutesOptions = {
      state,
      backend: b,
      metrics,
      limiter,
      rateLimitFailOpen: config.rateLimiterFailOpen,
      tenantLabel: config.metricsTenantLabel,
      maxBodySize: config.maxBodySize,
      maxDecompressedSize: config.maxDecompressedSize,
      concurrentRequestLimit: config.concurrentRequestLimit,
    };
    const web = await webServer(config, logger, registry, routes);
    if (link) {
      markWorkerServer(web.server, link);
      link.serve({ registry, readiness: () => readiness(state, b) });
    }
    const url = await servers.listen(web, config.webListen, '--web.listen');
    const internalUrl = link ? '' : await servers.listenInternal({ logger, registry, component: 'api', readiness: () => readiness(state, b), tls: listenerTls(config, 'internal', registry) }, config.webInternalListen, '--web.internal.listen');
    logger.info({ url, internal: internalUrl, backend: b.kind, read: config.metricsReadEndpoint, write: config.metricsWriteEndpoint, tenants: [...state.snapshot.tenants.keys()], prefix: PREFIX }, 'api started');
    const retainTenants = () => limiter.retain(new Set([...state.snapshot.tenants.values()].map((r) => r.tenant.id)));
    retainTenants();
    const reload = () => {
      const err = state.reload();
      if (!err) retainTenants();
      return err;
    };
    // Clustered, SIGHUP reaches the primary, which passes it on.
    link?.channel.onPush('reload', () => reload());
    return {
      url,
      internalUrl,
      backend: b,
      metrics,
      reload,
      close: () => servers.close(),
    };
  });
}
