// WAL record payloads (the framing with length + CRC is in segment.ts). Like Prometheus's tsdb/record:
// series records (ref -> labels) precede the sample records that use the ref.
// Every payload starts with [type u8][count u32 LE] (the count is patched in when the record is done).
//   SERIES  { ref uvarint, keyLen uvarint, key (protobuf-encoded sorted labels) }
//   SAMPLES baseT f64, { ref uvarint, zigzag(t - baseT) uvarint, value bits lo u32, hi u32 }
//   CHUNKS  { ref uvarint, minT f64, maxT f64, count uvarint, last value bits lo u32, hi u32,
//             len uvarint, xor bytes }   (checkpoints only)
//   HISTOGRAMS (7), FLOAT_HISTOGRAMS (8), and their custom-bucket kinds (9, 10): Prometheus's record types and
//             its V1 payload after our header; see histogram-records.ts.

export const REC_SERIES = 1;
export const REC_SAMPLES = 2;
export const REC_CHUNKS = 3;
// Prometheus's tsdb/record numbering (Tombstones is its 3; ours is CHUNKS, which it does not have).
export const REC_HISTOGRAMS = 7;
export const REC_FLOAT_HISTOGRAMS = 8;
export const REC_CUSTOM_HISTOGRAMS = 9;
export const REC_CUSTOM_FLOAT_HISTOGRAMS = 10;

/** Room the segment writer fills with length + CRC in front of each payload. */
export const FRAME_HEADER = 8;

/** Append-only byte builder with the frame header reserved up front. */
export class RecordBuilder {
  buf: Buffer;
  pos = FRAME_HEADER;

  count = 0;

  constructor(
    readonly type: number,
    initial = 256,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(initial, 16));
    this.buf[this.pos++] = type;
    this.pos += 4; // count, patched by finish()
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  uvarint(n: number): void {
    this.ensure(10);
    const buf = this.buf;
    let p = this.pos;
    while (n >= 0x80) {
      buf[p++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    buf[p++] = n;
    this.pos = p;
  }

  /** Signed integer (|n| < 2^52) as zig-zag uvarint. */
  varint(n: number): void {
    this.uvarint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Big-endian double (Prometheus's PutBE64(math.Float64bits(v))). */
  f64be(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  /** Big-endian 64-bit two's complement integer (Prometheus's PutBE64int64). */
  i64be(n: number): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(BigInt(n), this.pos);
    this.pos += 8;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  latin1(s: string): void {
    this.ensure(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  get payloadLength(): number {
    return this.pos - FRAME_HEADER;
  }

  /** The record with its count patched in (frame header still to be filled by the writer). */
  finish(): Buffer {
    this.buf.writeUInt32LE(this.count, FRAME_HEADER + 1);
    return this.buf.subarray(0, this.pos);
  }
}

/** Sequential reader over one record payload; throws RangeError past the end. */
export class RecordReader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) throw new RangeError('record: truncated');
    return this.buf[this.pos++]!;
  }

  uvarint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new RangeError('record: varint too long');
  }

  varint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  /** A uvarint of up to 64 bits (histogram counts), exact below 2^53. */
  uvarint64(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new RangeError('record: varint too long');
  }

  /** A zig-zag varint of up to 64 bits (bucket deltas). */
  varint64(): number {
    const z = this.uvarint64();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  f64be(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  i64be(): number {
    this.need(8);
    const v = Number(this.buf.readBigInt64BE(this.pos));
    this.pos += 8;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  latin1(n: number): string {
    this.need(n);
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new RangeError('record: truncated');
  }
}
