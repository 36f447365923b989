// `obspath store` settings: flags compatible with Prometheus where they exist, env vars, defaults.
import { z } from 'zod';
import { durationMs } from '../config/duration.js';
import type { FieldSpec } from '../config/fields.js';

export const storeConfigSchema = z.object({
  storagePath: z.string().default('data/store'),
  listen: z.string().default('127.0.0.1:9091'),
  retention: durationMs.default(24 * 3600_000),
  creationGracePeriod: durationMs.default(10 * 60_000),
  fsync: z.enum(['always', 'batch', 'off']).default('always'),
  queryTimeout: durationMs.default(120_000),
  maxSamples: z.coerce.number().int().positive().default(50_000_000),
  logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  scrapeConfigFile: z.string().min(1).optional(),
  rulesFile: z.array(z.string()).default([]),
  rulesEvaluationInterval: durationMs.refine((v) => v > 0, 'must be greater than 0').default(60_000),
  rulesResendDelay: durationMs.default(60_000),
  alertmanagerUrl: z.array(z.string().url()).default([]),
  alertmanagerTimeout: durationMs.refine((v) => v > 0, 'must be greater than 0').default(10_000),
  externalUrl: z.string().url().optional(),
});

export const storeFields: Record<keyof z.input<typeof storeConfigSchema>, FieldSpec> = {
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
};
