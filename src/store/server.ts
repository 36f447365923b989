// The embedded store as its own server: Prometheus HTTP API v1 (reads) and remote write, so it can stand
// where Prometheus stands (behind the API gateway in `obspath up`, beside Prometheus in differential tests).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import { Engine, type EngineOptions } from '../promql/engine.js';
import { errorTypeForStatus, promError } from '../http/errors.js';
import { ComponentServers } from '../http/lifecycle.js';
import { createHttpApp } from '../http/server.js';
import { listenerTls, type TlsServerConfig } from '../http/tls-flags.js';
import type { Logger } from '../telemetry/logger.js';
import { createRegistry } from '../telemetry/metrics.js';
import { formatDuration } from '../promql/lex.js';
import { bareFront } from '../http/bare-front.js';
import { META_PATHS, handleMeta, handleRead, withRequestId, type ReadEndpoint } from '../promapi/index.js';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from './remote-write/ingest.js';
import { FORM_BODY_LIMIT, answerWrite, readParams } from './http/answers.js';
import { storeHotRoutes } from './http/hot-routes.js';
import { Store, type StoreOptions } from './store.js';
import { loadStoreRules, setUpStoreRules, type StoreRules, type StoreRulesOptions } from './rules.js';
import { readScrapeConfig, startScraping, targetsResponse, type Scraping } from './scrape/index.js';

export interface StoreServerOptions {
  /** The TLS flags (--tls.server.*); the store has one listener. */
  tls?: TlsServerConfig;
  store: StoreOptions;
  listen: string;
  engine?: EngineOptions;
  ingestLimits?: IngestLimits;
  /** Rule files, evaluation and Alertmanagers (none: no rules evaluated). */
  rules?: StoreRulesOptions;
  logger: Logger;
  /** A Prometheus-shaped scrape configuration (scrape_configs) to scrape targets into the store. */
  scrapeConfigFile?: string;
  /**
   * Serve query, query_range and remote write on a bare node:http listener in front of fastify (default true);
   * false serves every route through fastify, the reference the bare routes are tested against.
   */
  hotRoutes?: boolean;
}

export interface RunningStoreServer {
  url: string;
  store: Store;
  app: FastifyInstance;
  registry: Registry;
  /** Present when started with a scrape configuration. */
  scraping?: Scraping;
  rules: StoreRules;
  close(): Promise<void>;
}

/** Query string and form body merged, as Go's r.Form does (body values first). */
export function requestParams(req: FastifyRequest): URLSearchParams {
  return readParams(typeof req.body === 'string' ? req.body : undefined, req.url);
}

/** Registers the form and protobuf parsers Prometheus's API needs (fastify has neither). */
export function addPromBodyParsers(app: FastifyInstance, ingestLimits: IngestLimits): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(['application/x-protobuf', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: ingestLimits.maxCompressedBytes }, (_req, body, done) => done(null, body));
}

function storeMetrics(registry: Registry, store: Store): void {
  const stat = (name: string, help: string, pick: (s: ReturnType<Store['stats']>) => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(pick(store.stats())); } });
  stat('obspath_store_head_series', 'Series held in memory.', (s) => s.series);
  stat('obspath_store_head_samples', 'Samples held in memory.', (s) => s.samples);
  stat('obspath_store_head_chunks', 'Compressed chunks held in memory.', (s) => s.chunks);
  stat('obspath_store_wal_bytes', 'Bytes of WAL segments and checkpoint on disk.', (s) => s.walBytes);
  stat('obspath_store_wal_corruptions', 'Torn or corrupt WAL tails dropped at the last open.', (s) => s.walCorruptions);
  stat('obspath_store_blocks_loaded', 'Persistent blocks on disk (Prometheus format).', (s) => s.blocks);
  stat('obspath_store_block_bytes', 'Bytes of all persistent blocks on disk.', (s) => s.blockBytes);
  stat('obspath_store_block_cache_bytes', 'Bytes held by the block read caches (postings, series, chunks).', (s) => s.blockCacheBytes);
  stat('obspath_store_head_compactions', 'Blocks cut from the head since start.', (s) => s.headCompactions);
  stat('obspath_store_block_compactions', 'Block compactions since start.', (s) => s.blockCompactions);
  stat('obspath_store_blocks_deleted', 'Blocks deleted by retention since start.', (s) => s.blocksDeleted);
}

