// Reads a block's `index` (format v2) through a file descriptor. Held in memory: the symbol table and the
// postings offset table (one entry per label pair, as Prometheus keeps a sample of them); series entries
// and postings lists are read on demand through the store's shared, bounded LRU caches.
import type { Label } from '../../storage/interface.js';
import type { BlockCaches, IndexSeries } from './caches.js';
import type { Postings } from '../index/postings.js';
import { Decbuf, crc32c } from './encoding.js';
import { ReadFile } from './file.js';
import { INDEX_MAGIC, INDEX_V2, type ChunkMeta } from './index-writer.js';

const TOC_LEN = 6 * 8 + 4;

export type { IndexSeries };

export class IndexReader {
  private readonly file: ReadFile;
  private readonly symbols: string[] = [];
  /** name -> value -> offset of the postings list. */
  private readonly postingsOffsets = new Map<string, Map<string, number>>();
  private allRefs: Postings | null = null;

  constructor(
    path: string,
    private readonly caches: Pick<BlockCaches, 'postings' | 'series'>,
    /** Prefix of this block's cache keys (its ULID). */
    private readonly key: string,
  ) {
    this.file = new ReadFile(path);
    try {
      this.load();
    } catch (err) {
      this.file.close();
      throw err;
    }
  }

  private load(): void {
    const head = this.file.read(0, 5);
    if (head.length < 5 || head.readUInt32BE(0) !== INDEX_MAGIC) throw new Error(`${this.file.path}: not a TSDB index (bad magic)`);
    if (head[4] !== INDEX_V2) throw new Error(`${this.file.path}: index format version ${head[4]} (only 2 is read)`);
    if (this.file.size < 5 + TOC_LEN) throw new Error(`${this.file.path}: index too short for its table of contents`);
    const tocBuf = this.file.read(this.file.size - TOC_LEN, TOC_LEN);
    if (crc32c(tocBuf, 0, 48) !== tocBuf.readUInt32BE(48)) throw new Error(`${this.file.path}: TOC checksum mismatch`);
    const toc = new Decbuf(tocBuf);
    const symbolsAt = toc.be64();
    toc.be64(); // series
    toc.be64(); // label indices (format v1 only)
    toc.be64(); // label offset table (format v1 only)
    toc.be64(); // postings
    const postingsTableAt = toc.be64();
    const sym = this.section(symbolsAt, 'symbol table');
    for (let n = sym.be32(); n > 0; n--) this.symbols.push(sym.uvarintStr());
    if (postingsTableAt === 0) return;
    const pt = this.section(postingsTableAt, 'postings offset table');
    for (let n = pt.be32(); n > 0; n--) {
      if (pt.uvarint() !== 2) throw new Error(`${this.file.path}: postings offset entry without 2 keys`);
      const name = pt.uvarintStr();
      const value = pt.uvarintStr();
      let values = this.postingsOffsets.get(name);
      if (values === undefined) this.postingsOffsets.set(name, (values = new Map()));
      values.set(value, pt.uvarint());
    }
  }

  /** A `len <4b> | body | CRC32` section read whole and checked; the cursor is at the body. */
  private section(at: number, what: string): Decbuf {
    const len = this.file.read(at, 4).readUInt32BE(0);
    const buf = this.file.read(at + 4, len + 4);
    if (buf.length < len + 4) throw new Error(`${this.file.path}: ${what} runs past the end of the file`);
    if (crc32c(buf, 0, len) !== buf.readUInt32BE(len)) throw new Error(`${this.file.path}: ${what} checksum mismatch`);
    return new Decbuf(buf, 0, len);
  }

  symbol(id: number): string {
    const s = this.symbols[id];
    if (s === undefined) throw new Error(`${this.file.path}: symbol ${id} out of range`);
    return s;
  }

  labelNames(): string[] {
    return [...this.postingsOffsets.keys()].filter((n) => n !== '');
  }

  labelValues(name: string): string[] {
    const values = this.postingsOffsets.get(name);
    return name === '' || values === undefined ? [] : [...values.keys()];
  }

  /** Values of a label, as an iterable (undefined when no series has it). */
  valuesOf(name: string): Iterable<string> | undefined {
    return name === '' ? undefined : this.postingsOffsets.get(name)?.keys();
  }

  postings(name: string, value: string): Postings {
    const at = this.postingsOffsets.get(name)?.get(value);
    if (at === undefined) return [];
    const key = this.key + '\u0001' + name + '\u0000' + value;
    const cached = this.caches.postings.get(key);
    if (cached !== undefined) return cached;
    const d = this.section(at, `postings ${name}=${JSON.stringify(value)}`);
    const n = d.be32();
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = d.be32();
    this.caches.postings.set(key, out, 16 + n * 8);
    return out;
  }

  all(): Postings {
    return (this.allRefs ??= this.postings('', ''));
  }

  /** The series entry with id `ref` (its offset / 16). */
  series(ref: number): IndexSeries {
    const key = this.key + ':' + ref;
    const cached = this.caches.series.get(key);
    if (cached !== undefined) return cached;
    const at = ref * 16;
    let buf = this.file.read(at, 512);
    const head = new Decbuf(buf);
    const len = head.uvarint();
    const bodyAt = head.pos;
    if (buf.length < bodyAt + len + 4) buf = this.file.read(at, bodyAt + len + 4);
    if (buf.length < bodyAt + len + 4) throw new Error(`${this.file.path}: series ${ref} runs past the end of the file`);
    if (crc32c(buf, bodyAt, bodyAt + len) !== buf.readUInt32BE(bodyAt + len)) throw new Error(`${this.file.path}: series ${ref} checksum mismatch`);
    const s = this.decodeSeries(new Decbuf(buf, bodyAt, bodyAt + len));
    this.caches.series.set(key, s, 64 + s.labels.length * 48 + s.chunks.length * 48);
    return s;
  }

  private decodeSeries(d: Decbuf): IndexSeries {
    const labels: Label[] = [];
    for (let n = d.uvarint(); n > 0; n--) labels.push({ name: this.symbol(d.uvarint()), value: this.symbol(d.uvarint()) });
    const chunks: ChunkMeta[] = [];
    let maxT = 0;
    let ref = 0;
    const count = d.uvarint();
    for (let i = 0; i < count; i++) {
      const minT = i === 0 ? d.varint() : maxT + d.uvarint();
      maxT = minT + d.uvarint();
      ref = i === 0 ? d.uvarint() : ref + d.varint();
      chunks.push({ ref, minT, maxT });
    }
    return { labels, chunks };
  }

  close(): void {
    this.file.close();
  }
}
