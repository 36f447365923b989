// A block's meta.json (tsdb/block.go BlockMeta) and ULIDs (github.com/oklog/ulid: 48-bit ms time +
// 80 random bits, Crockford base32), which name block directories and sort them by creation time.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BlockMeta {
  ulid: string;
  /** First timestamp of the block (inclusive, ms). */
  minTime: number;
  /** End of the block (exclusive, ms): Prometheus writes maxt + 1 of the last sample's range. */
  maxTime: number;
  stats: { numSamples: number; numSeries: number; numChunks: number; numTombstones?: number };
  compaction: { level: number; sources: string[]; parents?: Array<{ ulid: string; minTime: number; maxTime: number }> };
  version: 1;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newUlid(nowMs = Date.now()): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  // 80 random bits = 16 base32 digits.
  const rnd = randomBytes(10);
  let bits = 0n;
  for (const b of rnd) bits = (bits << 8n) | BigInt(b);
  let tail = '';
  for (let i = 0; i < 16; i++) {
    tail = CROCKFORD[Number(bits & 31n)]! + tail;
    bits >>= 5n;
  }
  return time + tail;
}

export function isUlid(name: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(name);
}

export function encodeMeta(meta: BlockMeta): string {
  return JSON.stringify(meta, null, '\t') + '\n';
}

/** Reads and checks `<dir>/meta.json`; throws with the reason when it is missing or malformed. */
export function readMeta(dir: string): BlockMeta {
  const raw = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Partial<BlockMeta>;
  if (raw.version !== 1) throw new Error(`block ${dir}: unsupported meta.json version ${String(raw.version)}`);
  if (typeof raw.ulid !== 'string' || typeof raw.minTime !== 'number' || typeof raw.maxTime !== 'number') {
    throw new Error(`block ${dir}: meta.json lacks ulid/minTime/maxTime`);
  }
  return {
    ulid: raw.ulid,
    minTime: raw.minTime,
    maxTime: raw.maxTime,
    stats: { numSamples: 0, numSeries: 0, numChunks: 0, ...raw.stats },
    compaction: { level: 1, sources: [raw.ulid], ...raw.compaction },
    version: 1,
  };
}
