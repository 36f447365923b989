// Prometheus's varbit integer encoding (tsdb/chunkenc/varbit.go): a unary prefix of 0..8 one-bits picks a
// bucket of 0, 3, 6, 9, 12, 18, 25, 56 or 64 value bits. Histogram chunks use it for timestamps, counts,
// bucket deltas and the layout. Integers travel as JS numbers (exact up to 2^53, which covers every count
// and millisecond timestamp Prometheus accepts); wide buckets are written as two's complement hi:lo halves.
import type { BitReader, BitWriter } from './bits.js';

const TWO_32 = 4294967296;
/** Value bits per bucket, in prefix order (prefix 0, 10, 110, …, 11111110, 11111111). */
const BUCKET_BITS = [0, 3, 6, 9, 12, 18, 25, 56, 64] as const;

/** Go's bitRange: -(2^(n-1)-1) <= x <= 2^(n-1). */
function inSignedRange(x: number, nbits: number): boolean {
  const half = 2 ** (nbits - 1);
  return x >= -(half - 1) && x <= half;
}

/** Writes the low `n` (≤ 64) bits of the integer `v` in two's complement. */
export function writeIntBits(w: BitWriter, v: number, n: number): void {
  const hi = Math.floor(v / TWO_32);
  const lo = v - hi * TWO_32;
  w.writeBits64(hi >>> 0, lo >>> 0, n);
}

/** Reads `n` (≤ 64) bits as an unsigned integer (exact up to 2^53). */
export function readUintBits(r: BitReader, n: number): number {
  if (n <= 32) return r.readBits(n);
  const hi = r.readBits(n - 32);
  return hi * TWO_32 + r.readBits(32);
}

/** Reads 64 bits as a signed (two's complement) integer. */
function readInt64(r: BitReader): number {
  const hi = r.readBits(32) | 0;
  return hi * TWO_32 + r.readBits(32);
}

function writePrefix(w: BitWriter, bucket: number): void {
  // bucket k (1..7) is k ones then a zero; bucket 8 is eight ones; bucket 0 is a single zero.
  if (bucket === 8) w.writeBits(0xff, 8);
  else w.writeBits(((1 << bucket) - 1) << 1, bucket + 1);
}

export function putVarbitInt(w: BitWriter, v: number): void {
  if (v === 0) {
    w.writeBit(0);
    return;
  }
  for (let k = 1; k < 8; k++) {
    if (inSignedRange(v, BUCKET_BITS[k]!)) {
      writePrefix(w, k);
      writeIntBits(w, v, BUCKET_BITS[k]!);
      return;
    }
  }
  writePrefix(w, 8);
  writeIntBits(w, v, 64);
}

export function putVarbitUint(w: BitWriter, v: number): void {
  if (v === 0) {
    w.writeBit(0);
    return;
  }
  for (let k = 1; k < 8; k++) {
    if (v < 2 ** BUCKET_BITS[k]!) {
      writePrefix(w, k);
      writeIntBits(w, v, BUCKET_BITS[k]!);
      return;
    }
  }
  writePrefix(w, 8);
  writeIntBits(w, v, 64);
}

function readPrefix(r: BitReader): number {
  let k = 0;
  while (k < 8 && r.readBit() === 1) k++;
  return k;
}

export function readVarbitInt(r: BitReader): number {
  const k = readPrefix(r);
  if (k === 0) return 0;
  if (k === 8) return readInt64(r);
  const sz = BUCKET_BITS[k]!;
  if (sz <= 32) {
    const v = r.readBits(sz);
    return v > 2 ** (sz - 1) ? v - 2 ** sz : v;
  }
  // Sign-extend the high part first: the unsigned 56-bit value may not be exact as a double.
  const hiBits = sz - 32;
  let hi = r.readBits(hiBits);
  const lo = r.readBits(32);
  const half = 2 ** (hiBits - 1);
  if (hi > half || (hi === half && lo > 0)) hi -= 2 ** hiBits;
  return hi * TWO_32 + lo;
}

export function readVarbitUint(r: BitReader): number {
  const k = readPrefix(r);
  if (k === 0) return 0;
  return readUintBits(r, BUCKET_BITS[k]!);
}
