import type { Registry } from 'prom-client';
import { ObservatoriumClient } from '../client/client.js';
import { ComponentServers } from '../http/lifecycle.js';
import { listenerTls } from '../http/tls-flags.js';
import { loadClientTls } from '../http/tls-client.js';
import type { Logger } from '../telemetry/logger.js';
import { createRegistry } from '../telemetry/metrics.js';
import { createFleetApiApp } from './api.js';
import { Authenticator } from './auth.js';
import type { FleetConfig } from './config.js';
import { InstanceRegistry } from './instances.js';
import { MetricsService } from './metrics-service.js';
import { ClusterRegistry } from '../workers/metrics.js';
import type { ClusterRole } from '../workers/run.js';
import { markWorker } from '../workers/worker.js';

export { fleetConfigSchema, fleetFields, type FleetConfig } from './config.js';

export interface RunningFleetManager {
  apiUrl: string;
  internalUrl: string;
  registry: Registry;
  client: ObservatoriumClient;
  instances: InstanceRegistry;
  close(): Promise<void>;
}

/** The Observatorium base and which hop it is: the token refresher, or the API directly with a static token. */
export function observatoriumBase(config: FleetConfig): { baseUrl: string; target: 'token-refresher' | 'api' } {
  if (config.tokenRefresherUrl) return { baseUrl: config.tokenRefresherUrl, target: 'token-refresher' };
  return { baseUrl: `${config.observatoriumGateway!.replace(/\/+$/, '')}/api/metrics/v1/${config.observatoriumTenant}`, target: 'api' };
}

/**
 * Starts the fleet manager's metrics API and its internal server (/metrics, /live, /ready). Clustered, the
 * workers serve the API and the primary the internal server (metrics merged over the workers).
 */
export async function startFleetManager(config: FleetConfig, logger: Logger, opts: { instancesPollMs?: number } = {}, cluster?: ClusterRole): Promise<RunningFleetManager> {
  const pool = cluster?.kind === 'primary' ? cluster.pool : undefined;
  const link = cluster?.kind === 'worker' ? cluster.link : undefined;
  const registry = createRegistry();
  const instances = new InstanceRegistry(config.instancesFile, logger, opts.instancesPollMs);
  const { baseUrl, target } = observatoriumBase(config);
  const client = new ObservatoriumClient({
    baseUrl,
    target,
    timeoutMs: config.observatoriumTimeout,
    insecureSkipVerify: config.observatoriumIgnoreSsl,
    tls: loadClientTls({ caFile: config.observatoriumCaFile, certFile: config.observatoriumCertFile, keyFile: config.observatoriumKeyFile }, { ca: '--observatorium-ca-file', cert: '--observatorium-cert-file', key: '--observatorium-key-file' }),
    token: config.observatoriumToken,
    tokenFile: config.observatoriumTokenFile,
    registry,
  });
  const auth = new Authenticator({ issuerUrl: config.tokenIssuerUrl, jwksUrl: config.jwksUrl });
  const servers = new ComponentServers({
    stopBefore: () => instances.close(),
    releaseAfter: async () => {
      await client.close();
      await auth.close();
    },
  });
  return servers.start(async () => {
    const api = createFleetApiApp({ logger, registry, instances, auth, service: new MetricsService(client), tls: listenerTls(config, 'web', registry) });
    const readiness = () => {
      const s = instances.status();
      return { ready: true, instances: s.count, instancesLoadedAt: new Date(s.loadedAt).toISOString(), ...(s.lastError ? { instancesReloadError: s.lastError } : {}) };
    };
    if (link) {
      markWorker(api, link);
      link.serve({ registry, readiness });
    }
    const apiUrl = pool ? '' : await servers.listen(api, config.apiServerBindaddress, '--api-server-bindaddress');
    const internalUrl = link ? '' : await servers.listenInternal({
      logger,
      registry: pool ? new ClusterRegistry(registry, pool) : registry,
      component: 'fleet-manager',
      tls: listenerTls(config, 'internal', registry),
      readiness: () => (pool ? pool.readiness(readiness()) : readiness()),
    }, config.metricsServerBindaddress, '--metrics-server-bindaddress');
    logger.info({ api: apiUrl, internal: internalUrl, observatorium: baseUrl, via: target, timeoutMs: config.observatoriumTimeout, issuer: config.tokenIssuerUrl, instances: instances.status().count }, 'fleet manager started');
    return { apiUrl, internalUrl, registry, client, instances, close: () => servers.close() };
  });
}
