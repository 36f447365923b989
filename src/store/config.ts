// `obspath store` settings: flags compatible with Prometheus where they exist, env vars, defaults.
import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import type { FieldSpec } from '../config/fields.js';
import { tlsSingleListenerFields, tlsSingleListenerSchema } from '../http/tls-flags.js';

const BYTE_UNITS: Record<string, number> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40, PB: 2 ** 50, EB: 2 ** 60 };

/** A byte size as Prometheus's --storage.tsdb.retention.size takes it ("512MB", "1GB"; units are powers of 1024). */
const byteSize = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+)(B|KB|MB|GB|TB|PB|EB)$/.exec(v.trim());
  if (m === null) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `invalid size "${v}": want a whole number and a unit (B, KB, MB, GB, TB, PB, EB), e.g. 512MB` });
    return z.NEVER;
  }
  return Number(m[1]) * BYTE_UNITS[m[2]!]!;
});

export const storeConfigSchema = z.object({
  storagePath: z.string().default('data/store'),
  listen: z.string().default('127.0.0.1:9091'),
  retention: durationMs.default(15 * 24 * 3600_000),
  retentionSize: byteSize.default(0),
  minBlockDuration: durationMs.default(2 * 3600_000),
  maxBlockDuration: durationMs.optional(),
  creationGracePeriod: durationMs.default(10 * 60_000),
  fsync: z.enum(['always', 'batch', 'off']).default('always'),
  queryTimeout: durationMs.default(120_000),
  maxSamples: z.coerce.number().int().positive().default(50_000_000),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  ...tlsSingleListenerSchema,
  scrapeConfigFile: z.string().min(1).optional(),
  rulesFile: z.array(z.string()).default([]),
  rulesEvaluationInterval: durationMs.refine((v) => v > 0, 'must be greater than 0').default(60_000),
  rulesResendDelay: durationMs.default(60_000),
  alertmanagerUrl: z.array(z.string().url()).default([]),
  alertmanagerTimeout: durationMs.refine((v) => v > 0, 'must be greater than 0').default(10_000),
  externalUrl: z.string().url().optional(),
});

export const storeFields: Record<keyof z.input<typeof storeConfigSchema>, FieldSpec> = {
  storagePath: { flags: '--storage.path <dir>', flag: '--storage.path', env: ['STORAGE_PATH'], description: 'data directory (WAL, checkpoints and blocks) (default data/store)' },
  listen: { flags: '--web.listen <addr>', flag: '--web.listen', env: ['WEB_LISTEN'], description: 'listen address (default 127.0.0.1:9091)' },
  retention: {
    flags: '--storage.retention <duration>',
    flag: '--storage.retention',
    aliases: ['--storage.tsdb.retention.time <duration>'],
    env: ['STORAGE_RETENTION'],
    description: 'keep samples this long; whole blocks are deleted (default 15d)',
  },
  retentionSize: {
    flags: '--storage.tsdb.retention.size <bytes>',
    flag: '--storage.tsdb.retention.size',
    env: ['STORAGE_TSDB_RETENTION_SIZE'],
    description: 'delete the oldest blocks while all blocks take more than this, e.g. 512MB (B, KB, MB, GB, TB; powers of 1024) (default 0: no limit)',
  },
  minBlockDuration: {
    flags: '--storage.tsdb.min-block-duration <duration>',
    flag: '--storage.tsdb.min-block-duration',
    env: ['STORAGE_TSDB_MIN_BLOCK_DURATION'],
    description: 'cut the in-memory head into blocks of this range once it spans 1.5 times it (default 2h)',
  },
  maxBlockDuration: {
    flags: '--storage.tsdb.max-block-duration <duration>',
    flag: '--storage.tsdb.max-block-duration',
    env: ['STORAGE_TSDB_MAX_BLOCK_DURATION'],
    description: 'compact blocks into ranges up to this (default 10% of retention, at most 31d)',
  },
  creationGracePeriod: {
    flags: '--storage.tsdb.creation-grace-period <duration>',
    flag: '--storage.tsdb.creation-grace-period',
    env: ['STORAGE_TSDB_CREATION_GRACE_PERIOD'],
    description: 'refuse samples stamped later than the clock plus this (400, other samples of the request kept) (default 10m)',
  },
  fsync: { flags: '--storage.fsync <mode>', flag: '--storage.fsync', env: ['STORAGE_FSYNC'], description: 'always: acknowledge a write after fsync; batch: fsync every second; off (default always)' },
  queryTimeout: { flags: '--query.timeout <duration>', flag: '--query.timeout', env: ['QUERY_TIMEOUT'], description: 'longest query evaluation (default 2m)' },
  maxSamples: { flags: '--query.max-samples <n>', flag: '--query.max-samples', env: ['QUERY_MAX_SAMPLES'], description: 'most samples one query may load (default 50000000)' },
  scrapeConfigFile: {
    flags: '--config.file <file>',
    flag: '--config.file',
    aliases: ['--scrape.config-file <file>'],
    env: ['SCRAPE_CONFIG_FILE'],
    description: 'Prometheus-shaped YAML with scrape_configs: targets to scrape into the store (reloaded on SIGHUP)',
  },
  rulesFile: { flags: '--rules.file <file>', flag: '--rules.file', repeatable: true, description: 'Prometheus rule file (alerting and recording rules) to evaluate; repeatable' },
  rulesEvaluationInterval: { flags: '--rules.evaluation-interval <duration>', flag: '--rules.evaluation-interval', env: ['RULES_EVALUATION_INTERVAL'], description: 'how often rule groups without their own interval are evaluated (default 1m)' },
  rulesResendDelay: { flags: '--rules.alert.resend-delay <duration>', flag: '--rules.alert.resend-delay', env: ['RULES_ALERT_RESEND_DELAY'], description: 'minimum time between two sends of a firing alert to Alertmanager (default 1m)' },
  alertmanagerUrl: { flags: '--alertmanager.url <url>', flag: '--alertmanager.url', repeatable: true, description: 'Alertmanager to send alerts to (API v2); repeatable' },
  alertmanagerTimeout: { flags: '--alertmanager.timeout <duration>', flag: '--alertmanager.timeout', env: ['ALERTMANAGER_TIMEOUT'], description: 'timeout of one send to an Alertmanager (default 10s)' },
  externalUrl: { flags: '--web.external-url <url>', flag: '--web.external-url', env: ['WEB_EXTERNAL_URL'], description: "the store's URL as users reach it, for alerts' generatorURL (default its listen URL)" },
  logLevel: { flags: '--log.level <level>', flag: '--log.level', env: ['LOG_LEVEL'], description: 'error, warn, info or debug (default info)' },
  ...tlsSingleListenerFields,
};
