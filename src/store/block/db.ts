// The store's blocks on disk: opened (and repaired) at start, added as the head is cut, compacted into
// longer ranges, deleted whole by retention. Every change is a rename, so a crash at any point leaves
// either the old or the new set of blocks, plus temp directories that the next open removes.
import { readdirSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Block } from './block.js';
import { newBlockCaches, type BlockCacheSizes, type BlockCaches } from './caches.js';
import { compactBlocks } from './compact.js';
import { isUlid } from './meta.js';
import { TMP_SUFFIX, fsyncPath } from './writer.js';

const DELETE_SUFFIX = '.tmp-for-deletion';

export class BlockSet {
  /** Open blocks, sorted by minTime. */
  blocks: Block[] = [];
  /** Bytes on disk of each open block (measured once: blocks are immutable). */
  private readonly sizes = new Map<Block, number>();

  private constructor(
    readonly dir: string,
    readonly caches: BlockCaches,
    private readonly warn: (msg: string) => void,
  ) {}

  /** Opens every block in `dir`: removes temp directories, drops parents a finished compaction replaced. */
  static async open(dir: string, caches: BlockCacheSizes, warn: (msg: string) => void): Promise<BlockSet> {
    const set = new BlockSet(dir, newBlockCaches(caches), warn);
    for (const name of readdirSync(dir)) {
      if (name.endsWith(TMP_SUFFIX) || name.endsWith(DELETE_SUFFIX)) {
        await rm(join(dir, name), { recursive: true, force: true }); // an interrupted write or deletion
        continue;
      }
      if (!isUlid(name)) continue;
      try {
        set.blocks.push(new Block(join(dir, name), set.caches));
      } catch (err) {
        // Blocks appear by rename after fsync, so this is damage, not a crash artifact: keep it out of the way.
        warn(`store: block ${name} is unreadable (${String(err)}); moved aside to ${name}.broken`);
        await rename(join(dir, name), join(dir, `${name}.broken`));
      }
    }
    await set.dropReplacedParents();
    set.sort();
    set.warnOverlaps();
    return set;
  }

  private sort(): void {
    this.blocks.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  }

  /** A crash after a compaction's rename but before its parents' deletion leaves both: the parents go. */
  private async dropReplacedParents(): Promise<void> {
    const replaced = new Set<Block>();
    for (const b of this.blocks) {
      const sources = new Set(b.meta.compaction.sources);
      for (const o of this.blocks) {
        if (o === b || o.meta.compaction.sources.length >= sources.size) continue;
        if (o.meta.compaction.sources.every((s) => sources.has(s))) replaced.add(o);
      }
    }
    for (const b of replaced) await this.remove(b);
  }

  private warnOverlaps(): void {
    for (let i = 1; i < this.blocks.length; i++) {
      const a = this.blocks[i - 1]!;
      const b = this.blocks[i]!;
      if (b.minTime < a.maxTime) this.warn(`store: blocks ${a.meta.ulid} and ${b.meta.ulid} overlap; queries merge them`);
    }
  }

  /** Exclusive end of the newest block (-Infinity when none). */
  maxTime(): number {
    return this.blocks.reduce((m, b) => Math.max(m, b.maxTime), -Infinity);
  }

  add(ulid: string): Block {
    const b = new Block(join(this.dir, ulid), this.caches);
    this.blocks.push(b);
    this.sort();
    return b;
  }

  overlapping(mint: number, maxt: number): Block[] {
    return this.blocks.filter((b) => b.overlaps(mint, maxt));
  }

  /** Renames the block aside (atomic), then deletes it; a crash in between leaves only a temp dir. */
  async remove(b: Block): Promise<void> {
    b.close();
    this.blocks = this.blocks.filter((x) => x !== b);
    this.sizes.delete(b);
    const aside = join(this.dir, b.meta.ulid + DELETE_SUFFIX);
    await rename(b.dir, aside);
    await fsyncPath(this.dir);
    await rm(aside, { recursive: true, force: true });
  }

  /** Bytes of every block's files. */
  diskBytes(): number {
    let n = 0;
    for (const b of this.blocks) n += this.sizeOf(b);
    return n;
  }

  private sizeOf(b: Block): number {
    let n = this.sizes.get(b);
    if (n === undefined) this.sizes.set(b, (n = dirBytes(b.dir)));
    return n;
  }

  /**
   * Deletes whole blocks: those ending at or before `cutoff`, then the oldest while the blocks exceed
   * `maxBytes` (0: no size limit). Returns how many went.
   */
  async applyRetention(cutoff: number, maxBytes: number): Promise<number> {
    let n = 0;
    for (const b of [...this.blocks]) if (b.maxTime <= cutoff) (await this.remove(b), n++);
    if (maxBytes > 0) {
      let size = this.diskBytes();
      while (size > maxBytes && this.blocks.length > 0) {
        const oldest = this.blocks[0]!;
        const bytes = this.sizeOf(oldest);
        await this.remove(oldest);
        size -= bytes;
        n++;
      }
    }
    return n;
  }

  /**
   * One compaction step, as Prometheus plans them: for each range (ascending, past the first), blocks
   * inside one aligned window that the newest block has moved past are merged. Returns false when none.
   */
  async compactOnce(ranges: readonly number[]): Promise<boolean> {
    if (this.blocks.length < 2) return false;
    const newestEnd = this.maxTime();
    for (const r of ranges.slice(1)) {
      const groups = new Map<number, Block[]>();
      for (const b of this.blocks) {
        const w = Math.floor(b.minTime / r) * r;
        if (b.maxTime > w + r || w + r > newestEnd) continue; // spans windows, or the window is not complete
        const g = groups.get(w) ?? [];
        g.push(b);
        groups.set(w, g);
      }
      for (const g of groups.values()) {
        if (g.length < 2) continue;
        const meta = await compactBlocks(g, this.dir);
        this.add(meta.ulid);
        for (const b of g) await this.remove(b);
        return true;
      }
    }
    return false;
  }

  close(): void {
    for (const b of this.blocks) b.close();
    this.blocks = [];
  }
}

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

/** Prometheus's compaction ranges: the block duration times 3^k, up to `max`. */
export function compactionRanges(blockMs: number, maxMs: number): number[] {
  const out = [blockMs];
  while (out.at(-1)! * 3 <= maxMs) out.push(out.at(-1)! * 3);
  return out;
}
