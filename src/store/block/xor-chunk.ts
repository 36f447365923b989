// Prometheus's chunkenc.XORChunk byte layout: a 2-byte big-endian sample count, then the bit stream, whose
// first timestamp is a varint and second a uvarint delta (the head's own chunks store both as raw bits, so
// block chunks are re-encoded here). Values and later timestamps are encoded exactly as in the head.
import { BitReader, BitWriter } from '../chunks/bits.js';
import { XorAppender, readDod, readXorValue, type XorValueState } from '../chunks/xor.js';

/** Chunk encoding byte of a float XOR chunk (chunkenc.EncXOR). */
export const ENC_XOR = 1;

function writeVarintBytes(w: BitWriter, u: number): void {
  while (u >= 0x80) {
    w.writeBits((u % 0x80) | 0x80, 8);
    u = Math.floor(u / 0x80);
  }
  w.writeBits(u, 8);
}

function readUvarintBits(r: BitReader): number {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    const b = r.readBits(8);
    v += (b & 0x7f) * mul;
    if (b < 0x80) return v;
    mul *= 0x80;
  }
  throw new RangeError('chunk: varint overflows 64 bits');
}

/** The head's appender with Prometheus's first two timestamps: a zigzag varint, then a uvarint delta. */
class PromXorAppender extends XorAppender {
  protected override writeFirstTime(t: number): void {
    writeVarintBytes(this.bits, t >= 0 ? t * 2 : -t * 2 - 1);
  }

  protected override writeTimeDelta(delta: number): void {
    if (this.count === 1) writeVarintBytes(this.bits, delta);
    else super.writeTimeDelta(delta);
  }
}

/**
 * Encodes samples [from, to) (timestamps strictly increasing; value bits as a little-endian Uint32Array
 * view of doubles) as the data of one Prometheus XOR chunk.
 */
export function encodePromXor(ts: ArrayLike<number>, bits: Uint32Array, from: number, to: number): Buffer {
  const app = new PromXorAppender();
  for (let i = from; i < to; i++) app.append(ts[i]!, bits[2 * i + 1]!, bits[2 * i]!);
  const body = app.bytes();
  const out = Buffer.alloc(2 + body.length);
  out.writeUInt16BE(to - from, 0);
  out.set(body, 2);
  return out;
}

/** Number of samples in a Prometheus XOR chunk's data. */
export function promXorCount(data: Uint8Array): number {
  return (data[0]! << 8) | data[1]!;
}

/**
 * Decodes a Prometheus XOR chunk's data and appends its samples with mint <= t <= maxt to `ts`/`valBits`
 * from index `out`; returns the new length.
 */
export function decodePromXor(data: Uint8Array, mint: number, maxt: number, ts: Float64Array, valBits: Uint32Array, out: number): number {
  const count = promXorCount(data);
  const r = new BitReader(data.subarray(2), (data.length - 2) * 8);
  let t = 0;
  let delta = 0;
  const v: XorValueState = { hi: 0, lo: 0, leading: 0, trailing: 0 };
  for (let i = 0; i < count; i++) {
    if (i === 0) {
      const u = readUvarintBits(r);
      t = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      v.hi = r.readBits(32);
      v.lo = r.readBits(32);
    } else {
      if (i === 1) delta = readUvarintBits(r);
      else delta += readDod(r);
      t += delta;
      readXorValue(r, v);
    }
    if (t > maxt) break;
    if (t >= mint) {
      ts[out] = t;
      valBits[out * 2] = v.lo;
      valBits[out * 2 + 1] = v.hi;
      out++;
    }
  }
  return out;
}
