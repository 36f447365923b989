// One target's scrape loop, with Prometheus's semantics: a start offset from the target's hash (spread over
// the interval), timestamps kept on the interval grid when the timer fires within the tolerance, the five
// report series (up, scrape_duration_seconds, scrape_samples_scraped, scrape_samples_post_metric_relabeling,
// scrape_series_added), and stale markers for every series the previous scrape had and this one lacks
// (all of them when the scrape fails, and the report series too when the target is removed).
import { createHash } from 'node:crypto';
import type { Agent } from 'undici';
import { forEachSampleSliced, ExpositionError, type ExposedSample } from '../../exposition/parse.js';
import { Slicer } from '../../remotewrite/wire.js';
import type { BatchAppender } from '../appender.js';
import type { MemSeries } from '../head.js';
import { METRIC_NAME, type Label } from '../labels.js';
import { applyInTurn } from '../remote-write/ingest.js';
import type { Store } from '../store.js';
import type { ScrapeJob } from './config.js';
import { fetchMetrics, ScrapeError, type ScrapeAuth } from './fetch.js';
import { sampleLabels } from './labels.js';

// value.StaleNaN = 0x7ff0000000000002, as the two 32-bit halves the appender takes.
const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;

const REPORT_NAMES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'] as const;

export interface LoopDeps {
  store: Store;
  dispatcher: Agent;
  auth: ScrapeAuth;
  /** Spreads this store's scrapes differently from another scraper's (Prometheus: hostname + external labels). */
  jitterSeed: bigint;
  /** A scrape that starts this close to its grid time is stamped with the grid time (Prometheus: 2 ms). */
  timestampToleranceMs: number;
  /** Called after every scrape (logs on health changes, tests). */
  onReport?: (loop: ScrapeLoop, report: ScrapeReport) => void;
}

export interface ScrapeReport {
  timestamp: number;
  up: boolean;
  error?: string;
  durationSeconds: number;
  samplesScraped: number;
  samplesPostRelabeling: number;
  seriesAdded: number;
}

/** What one scrape produced before anything is appended. */
interface Fetched {
  samples: ExposedSample[];
  error?: string;
  durationSeconds: number;
}

/** The cache key of an exposed series: its text as exposed (cheap; no sorting, no encoding). */
function rawKey(s: ExposedSample): string {
  let k = s.name;
  for (const l of s.labels) k += `\u0000${l.name}\u0001${l.value}`;
  return k;
}

function hash64(text: string): bigint {
  return createHash('sha256').update(text).digest().readBigUInt64BE(0);
}

export class ScrapeLoop {
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private lastTs: number | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  /** Series of the previous scrape (for stale markers); the report series are kept apart. */
  private prev = new Set<MemSeries>();
  /** Exposed series of the last successful scrape -> stored series (Prometheus's scrape cache). */
  private cache = new Map<string, MemSeries>();
  private readonly reportSeries = new Map<string, MemSeries>();
  lastReport: ScrapeReport | undefined;

  constructor(
    readonly job: ScrapeJob,
    readonly url: string,
    /** The target's public labels (job, instance, static labels), sorted. */
    readonly labels: Label[],
    private readonly deps: LoopDeps,
  ) {}

  /** Time until this target's first scrape: its fixed place in the interval (Prometheus's Target.offset). */
  offsetMs(now: number): number {
    const interval = this.job.intervalMs;
    const h = (hash64(`${JSON.stringify(this.labels)}${this.url}`) ^ this.deps.jitterSeed) % BigInt(interval);
    let next = interval - (now % interval) + Number(h);
    if (next > interval) next -= interval;
    return next;
  }

