// Reads chunks from a block's segment files by reference ((segment << 32) | offset), checking each
// chunk's CRC32C; recently read chunk data stays in the store's shared, bounded LRU cache.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Decbuf, crc32c } from './encoding.js';
import { ReadFile } from './file.js';
import type { Lru } from './lru.js';
import { CHUNKS_MAGIC } from './writer.js';
import { ENC_FLOAT_HISTOGRAM, ENC_HISTOGRAM } from '../chunks/histogram-meta.js';
import { ENC_XOR } from './xor-chunk.js';

/** One chunk as stored: its encoding byte and its data. */
export interface StoredChunk {
  encoding: number;
  data: Buffer;
}

const KNOWN_ENCODINGS = new Set([ENC_XOR, ENC_HISTOGRAM, ENC_FLOAT_HISTOGRAM]);

const TWO_32 = 4294967296;

export class ChunkReader {
  private readonly files = new Map<number, ReadFile>();
  constructor(
    readonly dir: string,
    private readonly cache: Lru<string, Buffer>,
    /** Prefix of this block's cache keys (its ULID). */
    private readonly key: string,
  ) {
    // A ref names a file by its position in the sorted listing (Prometheus's chunks.Reader does the same).
    const names = readdirSync(dir).filter((n) => /^\d{6}$/.test(n)).sort();
    names.forEach((name, i) => this.files.set(i, new ReadFile(join(dir, name))));
    for (const f of this.files.values()) {
      const head = f.read(0, 8);
      if (head.length < 8 || head.readUInt32BE(0) !== CHUNKS_MAGIC) {
        this.close();
        throw new Error(`${f.path}: not a chunk segment file (bad magic)`);
      }
    }
  }

  /** The chunk's encoding and data (without CRC). Throws on a bad ref, encoding or checksum. */
  chunk(ref: number): StoredChunk {
    const key = this.key + ':' + ref;
    const cached = this.cache.get(key);
    if (cached !== undefined) return { encoding: cached[0]!, data: cached.subarray(1) };
    const seg = Math.floor(ref / TWO_32);
    const off = ref % TWO_32;
    const f = this.files.get(seg);
    if (f === undefined) throw new Error(`${this.dir}: chunk ref ${ref} names missing segment ${seg}`);
    let buf = f.read(off, 256);
    const d = new Decbuf(buf);
    const len = d.uvarint();
    const start = d.pos;
    if (buf.length < start + 1 + len + 4) buf = f.read(off, start + 1 + len + 4);
    if (buf.length < start + 1 + len + 4) throw new Error(`${f.path}: chunk at ${off} runs past the end of the file`);
    if (!KNOWN_ENCODINGS.has(buf[start]!)) throw new Error(`${f.path}: chunk at ${off} has unknown encoding ${buf[start]}`);
    if (crc32c(buf, start, start + 1 + len) !== buf.readUInt32BE(start + 1 + len)) throw new Error(`${f.path}: chunk at ${off} checksum mismatch`);
    // Cached with its encoding byte in front.
    const stored = Buffer.from(buf.subarray(start, start + 1 + len));
    this.cache.set(key, stored, stored.length + 64);
    return { encoding: stored[0]!, data: stored.subarray(1) };
  }

  close(): void {
    for (const f of this.files.values()) f.close();
    this.files.clear();
  }
}