/** Errors before the handler runs (body over the limit, unknown content type) in the same JSON shape. */
function writeErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
  if (status >= 500) req.log.error({ err }, 'remote write failed');
  const errorType = status === 413 ? 'request_too_large' : status === 415 ? 'unsupported_media_type' : errorTypeForStatus(status);
  const reason = status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_content_type' : (err.code ?? 'error').toLowerCase();
  return reply.code(status).type('application/json').send(promError(errorType, `store: ${err.message}`, { hop: 'store', reason, requestId: req.id }));
}

export async function startStoreServer(opts: StoreServerOptions): Promise<RunningStoreServer> {
  // A bad scrape configuration or rule file stops the start before the data directory is touched.
  const scrapeConfig = opts.scrapeConfigFile !== undefined ? await readScrapeConfig(opts.scrapeConfigFile) : undefined;
  const ruleSpecs = await loadStoreRules(opts.rules);
  const store = await Store.open(opts.store);
  const engine = new Engine(opts.engine);
  const limits = opts.ingestLimits ?? DEFAULT_INGEST_LIMITS;
  const registry = createRegistry();
  storeMetrics(registry, store);
  const hot = opts.hotRoutes !== false;
  const tls = opts.tls ? listenerTls(opts.tls, 'web', registry) : undefined;
  // In front of fastify, the bare listener holds the socket (TLS) and writes every access line.
  const app = createHttpApp({ logger: opts.logger, hop: 'store', bodyLimit: limits.maxCompressedBytes, ...(hot ? { accessLog: false } : { tls }) });
  addPromBodyParsers(app, limits);
  const rules = setUpStoreRules(app, ruleSpecs, opts.rules ?? {}, { store, engine, registry, logger: opts.logger });

  const read = (endpoint: ReadEndpoint) => async (req: FastifyRequest<{ Params: { name?: string } }>, reply: FastifyReply) => {
    const res = withRequestId(handleRead({ querier: store, engine }, endpoint, requestParams(req), req.params.name), req.id);
    return reply.code(res.status).type('application/json').send(res.body);
  };
  for (const [path, ep] of [['/api/v1/query', 'query'], ['/api/v1/query_range', 'query_range'], ['/api/v1/series', 'series'], ['/api/v1/labels', 'labels']] as const) {
    app.route({ method: ['GET', 'POST'], url: path, handler: read(ep) });
  }
  app.route({ method: ['GET', 'POST'], url: '/api/v1/label/:name/values', handler: read('label_values') });
  const startTimeMs = Date.now();
  const runtime = () => ({ startTimeMs, storageRetention: formatDuration(opts.store.retentionMs ?? 24 * 3600_000), corruptionCount: store.stats().walCorruptions });
  for (const [path, ep] of META_PATHS) {
    app.route({ method: ['GET', 'POST'], url: path, handler: async (req, reply) => {
      const res = withRequestId(handleMeta({ engine, runtime }, ep, requestParams(req)), req.id);
      return reply.code(res.status).type('application/json').send(res.body);
    } });
  }
  app.post('/api/v1/write', { errorHandler: writeErrorHandler }, async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const res = await answerWrite(store, body, req.headers, limits, req.id, () => req.log as Logger);
    if (res.body === undefined) return reply.code(204).send();
    return reply.code(res.status).type('application/json').send(res.body);
  });
  let scraping: Scraping | undefined;
  app.get('/api/v1/targets', async () => targetsResponse(scraping?.manager.targets() ?? []));
  app.get('/-/healthy', async () => 'Healthy\n');
  app.get('/-/ready', async () => 'Ready\n');
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));

  const servers = new ComponentServers({ stopBefore: () => scraping?.stop(), releaseAfter: () => rules.stop().finally(() => store.close()) });
  const url = await servers.start(async () => {
    const web = hot ? await bareFront(app, { logger: opts.logger, hop: 'store', tls }, storeHotRoutes({ store, engine, limits })) : app;
    const listening = await servers.listen(web, opts.listen, '--web.listen');
    if (scrapeConfig !== undefined) scraping = await startScraping(store, opts.scrapeConfigFile!, scrapeConfig, opts.logger);
    return listening;
  });
  rules.start(url);
  opts.logger.info({ url, dir: opts.store.dir, series: store.stats().series, scrapeTargets: scraping?.manager.targets().length ?? 0 }, 'store started');
  return { url, store, app, registry, rules, ...(scraping !== undefined ? { scraping } : {}), close: () => servers.close() };
}
