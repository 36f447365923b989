// Scraping as the store server uses it: the configuration file loaded and applied, reloaded on demand
// (SIGHUP), and the targets' state for /api/v1/targets. The scrape modules (the manager, its loops, undici,
// the OAuth client, the config schema) are imported only when a scrape configuration is given: a store without
// one does not hold them in memory.
import type { Logger } from '../../telemetry/logger.js';
import type { Store } from '../store.js';
import type { ScrapeConfig } from './config.js';
import type { ScrapeManager, TargetStatus } from './manager.js';

export type { ScrapeConfig, ScrapeJob } from './config.js';
export type { ScrapeManager, TargetStatus } from './manager.js';

/** Reads and checks a scrape configuration file (throws ConfigError naming what is wrong); before the store opens. */
export async function readScrapeConfig(file: string): Promise<ScrapeConfig> {
  const { loadScrapeConfig } = await import('./config.js');
  return loadScrapeConfig(file);
}

export interface Scraping {
  manager: ScrapeManager;
  /** Reads the file again and applies it; a bad file is logged and the running configuration kept. */
  reload(): Promise<boolean>;
  stop(): Promise<void>;
}

/** Starts the scrape loops of `config` (loaded from `file`, which reload() reads again). */
export async function startScraping(store: Store, file: string, config: ScrapeConfig, logger: Logger): Promise<Scraping> {
  const [{ ScrapeManager }, { loadScrapeConfig }] = await Promise.all([import('./manager.js'), import('./config.js')]);
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
