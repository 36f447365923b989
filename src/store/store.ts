// The embedded metrics store: opens a data directory, replays checkpoint + WAL into the head, takes
// appends (acknowledged once their WAL records are durable), answers the PromQL Querier contract,
// and keeps the WAL bounded with checkpoints and time-based retention.
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabelMatcher, Labels, Querier, SelectHints, SeriesSamples } from '../storage/interface.js';
import { cachedBytes, type BlockCacheSizes } from './block/caches.js';
import { writeHeadBlock } from './block/compact.js';
import { BlockSet, compactionRanges } from './block/db.js';
import { MergeQuerier } from './block/querier.js';
import { HeadQuerier } from './head-querier.js';
import { BatchAppender, describeDuration, type AppendResult } from './appender.js';
import { DEFAULT_CREATION_GRACE_MS, Head } from './head.js';
import { DEFAULT_LABEL_LIMITS, type LabelLimits } from './labels.js';
import type { SeriesToWrite } from '../remotewrite/encode.js';
import { Replayer, emptyReplayStats, type ReplayStats } from './replay.js';
import type { StoreStats } from './store-stats.js';
import { deleteCovered, snapshotHead, writeCheckpoint } from './wal/checkpoint.js';
import { readSegment, repairSegment } from './wal/reader.js';
import { checkpointName, listWal, segmentName } from './wal/segment.js';
import { WalWriter, type FsyncMode } from './wal/writer.js';

export interface StoreOptions {
  /** Data directory (created if missing); the WAL lives in <dir>/wal. */
  dir: string;
  /** Data older than (newest sample, or the clock if earlier - retention) is dropped. Default 24 h. */
  retentionMs?: number;
  fsync?: FsyncMode;
  /** For fsync 'batch'. Default 1000 ms. */
  fsyncIntervalMs?: number;
  /** WAL segment size. Default 32 MiB. */
  segmentBytes?: number;
  /** Take a checkpoint once the WAL segments since the last one exceed this. Default 64 MiB. */
  checkpointAfterBytes?: number;
  /** Samples older than (newest sample - window) are "out of bounds". Default 1 h. */
  outOfBoundsWindowMs?: number;
  /** Samples later than (clock + this) are "too far in the future". Default 10 min. */
  creationGracePeriodMs?: number;
  /** The wall clock (ms). Default Date.now; tests pass their own. */
  now?: () => number;
  limits?: Partial<LabelLimits>;
  /** Retention + checkpoint check period. Default 60 s; 0 disables the timer. */
  maintenanceIntervalMs?: number;
  /** Head samples are cut into blocks of this range once the head spans 1.5 times it. Default 2 h. */
  minBlockDurationMs?: number;
  /** Blocks are compacted into ranges up to this. Default 10% of retention, at most 31 d. */
  maxBlockDurationMs?: number;
  /** Oldest blocks are deleted while all blocks together exceed this many bytes. Default 0 (no limit). */
  retentionBytes?: number;
  /** Bounds of the read caches all blocks share. */
  blockCaches?: BlockCacheSizes;
  /** Where to report recoverable trouble (torn WAL tail, background checkpoint failure). */
  onWarning?: (msg: string) => void;
}

export type { StoreStats };

export type { AppendResult };

/** WAL bytes since the last checkpoint, in multiples of checkpointAfterBytes, past which appends wait for it. */
const BACKPRESSURE_FACTOR = 4;

export class Store implements Querier {
  readonly head: Head;
  private wal!: WalWriter;
  private readonly walDir: string;
  private readonly opts: Required<Omit<StoreOptions, 'limits' | 'onWarning' | 'now' | 'blockCaches'>> & { limits: LabelLimits; blockCaches: BlockCacheSizes };
  private blockSet!: BlockSet;
  private readonly headQuerier: HeadQuerier;
  /** Head cuts, compactions and block deletions run one at a time. */
  private blockWork: Promise<unknown> = Promise.resolve();
  private readonly counts = { headCompactions: 0, blockCompactions: 0, blocksDeleted: 0 };
  private readonly warn: (msg: string) => void;
  /** Sizes of segments written before this open, still on disk. */
  private readonly oldSegments = new Map<number, number>();
  private checkpointBytes = 0;
  private checkpointCount = 0;
  private checkpointing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private walCorruptions = 0;
  private replayStats: ReplayStats = emptyReplayStats();
  private closed = false;

