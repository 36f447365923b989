// WAL writer with group commit: records logged while a write+fsync is in flight are written together
// by the next one, and every log() promise resolves only once its records are on disk.
// Segment boundaries are decided synchronously in log()/markCut(), so a checkpoint can take a
// consistent in-memory snapshot and know exactly which segments it covers.
import { writeSync, writevSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { frameRecord, segmentName } from './segment.js';

/** always: write + fdatasync before ack. batch: write before ack, fdatasync every interval.
 *  off: write before ack, fdatasync only when a segment is sealed or the WAL closes.
 *  All three survive a process crash (the page cache keeps written data); only 'always' survives power loss. */
export type FsyncMode = 'always' | 'batch' | 'off';

export interface WalWriterOptions {
  segmentBytes: number;
  fsync: FsyncMode;
  fsyncIntervalMs: number;
}

interface Pending {
  buf: Buffer | null; // null: just switch to `seg`
  seg: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class WalWriter {
  private logical: number;
  private logicalBytes = 0;
  private pending: Pending[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  private fh: FileHandle | null = null;
  private physical = -1;
  private dirty = false;
  private syncDue = false;
  private failed: Error | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  /** Bytes of each segment this writer wrote (for WAL size stats). */
  readonly segmentSizes = new Map<number, number>();
  bytesWritten = 0;
  fsyncs = 0;

  private constructor(
    private readonly dir: string,
    firstSegment: number,
    private readonly opts: WalWriterOptions,
  ) {
    this.logical = firstSegment;
    if (opts.fsync === 'batch') {
      this.timer = setInterval(() => {
        if (!this.dirty) return;
        this.syncDue = true;
        this.kick();
      }, opts.fsyncIntervalMs);
      this.timer.unref();
    }
  }

  static async open(dir: string, firstSegment: number, opts: WalWriterOptions): Promise<WalWriter> {
    const w = new WalWriter(dir, firstSegment, opts);
    await w.openSegment(firstSegment);
    return w;
  }

  /** Segment that records logged now go to. */
  get currentSegment(): number {
    return this.logical;
  }

  /** Logs framed records (built with RecordBuilder); resolves once they are durable per the fsync mode. */
  log(records: readonly Buffer[]): Promise<void> {
    if (this.failed !== null) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new Error('wal: closed'));
    for (const rec of records) {
      frameRecord(rec);
      if (this.logicalBytes > 0 && this.logicalBytes + rec.length > this.opts.segmentBytes) {
        this.logical++;
        this.logicalBytes = 0;
      }
      this.logicalBytes += rec.length;
      this.pending.push({ buf: rec, seg: this.logical });
    }
    if (this.opts.fsync !== 'always' && this.flushing === null && this.canWriteSync()) {
      // No fsync to wait for: write to the page cache right here, as Prometheus does. It saves a
      // thread-pool round trip per request, and the data survives a process crash all the same.
      try {
        this.writeSyncNow();
        return Promise.resolve();
      } catch (err) {
        this.failed = err instanceof Error ? err : new Error(String(err));
        return Promise.reject(this.failed);
      }
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  private canWriteSync(): boolean {
    if (this.fh === null || this.waiters.length > 0) return false;
    for (const p of this.pending) if (p.buf === null || p.seg !== this.physical) return false;
    return true;
  }

  private writeSyncNow(): void {
    const bufs = this.pending.map((p) => p.buf!);
    this.pending = [];
    if (bufs.length === 0) return;
    let n = 0;
    for (const b of bufs) n += b.length;
    let written = writevSync(this.fh!.fd, bufs);
    if (written < n) {
      const all = Buffer.concat(bufs);
      while (written < n) written += writeSync(this.fh!.fd, all, written, n - written);
    }
    this.dirty = true;
    this.bytesWritten += n;
    this.segmentSizes.set(this.physical, (this.segmentSizes.get(this.physical) ?? 0) + n);
  }

  /** Starts a new segment for everything logged from now on; returns the last segment holding earlier records. */
  markCut(): number {
    if (this.logicalBytes === 0) return this.logical - 1;
    this.logical++;
    this.logicalBytes = 0;
    this.pending.push({ buf: null, seg: this.logical });
    return this.logical - 1;
  }

  /** Resolves when everything logged so far is written (and the segments before the current one are sealed). */
  flush(): Promise<void> {
    return this.log([]);
  }

  private kick(): void {
    if (this.flushing === null) {
      this.flushing = this.loop().finally(() => {
        this.flushing = null;
        if (this.pending.length > 0 || this.waiters.length > 0 || this.syncDue) this.kick();
      });
    }
  }

  private async loop(): Promise<void> {
    while (this.pending.length > 0 || this.waiters.length > 0 || this.syncDue) {
      const batch = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        if (this.failed !== null) throw this.failed;
        let run: Buffer[] = [];
        for (const p of batch) {
          if (p.seg !== this.physical) {
            await this.writeRun(run);
            run = [];
            await this.sealAndOpen(p.seg);
          }
          if (p.buf !== null) run.push(p.buf);
        }
        await this.writeRun(run);
        if (this.dirty && (this.opts.fsync === 'always' || this.syncDue)) await this.sync();
        this.syncDue = false;
        for (const w of waiters) w.resolve();
      } catch (err) {
        this.failed ??= err instanceof Error ? err : new Error(String(err));
        for (const w of waiters) w.reject(this.failed);
      }
    }
  }

  private async writeRun(run: Buffer[]): Promise<void> {
    if (run.length === 0) return;
    let n = 0;
    for (const b of run) n += b.length;
    let written = 0;
    let bufs = run;
    // writev may write less than asked; continue with what is left.
    while (written < n) {
      const { bytesWritten } = await this.fh!.writev(bufs);
      written += bytesWritten;
      if (written < n) bufs = [Buffer.concat(run).subarray(written)];
    }
    this.dirty = true;
    this.bytesWritten += n;
    this.segmentSizes.set(this.physical, (this.segmentSizes.get(this.physical) ?? 0) + n);
  }

  private async sync(): Promise<void> {
    await this.fh!.datasync();
    this.fsyncs++;
    this.dirty = false;
  }

  private async sealAndOpen(seg: number): Promise<void> {
    if (this.fh !== null) {
      if (this.dirty && this.opts.fsync !== 'off') await this.sync();
      await this.fh.close();
      this.fh = null;
    }
    await this.openSegment(seg);
  }

  private async openSegment(seg: number): Promise<void> {
    this.fh = await open(join(this.dir, segmentName(seg)), 'w');
    this.physical = seg;
    this.dirty = false;
    this.segmentSizes.set(seg, 0);
    if (this.opts.fsync === 'always') await syncDir(this.dir);
  }

  /** Forgets size bookkeeping for deleted segments. */
  forgetSegmentsUpTo(seg: number): void {
    for (const s of [...this.segmentSizes.keys()]) if (s <= seg) this.segmentSizes.delete(s);
  }

  get failure(): Error | null {
    return this.failed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => undefined);
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    if (this.fh !== null) {
      if (this.dirty) await this.sync();
      await this.fh.close();
      this.fh = null;
    }
  }
}

export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
