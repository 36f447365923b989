// The read caches all blocks of a store share: one byte budget each for postings lists, series entries and
// chunk data, whatever the number of blocks, so memory does not grow with retention.
import type { Postings } from '../index/postings.js';
import type { ChunkMeta } from './index-writer.js';
import type { Label } from '../../storage/interface.js';
import { Lru } from './lru.js';

export interface IndexSeries {
  labels: Label[];
  chunks: ChunkMeta[];
}

export interface BlockCacheSizes {
  /** Bytes of postings lists kept. Default 8 MiB. */
  postingsBytes?: number;
  /** Bytes (roughly) of decoded series entries kept. Default 16 MiB. */
  seriesBytes?: number;
  /** Bytes of chunk data kept. Default 32 MiB. */
  chunkBytes?: number;
}

/** Keys are prefixed with the block's ULID. */
export interface BlockCaches {
  postings: Lru<string, Postings>;
  series: Lru<string, IndexSeries>;
  chunks: Lru<string, Buffer>;
}

export function newBlockCaches(sizes: BlockCacheSizes = {}): BlockCaches {
  return {
    postings: new Lru(sizes.postingsBytes ?? 8 << 20),
    series: new Lru(sizes.seriesBytes ?? 16 << 20),
    chunks: new Lru(sizes.chunkBytes ?? 32 << 20),
  };
}

/** Bytes held by the caches now. */
export function cachedBytes(c: BlockCaches): number {
  return c.postings.cost + c.series.cost + c.chunks.cost;
}