  start(): void {
    this.next = Date.now() + this.offsetMs(Date.now());
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, this.next - Date.now()));
  }

  private async tick(): Promise<void> {
    this.running = this.scrapeOnce().then(
      () => undefined,
      (err: unknown) => process.emitWarning(`scrape of ${this.url} failed unexpectedly: ${String(err)}`),
    );
    await this.running;
    this.running = undefined;
    const interval = this.job.intervalMs;
    this.next += interval;
    const now = Date.now();
    if (this.next <= now) this.next += Math.ceil((now - this.next) / interval) * interval; // missed ticks are dropped
    this.schedule();
  }

  /** The scrape's timestamp: the grid time (last + interval) when the clock is within the tolerance of it. */
  timestampFor(now: number): number {
    const tol = this.deps.timestampToleranceMs;
    const iv = this.job.intervalMs;
    if (this.lastTs !== undefined && iv > 100 * tol && Math.abs(now - (this.lastTs + iv)) <= tol) return this.lastTs + iv;
    return now;
  }

  /** One scrape, appended; resolves when its samples are durable. */
  async scrapeOnce(): Promise<ScrapeReport> {
    const start = Date.now();
    const ts = this.timestampFor(start);
    this.lastTs = ts;
    const fetched = await this.fetchAndParse(start);
    const { report, durable } = await applyInTurn(this.deps.store, () => this.apply(fetched, ts));
    await durable;
    this.deps.onReport?.(this, report); // before lastReport changes: the listener compares with the previous
    this.lastReport = report;
    return report;
  }

  private async fetchAndParse(start: number): Promise<Fetched> {
    const samples: ExposedSample[] = [];
    let body: string;
    try {
      const authorization = await this.deps.auth.header();
      body = await fetchMetrics({ url: this.url, timeoutMs: this.job.timeoutMs, bodySizeLimit: this.job.bodySizeLimit, authorization, dispatcher: this.deps.dispatcher });
    } catch (err) {
      return { samples, error: (err as Error).message, durationSeconds: (Date.now() - start) / 1000 };
    }
    const durationSeconds = (Date.now() - start) / 1000;
    const limit = this.job.sampleLimit;
    try {
      await forEachSampleSliced(body, (s) => {
        samples.push(s);
        if (limit > 0 && samples.length > limit) throw new ScrapeError(`sample limit exceeded: more than ${limit} samples`);
      }, new Slicer());
    } catch (err) {
      if (!(err instanceof ExpositionError) && !(err instanceof ScrapeError)) throw err;
      return { samples, error: err instanceof ExpositionError ? `parse error: ${err.message}` : err.message, durationSeconds };
    }
    return { samples, durationSeconds };
  }

  /**
   * The stored labels of every sample, or the error that fails the scrape. Computed before anything is
   * appended: a scrape that fails appends none of its samples (Prometheus rolls its appender back).
   */
  private async resolve(samples: ExposedSample[], slicer: Slicer): Promise<{ keys: string[]; labels: (Label[] | MemSeries)[]; error?: string }> {
    const keys: string[] = [];
    const labels: (Label[] | MemSeries)[] = [];
    const head = this.deps.store.head;
    for (let i = 0; i < samples.length; i++) {
      if ((i & 255) === 255 && slicer.due()) await slicer.pause();
      const s = samples[i]!;
      const key = rawKey(s);
      const hit = this.cache.get(key);
      // A cached series that retention dropped from the head is looked up anew.
      if (hit !== undefined && head.series.get(hit.ref) === hit) {
        keys.push(key);
        labels.push(hit);
        continue;
      }
      const ls = sampleLabels(s, this.labels, this.job.honorLabels);
      if (typeof ls === 'string') return { keys, labels, error: ls };
      keys.push(key);
      labels.push(ls);
    }
    return { keys, labels };
  }

  private async apply(f: Fetched, ts: number): Promise<{ report: ScrapeReport; durable: Promise<unknown> }> {
    let error = f.error;
    const slicer = new Slicer();
    const resolved = error === undefined ? await this.resolve(f.samples, slicer) : { keys: [], labels: [] };
    error ??= resolved.error;
    const app = this.deps.store.appender(f.samples.length + 16);
    const seen = new Set<MemSeries>();
    const cacheNow = new Map<string, MemSeries>();
    let seriesAdded = 0;
    if (error === undefined) {
      const f64 = new Float64Array(1);
      const u32 = new Uint32Array(f64.buffer);
      for (let i = 0; i < f.samples.length; i++) {
        if ((i & 255) === 255 && slicer.due()) await slicer.pause();
        const s = f.samples[i]!;
        const l = resolved.labels[i]!;
        const series = Array.isArray(l) ? app.seriesFor(() => l) : l;
        if (typeof series === 'string') {
          app.reject(series.slice(0, series.indexOf(':')), 1, () => series);
          continue;
        }
        const key = resolved.keys[i]!;
        const explicit = this.job.honorTimestamps && s.timestamp !== undefined;
        f64[0] = s.value;
        const added = app.add(series, explicit ? s.timestamp! : ts, u32[1]!, u32[0]!);
        if (added && !this.cache.has(key) && !cacheNow.has(key)) seriesAdded++;
        cacheNow.set(key, series);
        if (!explicit) seen.add(series); // Prometheus tracks no staleness for samples with their own timestamps
      }
    }
    this.markStale(app, seen, ts);
    if (error === undefined) this.cache = cacheNow; // entries absent from this scrape are flushed
    const report: ScrapeReport = {
      timestamp: ts,
      up: error === undefined,
      ...(error !== undefined ? { error } : {}),
      durationSeconds: f.durationSeconds,
      samplesScraped: f.samples.length,
      // As Prometheus counts: the samples taken before the error (they are not stored: the scrape failed).
      samplesPostRelabeling: resolved.error !== undefined ? resolved.keys.length : f.samples.length,
      seriesAdded,
    };
    this.appendReport(app, report);
    return { report, durable: this.deps.store.commit(app) };
  }

  /** Stale markers for the previous scrape's series missing from this one. */
  private markStale(app: BatchAppender, seen: Set<MemSeries>, ts: number): void {
    for (const s of this.prev) if (!seen.has(s)) app.add(s, ts, STALE_HI, STALE_LO);
    this.prev = seen;
  }

  private reportSeriesFor(app: BatchAppender, name: string): MemSeries | undefined {
    const held = this.reportSeries.get(name);
    if (held !== undefined && this.deps.store.head.series.get(held.ref) === held) return held;
    const got = app.seriesFor(() => [{ name: METRIC_NAME, value: name }, ...this.labels]);
    if (typeof got === 'string') return undefined;
    this.reportSeries.set(name, got);
    return got;
  }

  private appendReport(app: BatchAppender, r: ScrapeReport): void {
    const values = [r.up ? 1 : 0, r.durationSeconds, r.samplesScraped, r.samplesPostRelabeling, r.seriesAdded];
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    REPORT_NAMES.forEach((name, i) => {
      const s = this.reportSeriesFor(app, name);
      f64[0] = values[i]!;
      if (s !== undefined) app.add(s, r.timestamp, u32[1]!, u32[0]!);
    });
  }

  /**
   * Stops the loop. With `markStale` (the target was removed from the configuration), its series and report
   * series end with stale markers, so queries stop returning them at once rather than 5 minutes later.
   */
  async stop(markStale: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (!markStale) return;
    const ts = Math.max(Date.now(), (this.lastTs ?? 0) + 1);
    const { durable } = await applyInTurn(this.deps.store, async () => {
      const app = this.deps.store.appender();
      this.markStale(app, new Set(), ts);
      for (const s of this.reportSeries.values()) app.add(s, ts, STALE_HI, STALE_LO);
      return { durable: this.deps.store.commit(app) };
    });
    await durable;
  }
}
