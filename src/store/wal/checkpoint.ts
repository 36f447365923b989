// Checkpoints: a compact image of the head (series + their XOR chunks) covering WAL segments <= N,
// after which those segments are deleted. Because the store keeps no blocks, the checkpoint is the
// durable copy of all data within retention; chunks are ~8x smaller than the WAL's sample records.
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Head } from '../head.js';
import { sealedBytes } from '../chunks/xor.js';
import { RecordBuilder, REC_CHUNKS, REC_SERIES } from './records.js';
import { HistogramRecords } from './histogram-records.js';
import { checkpointName, frameRecord, listWal, segmentName } from './segment.js';
import { syncDir } from './writer.js';

const SERIES_PER_BATCH = 1000;

/** Encodes the head synchronously (a consistent snapshot) into framed records. */
export function snapshotHead(head: Head): Buffer[] {
  const out: Buffer[] = [];
  let series = new RecordBuilder(REC_SERIES, 64 * 1024);
  let chunks = new RecordBuilder(REC_CHUNKS, 256 * 1024);
  // Native histogram samples follow the chunks of the same series (replay restores chunks first).
  let histograms = new HistogramRecords();
  const flush = () => {
    if (series.count === 0) return;
    out.push(series.finish(), chunks.finish(), ...histograms.finish());
    series = new RecordBuilder(REC_SERIES, 64 * 1024);
    chunks = new RecordBuilder(REC_CHUNKS, 256 * 1024);
    histograms = new HistogramRecords();
  };
  const refs = [...head.series.keys()].sort((a, b) => a - b);
  for (const ref of refs) {
    const s = head.series.get(ref)!;
    series.uvarint(ref);
    series.uvarint(s.key.length);
    series.latin1(s.key);
    series.count++;
    const lastOf = (i: number, total: number) => i === total - 1;
    const all = [...(s.sealed ?? [])];
    const total = all.length + (s.head !== null && s.head.count > 0 ? 1 : 0);
    let i = 0;
    for (const c of all) {
      writeChunk(chunks, ref, c.minT, c.maxT, c.count, lastOf(i++, total) ? s : null, sealedBytes(c));
      chunks.count++;
    }
    if (s.head !== null && s.head.count > 0) {
      writeChunk(chunks, ref, s.head.minT, s.head.maxT, s.head.count, s, s.head.bytes());
      chunks.count++;
    }
    for (const h of s.hist?.rawIn(-Infinity, Infinity) ?? []) histograms.add(ref, h.t, h.float, h.h);
    if (series.count >= SERIES_PER_BATCH) flush();
  }
  flush();
  return out.map(frameRecord);
}

function writeChunk(
  b: RecordBuilder,
  ref: number,
  minT: number,
  maxT: number,
  count: number,
  last: { lastHi: number; lastLo: number } | null,
  bytes: Uint8Array,
): void {
  b.uvarint(ref);
  b.f64(minT);
  b.f64(maxT);
  b.uvarint(count);
  // Value bits of the newest sample, for the duplicate check after a restart (0 when not the last chunk).
  b.u32(last?.lastLo ?? 0);
  b.u32(last?.lastHi ?? 0);
  b.uvarint(bytes.length);
  b.bytes(bytes);
}


/** Writes checkpoint.N atomically (tmp + fsync + rename + dir fsync). Returns its size. */
export async function writeCheckpoint(walDir: string, n: number, records: Buffer[]): Promise<number> {
  const final = join(walDir, checkpointName(n));
  const tmp = `${final}.tmp`;
  const fh = await open(tmp, 'w');
  let size = 0;
  try {
    for (let i = 0; i < records.length; i += 64) {
      const part = records.slice(i, i + 64);
      for (const r of part) size += r.length;
      await fh.writev(part);
    }
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, final);
  await syncDir(walDir);
  return size;
}

/** Deletes segments <= n and checkpoints older than n (after checkpoint.n is durable). */
export async function deleteCovered(walDir: string, n: number): Promise<void> {
  const { segments, checkpoints } = await listWal(walDir);
  for (const s of segments) if (s <= n) await rm(join(walDir, segmentName(s)), { force: true });
  for (const c of checkpoints) if (c < n) await rm(join(walDir, checkpointName(c)), { force: true });
}
