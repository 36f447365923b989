import type { ReadyState } from '../http/internal.js';
import { ComponentServers } from '../http/lifecycle.js';
import { listenerTls } from '../http/tls-flags.js';
import { loadClientTls } from '../http/tls-client.js';
import type { Registry } from 'prom-client';
import type { Logger } from '../telemetry/logger.js';
import { createRegistry } from '../telemetry/metrics.js';
import type { RefresherConfig } from './config.js';
import { createRefresherMetrics } from './metrics.js';
import { OAuthClient } from '../oauth/client.js';
import { applyProxyGcPolicy } from './gc-policy.js';
import { createProxyServer } from './proxy.js';
import { writeTokenFile } from './token-file.js';
import { TokenSource } from '../oauth/token-source.js';
import { ClusterRegistry } from '../workers/metrics.js';
import type { ClusterRole } from '../workers/run.js';
import { shareTokens, WorkerTokenSource } from '../workers/token.js';
import { markWorkerServer, type PrimaryLink } from '../workers/worker.js';

export { refresherConfigSchema, refresherFields, type RefresherConfig } from './config.js';

export interface RunningRefresher {
  /** Base URL of the proxy, when proxying. */
  proxyUrl?: string;
  internalUrl: string;
  tokens: TokenSource;
  close(): Promise<void>;
}

type ProxyOptions = Parameters<typeof createProxyServer>[0];

/** The proxy's settings from the flags: upstream, its timeouts and CA. */
function proxyOptions(config: RefresherConfig, upstreamUrl: string, parts: Pick<ProxyOptions, 'tokens' | 'logger' | 'metrics'>, registry: Registry): ProxyOptions {
  const headersTimeout = config.upstreamWriteTimeout > 0 ? Math.min(config.upstreamWriteTimeout, config.upstreamTimeout) : config.upstreamTimeout;
  return {
    ...parts,
    upstreamUrl: new URL(upstreamUrl),
    connectTimeoutMs: config.upstreamConnectTimeout,
    headersTimeoutMs: headersTimeout,
    bodyTimeoutMs: config.upstreamBodyTimeout,
    readTimeoutMs: config.upstreamReadTimeout,
    tls: loadClientTls({ caFile: config.upstreamCaFile, certFile: config.upstreamCertFile, keyFile: config.upstreamKeyFile }, { ca: '--upstream.ca-file', cert: '--upstream.cert-file', key: '--upstream.key-file' }),
    serverTls: listenerTls(config, 'web', registry),
  };
}

/** Ready while a valid access token is held; otherwise why not, and since when. */
function readiness(tokens: TokenSource): ReadyState {
  const s = tokens.status();
  if (s.valid) return { ready: true, tokenExpiresAt: new Date(s.expiresAt!).toISOString() };
  return {
    ready: false,
    reason: 'token_unavailable',
    cause: s.lastError?.reason ?? 'no_token_yet',
    error: s.lastError?.message ?? 'no access token has been obtained yet',
    since: s.lastError ? new Date(s.lastError.at).toISOString() : undefined,
  };
}

/**
 * The proxy on --web.listen and its undici pool to the upstream, which is closed once the servers are
 * released. The single process and each cluster worker start it the same way; a worker also marks its answers.
 */
class ProxyListener {
  #upstreamPool?: { close(): Promise<void> };
  /** Whether V8 pretenures in this process (gc-policy.ts), once listening. */
  pretenuring?: boolean;

  /** Listens when an upstream is configured; resolves with the proxy's base URL. */
  async listen(servers: ComponentServers, config: RefresherConfig, parts: Pick<ProxyOptions, 'tokens' | 'logger' | 'metrics'>, registry: Registry, link?: PrimaryLink): Promise<string | undefined> {
    if (!config.upstreamUrl) return undefined;
    this.pretenuring = applyProxyGcPolicy().pretenuring;
    const { server, upstreamPool } = createProxyServer(proxyOptions(config, config.upstreamUrl, parts, registry));
    this.#upstreamPool = upstreamPool;
    if (link) markWorkerServer(server.server, link);
    return servers.listen(server, config.webListen, '--web.listen');
  }

  async close(): Promise<void> {
    await this.#upstreamPool?.close();
  }
}

/** A cluster worker: the proxy only, with the token the primary pushes (it never calls the issuer). */
async function startRefresherWorker(config: RefresherConfig, logger: Logger, link: PrimaryLink): Promise<RunningRefresher> {
  const registry = createRegistry();
  const metrics = createRefresherMetrics(registry);
  const tokens = new WorkerTokenSource(link.channel, logger);
  link.serve({ registry, readiness: () => readiness(tokens) });
  const proxy = new ProxyListener();
  const servers = new ComponentServers({ releaseAfter: () => proxy.close() });
  return servers.start(async () => {
    const proxyUrl = await proxy.listen(servers, config, { tokens, logger, metrics }, registry, link);
    return { proxyUrl, internalUrl: '', tokens, close: () => servers.close() };
  });
}

/**
 * Starts the token refresher: token source, optional proxy, optional token file, internal server. Clustered,
 * the primary keeps all but the proxy (its /metrics and /ready cover the workers) and the workers proxy.
 */
export async function startRefresher(config: RefresherConfig, logger: Logger, cluster?: ClusterRole): Promise<RunningRefresher> {
  if (cluster?.kind === 'worker') return startRefresherWorker(config, logger, cluster.link);
  // Clustered, the workers proxy; this process holds the token and serves the internal listener.
  const workers = cluster?.pool;
  const registry = createRegistry();
  const metrics = createRefresherMetrics(registry);
  const client = new OAuthClient({
    issuerUrl: config.issuerUrl,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    audience: config.audience,
    scopes: config.scope,
    timeoutMs: config.oidcTimeout,
  });
  const tokens = new TokenSource(client, { marginMs: config.margin, retryMaxMs: config.oidcRetryMaxBackoff, retryMinMs: config.oidcRetryMinBackoff, logger, metrics });
  metrics.up.set(0);
  if (workers) shareTokens(workers, tokens);

  if (config.file) {
    const file = config.file;
    tokens.on('token', (t) => {
      writeTokenFile(file, t.accessToken, config.tempFile).then(
        () => logger.debug({ file }, 'token file written'),
        (err: Error) => logger.error({ file, err: err.message }, 'cannot write token file'),
      );
    });
  }

  const proxy = new ProxyListener();
  const servers = new ComponentServers({
    stopBefore: () => tokens.stop(),
    releaseAfter: async () => {
      await proxy.close();
      await client.close();
    },
  });
  return servers.start(async () => {
    const proxyUrl = workers ? undefined : await proxy.listen(servers, config, { tokens, logger, metrics }, registry);
    const internalUrl = await servers.listenInternal({
      logger,
      registry: workers ? new ClusterRegistry(registry, workers) : registry,
      component: 'token-refresher',
      readiness: () => (workers ? workers.readiness(readiness(tokens)) : readiness(tokens)),
      tls: listenerTls(config, 'internal', registry),
    }, config.webInternalListen, '--web.internal.listen');
    tokens.start();
    logger.info({ proxy: proxyUrl, internal: internalUrl, upstream: config.upstreamUrl, issuer: config.issuerUrl, clientId: config.clientId, file: config.file, pretenuring: proxy.pretenuring }, 'token refresher started');
    return { proxyUrl, internalUrl, tokens, close: () => servers.close() };
  });
}