  private constructor(opts: StoreOptions) {
    this.opts = {
      dir: opts.dir,
      retentionMs: opts.retentionMs ?? 24 * 3600_000,
      fsync: opts.fsync ?? 'always',
      fsyncIntervalMs: opts.fsyncIntervalMs ?? 1000,
      segmentBytes: opts.segmentBytes ?? 32 << 20,
      checkpointAfterBytes: opts.checkpointAfterBytes ?? 64 << 20,
      outOfBoundsWindowMs: opts.outOfBoundsWindowMs ?? 3600_000,
      creationGracePeriodMs: opts.creationGracePeriodMs ?? DEFAULT_CREATION_GRACE_MS,
      maintenanceIntervalMs: opts.maintenanceIntervalMs ?? 60_000,
      limits: { ...DEFAULT_LABEL_LIMITS, ...opts.limits },
      minBlockDurationMs: opts.minBlockDurationMs ?? 2 * 3600_000,
      maxBlockDurationMs: opts.maxBlockDurationMs ?? Math.min(31 * 24 * 3600_000, Math.floor((opts.retentionMs ?? 24 * 3600_000) / 10)),
      retentionBytes: opts.retentionBytes ?? 0,
      blockCaches: opts.blockCaches ?? {},
    };
    if (!(this.opts.minBlockDurationMs > 0)) throw new Error(`store: the minimum block duration must be positive, got ${this.opts.minBlockDurationMs} ms`);
    this.warn = opts.onWarning ?? ((m) => process.emitWarning(m, 'ObspathStoreWarning'));
    this.walDir = join(opts.dir, 'wal');
    this.head = new Head({ outOfBoundsWindowMs: this.opts.outOfBoundsWindowMs, creationGraceMs: this.opts.creationGracePeriodMs, now: opts.now ?? Date.now });
    this.headQuerier = new HeadQuerier(this.head);
  }

  static async open(opts: StoreOptions): Promise<Store> {
    const store = new Store(opts);
    await store.recover();
    return store;
  }

  get limits(): LabelLimits {
    return this.opts.limits;
  }

  private async recover(): Promise<void> {
    await mkdir(this.walDir, { recursive: true });
    this.blockSet = await BlockSet.open(this.opts.dir, this.opts.blockCaches, this.warn);
    // Samples the blocks hold are not the head's any more, even if the WAL still has them.
    this.head.compactedUpTo = this.head.appendFloor = this.blockSet.maxTime();
    const { segments, checkpoints } = await listWal(this.walDir);
    const replayer = new Replayer(this.head);
    const cp = checkpoints.at(-1);
    if (cp !== undefined) {
      const img = await readSegment(join(this.walDir, checkpointName(cp)));
      // Checkpoints are renamed into place only after fsync, so damage here is not a crash artifact.
      if (img.corruption !== null) throw new Error(`store: checkpoint ${img.path} is corrupt: ${img.corruption}`);
      for (const [s, e] of img.records) replayer.apply(img.buf, s, e);
      this.checkpointBytes = img.buf.length;
      this.checkpointCount = 1;
      for (const old of checkpoints.slice(0, -1)) await rm(join(this.walDir, checkpointName(old)), { force: true });
    }
    for (const name of await readdir(this.walDir)) {
      if (name.endsWith('.tmp')) await rm(join(this.walDir, name), { force: true }); // an interrupted checkpoint
    }
    let next = cp !== undefined ? cp + 1 : 0;
    for (const seg of segments) {
      if (cp !== undefined && seg <= cp) {
        await rm(join(this.walDir, segmentName(seg)), { force: true }); // covered; a crash left it behind
        continue;
      }
      const img = await readSegment(join(this.walDir, segmentName(seg)));
      for (const [s, e] of img.records) replayer.apply(img.buf, s, e);
      if (img.corruption !== null) {
        this.walCorruptions++;
        this.warn(`store: WAL segment ${img.path}: ${img.corruption}; dropped ${img.buf.length - img.validBytes} bytes after the last good record`);
        await repairSegment(img);
      }
      this.oldSegments.set(seg, img.validBytes);
      next = seg + 1;
    }
    this.replayStats = replayer.stats;
    if (replayer.stats.futureSamples > 0) {
      this.warn(
        `store: dropped ${replayer.stats.futureSamples} replayed samples more than ${describeDuration(this.opts.creationGracePeriodMs)} past the clock ` +
          `(written by a version without that bound), e.g. ${replayer.stats.futureExample}`,
      );
    }
    this.applyRetention();
    this.wal = await WalWriter.open(this.walDir, next, {
      segmentBytes: this.opts.segmentBytes,
      fsync: this.opts.fsync,
      fsyncIntervalMs: this.opts.fsyncIntervalMs,
    });
    if (this.opts.maintenanceIntervalMs > 0) {
      this.timer = setInterval(() => void this.maintain(), this.opts.maintenanceIntervalMs);
      this.timer.unref();
    }
  }

