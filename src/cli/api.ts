import { Command } from 'commander';
import { apiConfigSchema, apiFields, startApi, type OpenEmbeddedStore } from '../api/index.js';
import { createLogger } from '../telemetry/logger.js';
import { parseWorkers, workersOption } from '../workers/options.js';
import { runClustered } from '../workers/run.js';
import { configuredAction } from './options.js';
import { helpWithExamples } from './help.js';

export function apiCommand(): Command {
  const cmd = new Command('api')
    .description('The Observatorium API: per-tenant OIDC, RBAC, rate limits and tenant enforcement in front of a metrics store');
  helpWithExamples(cmd, {
    notes: `Routes: /api/metrics/v1/{tenant}/api/v1/{query,query_range,series,labels,label/{name}/values,receive,rules,alerts}.

Errors are Prometheus JSON naming the hop: 401 (auth: expired, wrong_audience, bad_signature, unknown_key, ...), 403 (RBAC), 404 (unknown tenant or path), 429 (rate limit, in-flight cap), 413, 503 (issuer keys unavailable), 502 upstream_unreachable, 504 upstream_timeout. SIGHUP reloads --tenants.config and --rbac.config.

Without --metrics.read.endpoint/--metrics.write.endpoint the embedded store at --storage.path serves both.`,
    examples: [
      ['npx obspath api --tenants.config docs/examples/tenants.yaml \\\n--rbac.config docs/examples/rbac.yaml', 'in front of the embedded store (data/api-store), on 127.0.0.1:8090 and :8091'],
      ['npx obspath api --tenants.config docs/examples/tenants.yaml \\\n--rbac.config docs/examples/rbac.yaml --metrics.read.endpoint http://127.0.0.1:9091 \\\n--metrics.write.endpoint http://127.0.0.1:9091/api/v1/write', 'in front of `obspath store` (or Prometheus, Thanos, Mimir, VictoriaMetrics)'],
      ['npx obspath api --workers auto --tenants.config docs/examples/tenants.yaml \\\n--rbac.config docs/examples/rbac.yaml --metrics.read.endpoint http://127.0.0.1:9091 \\\n--metrics.write.endpoint http://127.0.0.1:9091/api/v1/write', 'the same on every core: rate limits counted once in the primary, one /metrics; needs an HTTP store'],
    ],
  });
  cmd.addOption(workersOption());
  return configuredAction(cmd, { schema: apiConfigSchema, fields: apiFields, context: 'api configuration', configFile: true }, async (config) => {
    const logger = createLogger({ component: 'api', level: config.logLevel });
    if (config.logFormat === 'logfmt') logger.warn('--log.format=logfmt is accepted for compatibility; logs are JSON lines');
    // Loaded only when the API hosts the store (no HTTP backend configured).
    const openEmbeddedStore: OpenEmbeddedStore = async (opts) => (await import('./embedded-store.js')).openEmbeddedStore(opts);
    const workers = parseWorkers(cmd.opts().workers as string);
    const running = await runClustered({ workers, logger, graceMs: 30_000, start: (role) => startApi(config, logger, { openEmbeddedStore }, role) });
    process.on('SIGHUP', () => {
      logger.info('SIGHUP: reloading the tenants and RBAC files');
      running.reload();
    });
  });
}
