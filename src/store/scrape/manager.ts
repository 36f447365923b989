// The store's scrape manager: one loop per (job, target), applied from a scrape configuration and re-applied
// on reload. A target whose job settings, URL and labels are unchanged keeps its loop (and its place in the
// interval); a removed target ends with stale markers; a new one starts at its offset.
import { hostname } from 'node:os';
import { createHash } from 'node:crypto';
import { Agent } from 'undici';
import type { Logger } from '../../telemetry/logger.js';
import type { Store } from '../store.js';
import type { ScrapeConfig, ScrapeJob } from './config.js';
import { ScrapeAuth } from './fetch.js';
import { targetLabels } from './labels.js';
import { ScrapeLoop, type ScrapeReport } from './loop.js';

export interface ScrapeManagerOptions {
  store: Store;
  logger?: Logger;
  /** Default: a hash of the host name, as Prometheus seeds its offsets. */
  jitterSeed?: bigint;
  /** Default 2 ms (Prometheus's --scrape.timestamp-tolerance). */
  timestampToleranceMs?: number;
  onReport?: (loop: ScrapeLoop, report: ScrapeReport) => void;
}

export interface TargetStatus {
  job: string;
  url: string;
  labels: Record<string, string>;
  health: 'up' | 'down' | 'unknown';
  lastError?: string;
  lastScrape?: number;
}

function jobIdentity(job: ScrapeJob): string {
  const { targets: _targets, ...settings } = job;
  return JSON.stringify(settings);
}

export class ScrapeManager {
  private readonly loops = new Map<string, ScrapeLoop>();
  private readonly auths = new Map<string, ScrapeAuth>();
  private readonly dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 4 });
  private readonly jitterSeed: bigint;

  constructor(private readonly opts: ScrapeManagerOptions) {
    this.jitterSeed = opts.jitterSeed ?? createHash('sha256').update(hostname()).digest().readBigUInt64BE(0);
  }

  private applying: Promise<void> = Promise.resolve();

  /** Makes the running loops those of `config`; resolves once removed targets have their stale markers. */
  apply(config: ScrapeConfig): Promise<void> {
    // One at a time: two reloads in quick succession must not start the same target twice.
    const run = this.applying.then(() => this.applyNow(config));
    this.applying = run.catch(() => undefined);
    return run;
  }

  private async applyNow(config: ScrapeConfig): Promise<void> {
    const wanted = new Map<string, { job: ScrapeJob; url: string; labels: ReturnType<typeof targetLabels> }>();
    for (const job of config.jobs) {
      for (const t of job.targets) {
        const url = `${job.scheme}://${t.address}${job.metricsPath}`;
        const labels = targetLabels(job.jobName, t.address, t.labels);
        wanted.set(`${jobIdentity(job)}|${url}|${JSON.stringify(labels)}`, { job, url, labels });
      }
    }
    const removed = [...this.loops].filter(([key]) => !wanted.has(key));
    for (const [key] of removed) this.loops.delete(key);
    await Promise.all(removed.map(([, loop]) => loop.stop(true)));
    const auths = new Map<string, ScrapeAuth>();
    for (const [key, { job, url, labels }] of wanted) {
      const id = jobIdentity(job);
      const auth = auths.get(id) ?? this.auths.get(id) ?? new ScrapeAuth(job);
      auths.set(id, auth);
      if (this.loops.has(key)) continue;
      const loop = new ScrapeLoop(job, url, labels, {
        store: this.opts.store,
        dispatcher: this.dispatcher,
        auth,
        jitterSeed: this.jitterSeed,
        timestampToleranceMs: this.opts.timestampToleranceMs ?? 2,
        onReport: (l, r) => this.reported(l, r),
      });
      this.loops.set(key, loop);
      loop.start();
    }
    for (const [id, auth] of this.auths) if (!auths.has(id)) await auth.close();
    this.auths.clear();
    for (const [id, auth] of auths) this.auths.set(id, auth);
    this.opts.logger?.info({ jobs: config.jobs.length, targets: this.loops.size }, 'scrape configuration applied');
  }

  private reported(loop: ScrapeLoop, report: ScrapeReport): void {
    const before = loop.lastReport;
    // Logged on changes of health only, at info (Prometheus logs failed scrapes at debug): `up` is the signal,
    // and a stack whose store starts before its targets must not greet its user with warnings.
    if (before === undefined || before.up !== report.up || before.error !== report.error) {
      const at = { job: loop.job.jobName, url: loop.url, ...(report.up ? {} : { err: report.error }) };
      this.opts.logger?.info(at, report.up ? 'scrape target up' : 'scrape target down');
    }
    this.opts.onReport?.(loop, report);
  }

  targets(): TargetStatus[] {
    return [...this.loops.values()].map((l) => ({
      job: l.job.jobName,
      url: l.url,
      labels: Object.fromEntries(l.labels.map((x) => [x.name, x.value])),
      health: l.lastReport === undefined ? 'unknown' : l.lastReport.up ? 'up' : 'down',
      ...(l.lastReport?.error !== undefined ? { lastError: l.lastReport.error } : {}),
      ...(l.lastReport !== undefined ? { lastScrape: l.lastReport.timestamp } : {}),
    }));
  }

  /** Stops every loop (no stale markers: the store is going away, as on Prometheus's shutdown). */
  async stop(): Promise<void> {
    await this.applying;
    const loops = [...this.loops.values()];
    this.loops.clear();
    await Promise.all(loops.map((l) => l.stop(false)));
    for (const a of this.auths.values()) await a.close();
    await this.dispatcher.close();
  }
}