  /** A batch appender; apply samples, then `commit` it. Samples are visible to queries at once. */
  appender(expectedSamples?: number): BatchAppender {
    if (this.closed) throw new Error('store: closed');
    return new BatchAppender(this.head, this.opts.limits, expectedSamples);
  }

  /** Makes a batch durable; resolves (with its result) once the WAL records are on disk. */
  async commit(app: BatchAppender): Promise<AppendResult> {
    const records = app.records();
    if (records.length > 0) {
      await this.wal.log(records);
      const since = this.walBytesSinceCheckpoint();
      if (since > this.opts.checkpointAfterBytes) {
        const running = this.checkpointing ?? this.checkpoint();
        const done = running.catch((err: unknown) => this.warn(`store: background checkpoint failed: ${String(err)}`));
        // Backpressure: when ingest outruns checkpointing (a slow disk, a loaded machine), acknowledge
        // only after the running checkpoint, so the WAL stays bounded instead of growing without limit.
        if (since > BACKPRESSURE_FACTOR * this.opts.checkpointAfterBytes) await done;
      }
    }
    return app.result;
  }

  /** Appends series (values as Float64Array keep NaN payloads) and resolves once durable. */
  async append(series: readonly SeriesToWrite[]): Promise<AppendResult> {
    const app = this.appender();
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    for (const s of series) {
      const got = app.seriesFor(() => s.labels.map((l) => ({ name: l.name, value: l.value })));
      if (typeof got === 'string') {
        app.reject(got.slice(0, got.indexOf(':')), s.timestamps.length + (s.histograms?.length ?? 0), () => got);
        continue;
      }
      for (let i = 0; i < s.timestamps.length; i++) {
        f[0] = s.values[i]!;
        app.add(got, s.timestamps[i]!, u[1]!, u[0]!);
      }
      for (const h of s.histograms ?? []) app.addWireHistogram(got, h);
    }
    return this.commit(app);
  }

  private walBytesSinceCheckpoint(): number {
    let n = 0;
    for (const v of this.oldSegments.values()) n += v;
    for (const v of this.wal.segmentSizes.values()) n += v;
    return n;
  }

  /**
   * Drops data older than retention. Returns the number of series removed. Measured from the newest
   * sample (as Prometheus does, so backfilled history is kept) but never from a time past the clock:
   * a sample stamped in the future can never make retention delete current data.
   */
  applyRetention(): number {
    return this.head.truncate(Math.min(this.head.maxT, this.head.now()) - this.opts.retentionMs);
  }

  /**
   * Writes a checkpoint of the head (within retention) covering every WAL segment so far, then
   * deletes those segments. The snapshot and the segment cut happen in the same tick, so no append
   * can fall between them.
   */
  checkpoint(): Promise<void> {
    // One already running may have cut before the caller's latest appends: run another after it.
    if (this.checkpointing !== null) return this.checkpointing.catch(() => undefined).then(() => this.checkpoint());
    const run = async () => {
      this.applyRetention();
      const records = snapshotHead(this.head);
      const covered = this.wal.markCut();
      if (covered < 0) return;
      this.checkpointBytes = await writeCheckpoint(this.walDir, covered, records);
      this.checkpointCount = 1;
      await this.wal.flush(); // seals segment `covered`
      await deleteCovered(this.walDir, covered);
      this.wal.forgetSegmentsUpTo(covered);
      for (const s of [...this.oldSegments.keys()]) if (s <= covered) this.oldSegments.delete(s);
    };
    this.checkpointing = run().finally(() => (this.checkpointing = null));
    return this.checkpointing;
  }

  /**
   * Cuts the head into blocks of the minimum block duration while it spans 1.5 times that (as Prometheus
   * does), checkpoints the WAL down to what the head still holds, compacts blocks into longer ranges, and
   * deletes blocks past retention (time or size). Runs one at a time.
   */
  compact(): Promise<void> {
    const run = this.blockWork.catch(() => undefined).then(() => this.compactNow());
    this.blockWork = run;
    return run;
  }

