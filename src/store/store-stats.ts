// What Store.stats() reports (the store server turns it into metrics).
import type { ReplayStats } from './replay.js';

export interface StoreStats {
  series: number;
  /** Samples held in memory. */
  samples: number;
  /** Samples appended since open (replay included). */
  samplesAppended: number;
  chunks: number;
  minTime: number;
  maxTime: number;
  /** Bytes of WAL segments and the checkpoint on disk. */
  walBytes: number;
  walSegments: number;
  checkpoints: number;
  fsyncs: number;
  /** Torn or corrupt WAL tails dropped at open. */
  walCorruptions: number;
  replay: ReplayStats;
  /** Persistent blocks on disk, their bytes, and the head cuts / compactions / deletions since open. */
  blocks: number;
  blockBytes: number;
  /** Bytes held by the block read caches (bounded by the blockCaches sizes). */
  blockCacheBytes: number;
  headCompactions: number;
  blockCompactions: number;
  blocksDeleted: number;
}
