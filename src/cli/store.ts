import { Command } from 'commander';
import { onShutdownSignal } from '../http/lifecycle.js';
import { startStoreServer } from '../store/server.js';
import { createLogger } from '../telemetry/logger.js';
import { configuredAction } from './options.js';
import { storeConfigSchema, storeFields } from '../store/config.js';
import { helpWithExamples } from './help.js';

export function storeCommand(): Command {
  const cmd = new Command('store').description('the embedded metrics store as a server: Prometheus HTTP API v1 (query, query_range, series, labels) and remote write at /api/v1/write');
  helpWithExamples(cmd, {
    examples: [
      ['npx obspath store', 'on 127.0.0.1:9091, data in ./data/store'],
      ['npx obspath store --storage.path /var/lib/obspath --storage.retention 7d --storage.fsync batch', 'a week of data, fsync once a second'],
      ['npx obspath store --config.file scrape.yml --rules.file rules.yml --alertmanager.url http://am', 'scrape the targets of scrape.yml (HUP reloads), evaluate the rules, send alerts to Alertmanager'],
    ],
  });
  return configuredAction(cmd, { schema: storeConfigSchema, fields: storeFields, context: 'store configuration' }, async (c) => {
    const logger = createLogger({ component: 'store', level: c.logLevel });
    const server = await startStoreServer({
      store: {
        dir: c.storagePath,
        retentionMs: c.retention,
        retentionBytes: c.retentionSize,
        minBlockDurationMs: c.minBlockDuration,
        ...(c.maxBlockDuration !== undefined ? { maxBlockDurationMs: c.maxBlockDuration } : {}),
        creationGracePeriodMs: c.creationGracePeriod,
        fsync: c.fsync,
      },
      listen: c.listen,
      engine: { timeoutMs: c.queryTimeout, maxSamples: c.maxSamples },
      rules: {
        files: c.rulesFile, evaluationIntervalMs: c.rulesEvaluationInterval, resendDelayMs: c.rulesResendDelay,
        alertmanagerUrls: c.alertmanagerUrl, alertmanagerTimeoutMs: c.alertmanagerTimeout, externalUrl: c.externalUrl,
      },
      logger,
      tls: c,
      ...(c.scrapeConfigFile !== undefined ? { scrapeConfigFile: c.scrapeConfigFile } : {}),
    });
    onShutdownSignal(logger, () => server.close());
    if (server.scraping !== undefined) {
      const scraping = server.scraping;
      process.on('SIGHUP', () => void scraping.reload());
    }
  });
}