  private async compactNow(): Promise<void> {
    if (this.closed) return;
    const range = this.opts.minBlockDurationMs;
    let cut = false;
    while (this.head.maxT - this.head.effectiveMinT() > range * 1.5) {
      const mint = Math.floor(this.head.effectiveMinT() / range) * range;
      const maxt = mint + range;
      // No append may land in the range while it is written (the out-of-bounds window already keeps
      // them out by default); queries keep reading it from the head until the block is in place.
      this.head.appendFloor = Math.max(this.head.appendFloor, maxt);
      const meta = await writeHeadBlock(this.head, this.opts.dir, mint, maxt);
      if (meta !== null) {
        this.blockSet.add(meta.ulid);
        this.counts.headCompactions++;
      }
      this.head.compactedUpTo = maxt;
      this.head.truncate(maxt);
      cut = true;
    }
    if (cut) await this.checkpoint(); // the WAL now only needs to hold the head
    const ranges = compactionRanges(range, this.opts.maxBlockDurationMs);
    while (await this.blockSet.compactOnce(ranges)) this.counts.blockCompactions++;
    const newest = Math.max(this.head.maxT, this.blockSet.maxTime() - 1);
    const cutoff = Math.min(newest, this.head.now()) - this.opts.retentionMs;
    this.counts.blocksDeleted += await this.blockSet.applyRetention(cutoff, this.opts.retentionBytes);
  }

  private async maintain(): Promise<void> {
    if (this.closed) return;
    try {
      this.applyRetention();
      await this.compact();
      if (this.walBytesSinceCheckpoint() > this.opts.checkpointAfterBytes) await this.checkpoint();
    } catch (err) {
      this.warn(`store: maintenance failed: ${String(err)}`);
    }
  }

  /** [minTime, maxTime) of each block, oldest first. */
  blockRanges(): Array<[number, number]> {
    return this.blockSet.blocks.map((b) => [b.minTime, b.maxTime]);
  }

  stats(): StoreStats {
    let samples = 0;
    let chunks = 0;
    for (const s of this.head.series.values()) {
      samples += s.sampleCount();
      chunks += (s.sealed?.length ?? 0) + (s.head !== null && s.head.count > 0 ? 1 : 0);
    }
    let walSegments = 0;
    let walBytes = this.checkpointBytes;
    for (const v of this.oldSegments.values()) (walBytes += v), walSegments++;
    for (const v of this.wal.segmentSizes.values()) (walBytes += v), walSegments++;
    return {
      series: this.head.series.size,
      samples,
      samplesAppended: this.head.samplesAppended,
      chunks,
      minTime: this.head.minT,
      maxTime: this.head.maxT,
      walBytes,
      walSegments,
      checkpoints: this.checkpointCount,
      fsyncs: this.wal.fsyncs,
      walCorruptions: this.walCorruptions,
      replay: this.replayStats,
      blocks: this.blockSet.blocks.length,
      blockBytes: this.blockSet.diskBytes(),
      blockCacheBytes: cachedBytes(this.blockSet.caches),
      ...this.counts,
    };
  }

  /** WAL size measured on disk (for tests and diagnostics). */
  async walDiskBytes(): Promise<number> {
    const { segments, checkpoints } = await listWal(this.walDir);
    let n = 0;
    // A background checkpoint may delete files while we look: count those as gone.
    const size = (p: string) => stat(p).then((st) => st.size, () => 0);
    for (const s of segments) n += await size(join(this.walDir, segmentName(s)));
    for (const c of checkpoints) n += await size(join(this.walDir, checkpointName(c)));
    return n;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.blockWork.catch(() => undefined);
    await this.checkpointing?.catch(() => undefined);
    await this.wal.close();
    this.blockSet.close();
  }

  // ---- Querier ----

  /** The head, merged with the blocks the window reaches into. */
  private querier(mint: number, maxt: number): Querier {
    const blocks = this.blockSet.overlapping(mint, maxt);
    if (blocks.length === 0) return this.headQuerier;
    return new MergeQuerier([...blocks, this.headQuerier]);
  }

  select(matchers: readonly LabelMatcher[], mint: number, maxt: number, hints?: SelectHints): SeriesSamples[] {
    return this.querier(mint, maxt).select(matchers, mint, maxt, hints);
  }

  series(matchers: readonly LabelMatcher[], mint: number, maxt: number): Labels[] {
    return this.querier(mint, maxt).series(matchers, mint, maxt);
  }

  labelNames(matchers: readonly LabelMatcher[], mint: number, maxt: number): string[] {
    return this.querier(mint, maxt).labelNames(matchers, mint, maxt);
  }

  labelValues(name: string, matchers: readonly LabelMatcher[], mint: number, maxt: number): string[] {
    return this.querier(mint, maxt).labelValues(name, matchers, mint, maxt);
  }
}
