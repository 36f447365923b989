// Writes one block directory exactly as Prometheus lays it out: `chunks/000001…` (segment files of XOR and
// histogram chunks), `index`, `tombstones`, `meta.json`. Everything goes to `<ulid>.tmp-for-creation` first, is
// fsynced, and is renamed into place, so a crash never leaves a half-written block under a ULID name.
import { mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Labels } from '../../storage/interface.js';
import { Encbuf, crc32c } from './encoding.js';
import { encodeIndex, type ChunkMeta } from './index-writer.js';
import { encodeMeta, newUlid, type BlockMeta } from './meta.js';
import { ENC_XOR } from './xor-chunk.js';

export const CHUNKS_MAGIC = 0x85bd40dd;
export const TMP_SUFFIX = '.tmp-for-creation';
/** Prometheus cuts chunk segment files at 512 MiB. */
const SEGMENT_BYTES = 512 << 20;
const FLUSH_BYTES = 1 << 20;

/** An empty tombstones file: magic, format version 1, CRC32C of nothing. */
export const EMPTY_TOMBSTONES = Buffer.from([0x01, 0x30, 0xba, 0x30, 0x01, 0, 0, 0, 0]);

export interface BlockChunk {
  minT: number;
  maxT: number;
  /** The chunk's data in Prometheus's layout for its encoding (xor-chunk.ts, chunks/histogram.ts). */
  data: Uint8Array;
  /** Chunk encoding byte: XOR floats (the default), integer or float histograms. */
  encoding?: number;
}

export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Streams chunks into numbered segment files (000001, …); refs are (file index from 0 << 32) | offset, as in Prometheus. */
class ChunkSegments {
  private seq = 0;
  private fh: FileHandle | null = null;
  private written = 0;
  private readonly buf = new Encbuf(FLUSH_BYTES + (1 << 16));

  constructor(private readonly dir: string) {}

  async add(data: Uint8Array, encoding: number): Promise<number> {
    const size = 10 + 1 + data.length + 4;
    if (this.fh === null || this.written + this.buf.len + size > SEGMENT_BYTES) await this.cut();
    const ref = (this.seq - 1) * 4294967296 + this.written + this.buf.len;
    this.buf.putUvarint(data.length);
    const crcFrom = this.buf.len;
    this.buf.putByte(encoding);
    this.buf.putBytes(data);
    this.buf.putBE32(crc32c(this.buf.buf, crcFrom, this.buf.len));
    if (this.buf.len >= FLUSH_BYTES) await this.flush();
    return ref;
  }

  private async flush(): Promise<void> {
    if (this.fh === null || this.buf.len === 0) return;
    await this.fh.write(this.buf.get());
    this.written += this.buf.len;
    this.buf.reset();
  }

  private async cut(): Promise<void> {
    await this.finish();
    this.seq++;
    this.fh = await open(join(this.dir, String(this.seq).padStart(6, '0')), 'w');
    this.buf.putBE32(CHUNKS_MAGIC);
    this.buf.putByte(1);
    this.buf.putBytes(new Uint8Array(3));
    this.written = 0;
  }

  async finish(): Promise<void> {
    if (this.fh === null) return;
    await this.flush();
    await this.fh.sync();
    await this.fh.close();
    this.fh = null;
  }
}

export class BlockWriter {
  private readonly series: Array<{ labels: Labels; chunks: ChunkMeta[] }> = [];
  private readonly chunks: ChunkSegments;
  private samples = 0;
  private chunkCount = 0;

  private constructor(
    readonly parentDir: string,
    readonly ulid: string,
    readonly tmpDir: string,
    readonly minTime: number,
    readonly maxTime: number,
  ) {
    this.chunks = new ChunkSegments(join(tmpDir, 'chunks'));
  }

  /** A writer for a block covering [minTime, maxTime) (ms; maxTime exclusive). */
  static async create(parentDir: string, minTime: number, maxTime: number): Promise<BlockWriter> {
    const ulid = newUlid();
    const tmp = join(parentDir, ulid + TMP_SUFFIX);
    await mkdir(join(tmp, 'chunks'), { recursive: true });
    return new BlockWriter(parentDir, ulid, tmp, minTime, maxTime);
  }

  /** Adds one series; series must come sorted by label set (compareLabels), chunks in time order. */
  async addSeries(labels: Labels, chunks: readonly BlockChunk[], sampleCount: number): Promise<void> {
    if (chunks.length === 0) return;
    const metas: ChunkMeta[] = [];
    for (const c of chunks) metas.push({ ref: await this.chunks.add(c.data, c.encoding ?? ENC_XOR), minT: c.minT, maxT: c.maxT });
    this.series.push({ labels, chunks: metas });
    this.samples += sampleCount;
    this.chunkCount += chunks.length;
  }

  get seriesCount(): number {
    return this.series.length;
  }

  /** Writes index, tombstones and meta.json, fsyncs, and renames the block into place. */
  async commit(compaction: BlockMeta['compaction'] = { level: 1, sources: [] }): Promise<BlockMeta> {
    await this.chunks.finish();
    const meta: BlockMeta = {
      ulid: this.ulid,
      minTime: this.minTime,
      maxTime: this.maxTime,
      stats: { numSamples: this.samples, numSeries: this.series.length, numChunks: this.chunkCount },
      compaction: { ...compaction, sources: compaction.sources.length > 0 ? compaction.sources : [this.ulid] },
      version: 1,
    };
    await writeSynced(join(this.tmpDir, 'index'), encodeIndex(this.series));
    await writeSynced(join(this.tmpDir, 'tombstones'), EMPTY_TOMBSTONES);
    await writeSynced(join(this.tmpDir, 'meta.json'), Buffer.from(encodeMeta(meta)));
    await fsyncPath(join(this.tmpDir, 'chunks'));
    await fsyncPath(this.tmpDir);
    await rename(this.tmpDir, join(this.parentDir, this.ulid));
    await fsyncPath(this.parentDir);
    return meta;
  }

  async abort(): Promise<void> {
    await this.chunks.finish().catch(() => undefined);
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}

async function writeSynced(path: string, data: Uint8Array): Promise<void> {
  await writeFile(path, data);
  await fsyncPath(path);
}
