// Bit-level writer/reader over bytes, MSB first, for the XOR chunk. Values are passed as uint32
// halves so that float bit patterns (NaN payloads) never go through a JS number.

/** Growable, zero-filled bit buffer. */
export class BitWriter {
  bytes: Uint8Array;
  /** Bits written so far. */
  pos = 0;

  constructor(initialBytes = 32) {
    this.bytes = newZeroed(initialBytes);
  }

  private ensure(nbits: number): void {
    const need = (this.pos + nbits + 7) >>> 3;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const grown = newZeroed(size);
    grown.set(this.bytes);
    this.bytes = grown;
  }

  writeBit(bit: number): void {
    this.ensure(1);
    if (bit) this.bytes[this.pos >>> 3]! |= 0x80 >>> (this.pos & 7);
    this.pos++;
  }

  /** Writes the low `n` (0..32) bits of `value`. */
  writeBits(value: number, n: number): void {
    this.ensure(n);
    const bytes = this.bytes;
    let pos = this.pos;
    while (n > 0) {
      const free = 8 - (pos & 7);
      const take = free < n ? free : n;
      const bits = (value >>> (n - take)) & ((1 << take) - 1);
      bytes[pos >>> 3]! |= bits << (free - take);
      pos += take;
      n -= take;
    }
    this.pos = pos;
  }

  /** Writes the low `n` (0..64) bits of the 64-bit value hi:lo. */
  writeBits64(hi: number, lo: number, n: number): void {
    if (n > 32) {
      this.writeBits(hi, n - 32);
      this.writeBits(lo, 32);
    } else {
      this.writeBits(lo, n);
    }
  }

  /** The written bytes (a copy, trimmed). */
  finish(): Uint8Array {
    return this.bytes.slice(0, (this.pos + 7) >>> 3);
  }

  reset(initialBytes = 32): void {
    this.bytes = newZeroed(initialBytes);
    this.pos = 0;
  }
}

// Small Buffers come from Node's shared 8 KiB pool: far less per-chunk overhead than a Uint8Array
// with its own ArrayBuffer, which matters with one open chunk per active series.
/** Writes the low `n` bits of the 64-bit value hi:lo shifted right by `shift` (an XOR value's meaningful bits). */
export function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, n: number): void {
  if (shift >= 32) {
    lo = hi >>> (shift - 32);
    hi = 0;
  } else if (shift > 0) {
    lo = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    hi = hi >>> shift;
  }
  w.writeBits64(hi, lo, n);
}

function newZeroed(n: number): Uint8Array {
  return Buffer.allocUnsafe(n).fill(0);
}

export class BitReader {
  private pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    /** Readable bits. */
    private readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  readBit(): number {
    if (this.pos >= this.end) throw new RangeError('chunk: read past end');
    const b = (this.bytes[this.pos >>> 3]! >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b;
  }

  /** Reads `n` (0..32) bits as an unsigned integer. */
  readBits(n: number): number {
    if (this.pos + n > this.end) throw new RangeError('chunk: read past end');
    const bytes = this.bytes;
    let pos = this.pos;
    let acc = 0;
    while (n > 0) {
      const avail = 8 - (pos & 7);
      const take = avail < n ? avail : n;
      const bits = (bytes[pos >>> 3]! >>> (avail - take)) & ((1 << take) - 1);
      acc = ((acc << take) | bits) >>> 0;
      pos += take;
      n -= take;
    }
    this.pos = pos;
    return acc;
  }
}
