// WAL segment files and record framing: [payload length u32 LE][CRC32 of payload u32 LE][payload].
// A record never spans segments. A torn tail (crash mid-write) shows up as a short or CRC-failing record.
import { crc32 } from 'node:zlib';
import { readdir } from 'node:fs/promises';
import { FRAME_HEADER } from './records.js';

export const SEGMENT_NAME_RE = /^\d{8}$/;
export const CHECKPOINT_NAME_RE = /^checkpoint\.(\d{8})$/;

export function segmentName(n: number): string {
  return String(n).padStart(8, '0');
}

export function checkpointName(n: number): string {
  return `checkpoint.${segmentName(n)}`;
}

/** Fills the frame header of a record built by RecordBuilder (payload starts at FRAME_HEADER). */
export function frameRecord(rec: Buffer): Buffer {
  rec.writeUInt32LE(rec.length - FRAME_HEADER, 0);
  rec.writeUInt32LE(crc32(rec.subarray(FRAME_HEADER)), 4);
  return rec;
}

export interface ScanResult {
  /** [start, end) of each valid payload. */
  records: Array<[number, number]>;
  /** Bytes up to the end of the last valid record. */
  validBytes: number;
  /** Why scanning stopped early, if it did. */
  corruption: string | null;
}

/** Walks the records of a segment (or checkpoint) image; stops at the first bad one. */
export function scanRecords(buf: Buffer, maxRecordBytes = 1 << 30): ScanResult {
  const records: Array<[number, number]> = [];
  let p = 0;
  while (p < buf.length) {
    if (p + FRAME_HEADER > buf.length) return { records, validBytes: p, corruption: `torn record header at offset ${p}` };
    const len = buf.readUInt32LE(p);
    const crc = buf.readUInt32LE(p + 4);
    if (len === 0 && crc === 0) {
      // Zeroes: a preallocated or partially flushed tail.
      return { records, validBytes: p, corruption: buf.subarray(p).some((b) => b !== 0) ? `zero header at offset ${p}` : null };
    }
    if (len > maxRecordBytes || p + FRAME_HEADER + len > buf.length) {
      return { records, validBytes: p, corruption: `torn record at offset ${p} (length ${len})` };
    }
    const start = p + FRAME_HEADER;
    if (crc32(buf.subarray(start, start + len)) !== crc) {
      return { records, validBytes: p, corruption: `CRC mismatch at offset ${p}` };
    }
    records.push([start, start + len]);
    p = start + len;
  }
  return { records, validBytes: p, corruption: null };
}

export interface WalDirListing {
  segments: number[];
  checkpoints: number[];
}

export async function listWal(dir: string): Promise<WalDirListing> {
  const segments: number[] = [];
  const checkpoints: number[] = [];
  for (const name of await readdir(dir)) {
    if (SEGMENT_NAME_RE.test(name)) segments.push(Number(name));
    const m = CHECKPOINT_NAME_RE.exec(name);
    if (m !== null) checkpoints.push(Number(m[1]));
  }
  segments.sort((a, b) => a - b);
  checkpoints.sort((a, b) => a - b);
  return { segments, checkpoints };
}
