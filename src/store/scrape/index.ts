// Scraping as the store server uses it: the configuration file loaded and applied, reloaded on demand
// (SIGHUP), and the targets' state for /api/v1/targets.
import type { Logger } from '../../telemetry/logger.js';
import type { Store } from '../store.js';
import { loadScrapeConfig, type ScrapeConfig } from './config.js';
import { ScrapeManager, type TargetStatus } from './manager.js';

export { loadScrapeConfig, scrapeConfigFrom, DEFAULT_BODY_SIZE_LIMIT, type ScrapeConfig, type ScrapeJob } from './config.js';
export { ScrapeManager, type TargetStatus } from './manager.js';

export interface Scraping {
  manager: ScrapeManager;
  /** Reads the file again and applies it; a bad file is logged and the running configuration kept. */
  reload(): Promise<boolean>;
  stop(): Promise<void>;
}

/** Starts the scrape loops of `config` (loaded from `file`, which reload() reads again). */
export async function startScraping(store: Store, file: string, config: ScrapeConfig, logger: Logger): Promise<Scraping> {
  const manager = new ScrapeManager({ store, logger });
  await manager.apply(config);
  return {
    manager,
    async reload() {
      try {
        await manager.apply(loadScrapeConfig(file));
        logger.info({ file }, 'scrape configuration reloaded');
        return true;
      } catch (err) {
        logger.error({ file, err: (err as Error).message }, 'scrape configuration reload failed; the running configuration is kept');
        return false;
      }
    },
    stop: () => manager.stop(),
  };
}

/** The active targets as Prometheus's /api/v1/targets lists them (the fields this store knows). */
export function targetsResponse(targets: TargetStatus[]): unknown {
  return {
    status: 'success',
    data: {
      activeTargets: targets.map((t) => ({
        labels: t.labels,
        scrapePool: t.job,
        scrapeUrl: t.url,
        health: t.health,
        lastError: t.lastError ?? '',
        lastScrape: t.lastScrape !== undefined ? new Date(t.lastScrape).toISOString() : '0001-01-01T00:00:00Z',
      })),
      droppedTargets: [],
    },
  };
}
