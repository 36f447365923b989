import { Command } from 'commander';
import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import { onShutdownSignal } from '../http/lifecycle.js';
import { startStoreServer } from '../store/server.js';
import { createLogger } from '../telemetry/logger.js';
import { configuredAction, type FieldSpec } from './options.js';
import { helpWithExamples } from './help.js';

const schema = z.object({
  storagePath: z.string().default('data/store'),
  listen: z.string().default('127.0.0.1:9091'),
  retention: durationMs.default(24 * 3600_000),
  creationGracePeriod: durationMs.default(10 * 60_000),
  fsync: z.enum(['always', 'batch', 'off']).default('always'),
  queryTimeout: durationMs.default(120_000),
  maxSamples: z.coerce.number().int().positive().default(50_000_000),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
});

const fields: Record<keyof z.input<typeof schema>, FieldSpec> = {
  storagePath: { flags: '--storage.path <dir>', flag: '--storage.path', env: ['STORAGE_PATH'], description: 'data directory (WAL and checkpoints) (default data/store)' },
  listen: { flags: '--web.listen <addr>', flag: '--web.listen', env: ['WEB_LISTEN'], description: 'listen address (default 127.0.0.1:9091)' },
  retention: { flags: '--storage.retention <duration>', flag: '--storage.retention', env: ['STORAGE_RETENTION'], description: 'keep samples this long (default 24h)' },
  creationGracePeriod: {
    flags: '--storage.tsdb.creation-grace-period <duration>',
    flag: '--storage.tsdb.creation-grace-period',
    env: ['STORAGE_TSDB_CREATION_GRACE_PERIOD'],
    description: 'refuse samples stamped later than the clock plus this (400, other samples of the request kept) (default 10m)',
  },
  fsync: { flags: '--storage.fsync <mode>', flag: '--storage.fsync', env: ['STORAGE_FSYNC'], description: 'always: acknowledge a write after fsync; batch: fsync every second; off (default always)' },
  queryTimeout: { flags: '--query.timeout <duration>', flag: '--query.timeout', env: ['QUERY_TIMEOUT'], description: 'longest query evaluation (default 2m)' },
  maxSamples: { flags: '--query.max-samples <n>', flag: '--query.max-samples', env: ['QUERY_MAX_SAMPLES'], description: 'most samples one query may load (default 50000000)' },
  logLevel: { flags: '--log.level <level>', flag: '--log.level', env: ['LOG_LEVEL'], description: 'error, warn, info or debug (default info)' },
};

export function storeCommand(): Command {
  const cmd = new Command('store').description('the embedded metrics store as a server: Prometheus HTTP API v1 (query, query_range, series, labels) and remote write at /api/v1/write');
  helpWithExamples(cmd, {
    examples: [
      ['npx obspath store', 'on 127.0.0.1:9091, data in ./data/store'],
      ['npx obspath store --storage.path /var/lib/obspath --storage.retention 7d --storage.fsync batch', 'a week of data, fsync once a second'],
    ],
  });
  return configuredAction(cmd, { schema, fields, context: 'store configuration' }, async (c) => {
    const logger = createLogger({ component: 'store', level: c.logLevel });
    const server = await startStoreServer({
      store: { dir: c.storagePath, retentionMs: c.retention, creationGracePeriodMs: c.creationGracePeriod, fsync: c.fsync },
      listen: c.listen,
      engine: { timeoutMs: c.queryTimeout, maxSamples: c.maxSamples },
      logger,
    });
    onShutdownSignal(logger, () => server.close());
  });
}
