import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { createInternalServer } from '../http/internal.js';
import { listen } from '../http/server.js';
import type { Logger } from '../telemetry/logger.js';
import { createRegistry } from '../telemetry/metrics.js';
import type { RefresherConfig } from './config.js';
import { createRefresherMetrics } from './metrics.js';
import { OAuthClient } from '../oauth/client.js';
import { createProxyApp } from './proxy.js';
import { writeTokenFile } from './token-file.js';
import { TokenSource } from '../oauth/token-source.js';

export { refresherConfigSchema, refresherFields, type RefresherConfig } from './config.js';

export interface RunningRefresher {
  /** Base URL of the proxy, when proxying. */
  proxyUrl?: string;
  internalUrl: string;
  tokens: TokenSource;
  close(): Promise<void>;
}

/** Starts the token refresher: token source, optional proxy, optional token file, internal server. */
export async function startRefresher(config: RefresherConfig, logger: Logger): Promise<RunningRefresher> {
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

  if (config.file) {
    const file = config.file;
    tokens.on('token', (t) => {
      writeTokenFile(file, t.accessToken, config.tempFile).then(
        () => logger.debug({ file }, 'token file written'),
        (err: Error) => logger.error({ file, err: err.message }, 'cannot write token file'),
      );
    });
  }

  const servers: FastifyInstance[] = [];
  let proxyUrl: string | undefined;
  let agentClose: (() => Promise<void>) | undefined;
  try {
    if (config.upstreamUrl) {
      const headersTimeout = config.upstreamWriteTimeout > 0 ? Math.min(config.upstreamWriteTimeout, config.upstreamTimeout) : config.upstreamTimeout;
      const { app, agent } = createProxyApp({
        upstreamUrl: new URL(config.upstreamUrl),
        tokens,
        logger,
        metrics,
        connectTimeoutMs: config.upstreamConnectTimeout,
        headersTimeoutMs: headersTimeout,
        bodyTimeoutMs: config.upstreamBodyTimeout,
        readTimeoutMs: config.upstreamReadTimeout,
        tls: config.upstreamCaFile ? { ca: readFileSync(config.upstreamCaFile) } : undefined,
      });
      agentClose = () => agent.close();
      servers.push(app);
      proxyUrl = (await listen(app, config.webListen, '--web.listen')).url;
    }
    const internal = createInternalServer({
      logger,
      registry,
      component: 'token-refresher',
      readiness: () => {
        const s = tokens.status();
        if (s.valid) return { ready: true, tokenExpiresAt: new Date(s.expiresAt!).toISOString() };
        return {
          ready: false,
          reason: 'token_unavailable',
          cause: s.lastError?.reason ?? 'no_token_yet',
          error: s.lastError?.message ?? 'no access token has been obtained yet',
          since: s.lastError ? new Date(s.lastError.at).toISOString() : undefined,
        };
      },
    });
    servers.push(internal);
    const internalUrl = (await listen(internal, config.webInternalListen, '--web.internal.listen')).url;
    tokens.start();
    logger.info({ proxy: proxyUrl, internal: internalUrl, upstream: config.upstreamUrl, issuer: config.issuerUrl, clientId: config.clientId, file: config.file }, 'token refresher started');

    return {
      proxyUrl,
      internalUrl,
      tokens,
      close: async () => {
        tokens.stop();
        await Promise.all(servers.map((s) => s.close()));
        await agentClose?.();
        await client.close();
      },
    };
  } catch (err) {
    tokens.stop();
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
}
