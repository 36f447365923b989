// Byte-level encoding of Prometheus's TSDB files (tsdb/encoding): big-endian fixed ints, Go's uvarint and
// zig-zag varint, and CRC32 Castagnoli. Integers are JS numbers: every value a block holds (timestamps,
// offsets, counts) stays below 2^53.

const CASTAGNOLI = 0x82f63b78;
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CASTAGNOLI : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32C of bytes[start, end), continuing from `crc` (0 for a fresh sum). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const TWO_32 = 4294967296;

/** A growable write buffer (Prometheus's encoding.Encbuf). */
export class Encbuf {
  buf: Buffer;
  len = 0;

  constructor(initial = 1024) {
    this.buf = Buffer.alloc(initial);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const grown = Buffer.alloc(size);
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }

  reset(): void {
    this.len = 0;
  }

  get(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  putByte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  putBytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  putBE32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.len);
    this.len += 4;
  }

  putBE64(v: number): void {
    this.ensure(8);
    this.buf.writeUInt32BE(Math.floor(v / TWO_32), this.len);
    this.buf.writeUInt32BE(v % TWO_32, this.len + 4);
    this.len += 8;
  }

  /** Go's binary.PutUvarint for a non-negative integer below 2^53. */
  putUvarint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  /** Go's binary.PutVarint (zig-zag). */
  putVarint(v: number): void {
    this.putUvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  putUvarintStr(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.putUvarint(b.length);
    this.putBytes(b);
  }

  /** Zero bytes up to the next multiple of `align` (relative to `base`, the buffer's file offset). */
  pad(align: number, base = 0): void {
    while ((base + this.len) % align !== 0) this.putByte(0);
  }
}

/** A read cursor over bytes (Prometheus's encoding.Decbuf); throws on reads past the end. */
export class Decbuf {
  constructor(
    readonly buf: Uint8Array,
    public pos = 0,
    readonly end = buf.length,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new RangeError('index: read past the end of a section');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  be32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  be64(): number {
    const hi = this.be32();
    return hi * TWO_32 + this.be32();
  }

  uvarint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
    throw new RangeError('index: uvarint overflows 64 bits');
  }

  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uvarintStr(): string {
    const n = this.uvarint();
    return Buffer.from(this.bytes(n)).toString('utf8');
  }
}
