// Gorilla-style chunk (as Prometheus's chunkenc.XORChunk): delta-of-delta timestamps in
// 1/14/17/20/64-bit buckets, and XOR-ed float bits with leading/trailing zero windows.
// Values travel as (hi, lo) uint32 halves so that NaN payloads (the stale marker) survive bit-exact.
import { BitReader, BitWriter, writeShifted } from './bits.js';

/** Samples per chunk before it is cut (Prometheus's default). */
export const SAMPLES_PER_CHUNK = 120;

const TWO_32 = 4294967296;

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Appends samples with strictly increasing timestamps to one open chunk. */
export class XorAppender {
  readonly bits = new BitWriter(32);
  count = 0;
  minT = 0;
  maxT = 0;
  protected tDelta = 0;
  /** Bits of the last value. */
  lastHi = 0;
  lastLo = 0;
  private leading = 0xff; // 0xff: no window yet
  private trailing = 0;

  append(t: number, hi: number, lo: number): void {
    if (this.count === 0) {
      this.writeFirstTime(t);
      this.bits.writeBits64(hi, lo, 64);
      this.minT = t;
    } else {
      const delta = t - this.maxT;
      this.writeTimeDelta(delta);
      this.tDelta = delta;
      this.writeValue(hi, lo);
    }
    this.maxT = t;
    this.lastHi = hi;
    this.lastLo = lo;
    this.count++;
  }

  /** The first timestamp: raw 64 bits in the head's chunks (Prometheus's block chunks override it). */
  protected writeFirstTime(t: number): void {
    writeInt64(this.bits, t);
  }

  /** Every later timestamp as a delta of deltas (the second one's previous delta is 0). */
  protected writeTimeDelta(delta: number): void {
    writeDod(this.bits, delta - this.tDelta);
  }

  protected writeValue(hi: number, lo: number): void {
    const w = this.bits;
    const xh = (hi ^ this.lastHi) >>> 0;
    const xl = (lo ^ this.lastLo) >>> 0;
    if (xh === 0 && xl === 0) {
      w.writeBit(0);
      return;
    }
    let leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
    const trailing = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
    if (leading > 31) leading = 31; // 5 bits on the wire
    if (this.leading !== 0xff && leading >= this.leading && trailing >= this.trailing) {
      // Fits the previous window: '10' + the window's bits.
      w.writeBits(0b10, 2);
      writeShifted(w, xh, xl, this.trailing, 64 - this.leading - this.trailing);
      return;
    }
    this.leading = leading;
    this.trailing = trailing;
    const sig = 64 - leading - trailing;
    w.writeBits(0b11, 2);
    w.writeBits(leading, 5);
    w.writeBits(sig & 63, 6); // 64 wraps to 0, as in Prometheus
    writeShifted(w, xh, xl, trailing, sig);
  }

  /** The bytes written so far (a copy). */
  bytes(): Uint8Array {
    return this.bits.finish();
  }

  reset(): void {
    this.bits.reset(32);
    this.count = 0;
    this.tDelta = 0;
    this.leading = 0xff;
    this.trailing = 0;
  }
}

function writeInt64(w: BitWriter, v: number): void {
  const hi = Math.floor(v / TWO_32);
  w.writeBits(hi >>> 0, 32);
  w.writeBits(v - hi * TWO_32, 32);
}

function readInt64(r: BitReader): number {
  const hi = r.readBits(32) | 0;
  return hi * TWO_32 + r.readBits(32);
}

export function writeDod(w: BitWriter, dod: number): void {
  if (dod === 0) {
    w.writeBit(0);
  } else if (dod >= -8191 && dod <= 8192) {
    w.writeBits(0b10, 2);
    w.writeBits(dod & 0x3fff, 14);
  } else if (dod >= -65535 && dod <= 65536) {
    w.writeBits(0b110, 3);
    w.writeBits(dod & 0x1ffff, 17);
  } else if (dod >= -524287 && dod <= 524288) {
    w.writeBits(0b1110, 4);
    w.writeBits(dod & 0xfffff, 20);
  } else {
    w.writeBits(0b1111, 4);
    writeInt64(w, dod);
  }
}

function readSigned(r: BitReader, n: number): number {
  const v = r.readBits(n);
  return v > 1 << (n - 1) ? v - (1 << n) : v;
}

export function readDod(r: BitReader): number {
  if (r.readBit() === 0) return 0;
  if (r.readBit() === 0) return readSigned(r, 14);
  if (r.readBit() === 0) return readSigned(r, 17);
  if (r.readBit() === 0) return readSigned(r, 20);
  return readInt64(r);
}

/**
 * Decodes `count` samples from chunk bytes (`nbits` readable bits) and appends those with
 * mint <= t <= maxt to the outputs starting at `out` (returns the new length). The value halves are
 * written into `valBits` (a Uint32Array view of a Float64Array), never through a JS number.
 */
export function decodeXor(
  bytes: Uint8Array,
  nbits: number,
  count: number,
  mint: number,
  maxt: number,
  ts: Float64Array,
  valBits: Uint32Array,
  out: number,
): number {
  const r = new BitReader(bytes, nbits);
  let t = 0;
  let delta = 0;
  const v: XorValueState = { hi: 0, lo: 0, leading: 0, trailing: 0 };
  for (let i = 0; i < count; i++) {
    if (i === 0) {
      t = readInt64(r);
      v.hi = r.readBits(32);
      v.lo = r.readBits(32);
    } else {
      delta += readDod(r);
      t += delta;
      readXorValue(r, v);
    }
    if (t > maxt) break;
    if (t >= mint) {
      ts[out] = t;
      valBits[out * 2] = v.lo; // little-endian: low word first
      valBits[out * 2 + 1] = v.hi;
      out++;
    }
  }
  return out;
}

/** The decoder's value state: the last value's bits and the current leading/trailing-zero window. */
export interface XorValueState {
  hi: number;
  lo: number;
  leading: number;
  trailing: number;
}

/** Reads one XOR-encoded value (after the first) into `v`. */
export function readXorValue(r: BitReader, v: XorValueState): void {
  if (r.readBit() === 0) return;
  if (r.readBit() === 1) {
    v.leading = r.readBits(5);
    let sig = r.readBits(6);
    if (sig === 0) sig = 64;
    v.trailing = 64 - v.leading - sig;
  }
  const sig = 64 - v.leading - v.trailing;
  const trailing = v.trailing;
  let xh: number;
  let xl: number;
  if (sig > 32) {
    xh = r.readBits(sig - 32);
    xl = r.readBits(32);
  } else {
    xh = 0;
    xl = r.readBits(sig);
  }
  // shift left by `trailing`
  if (trailing >= 32) {
    xh = (xl << (trailing - 32)) >>> 0;
    xl = 0;
  } else if (trailing > 0) {
    xh = ((xh << trailing) | (xl >>> (32 - trailing))) >>> 0;
    xl = (xl << trailing) >>> 0;
  }
  v.hi = (v.hi ^ xh) >>> 0;
  v.lo = (v.lo ^ xl) >>> 0;
}

/** A cut (immutable) chunk. Bytes are kept as a one-byte string: far smaller than a Uint8Array object. */
export interface SealedChunk {
  minT: number;
  maxT: number;
  count: number;
  data: string;
}

export function sealChunk(app: XorAppender): SealedChunk {
  return { minT: app.minT, maxT: app.maxT, count: app.count, data: Buffer.from(app.bytes()).toString('latin1') };
}

export function sealedBytes(c: SealedChunk): Buffer {
  return Buffer.from(c.data, 'latin1');
}
