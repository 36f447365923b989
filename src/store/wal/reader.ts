// Reading WAL segments and checkpoints back: every complete record up to the first torn or corrupt
// one. A bad tail is expected after a crash; the caller truncates it away before writing again.
import { readFile, truncate } from 'node:fs/promises';
import { scanRecords, type ScanResult } from './segment.js';

export interface SegmentImage extends ScanResult {
  path: string;
  buf: Buffer;
}

export async function readSegment(path: string): Promise<SegmentImage> {
  const buf = await readFile(path);
  return { path, buf, ...scanRecords(buf) };
}

/** Cuts a segment back to its last valid record, so a torn tail is not mistaken for corruption later. */
export async function repairSegment(img: SegmentImage): Promise<boolean> {
  if (img.validBytes >= img.buf.length) return false;
  await truncate(img.path, img.validBytes);
  return true;
}
