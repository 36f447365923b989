// What Prometheus's integer and float histogram chunks share (tsdb/chunkenc/histogram_meta.go): the chunk
// header and its counter-reset bits, the layout (zero threshold, schema, spans, custom bounds) written before
// the first sample, the Gorilla XOR value writer, and the span arithmetic the appenders use to decide whether
// a histogram fits the open chunk (bucket iterator, inserts, span unions).
import { CounterResetHint, isCustomBucketsSchema, type Span } from '../../histogram/model.js';
import { writeShifted, type BitReader, type BitWriter } from './bits.js';
import { putVarbitInt, putVarbitUint, readVarbitInt, readVarbitUint } from './varbit.js';

/** Chunk encoding bytes (chunkenc.EncHistogram, chunkenc.EncFloatHistogram). */
export const ENC_HISTOGRAM = 2;
export const ENC_FLOAT_HISTOGRAM = 3;

/** The chunk header: 2 bytes sample count (big-endian), 1 flags byte whose top two bits are these. */
export const HISTOGRAM_HEADER_SIZE = 3;
export const HISTOGRAM_FLAG_POS = 2;
export const CounterResetHeader = {
  Unknown: 0b0000_0000,
  CounterReset: 0b1000_0000,
  NotCounterReset: 0b0100_0000,
  Gauge: 0b1100_0000,
} as const;
export type CounterResetHeader = (typeof CounterResetHeader)[keyof typeof CounterResetHeader];
export const COUNTER_RESET_HEADER_MASK = 0b1100_0000;

export function counterResetHeaderOf(chunk: Uint8Array): CounterResetHeader {
  return (chunk[HISTOGRAM_FLAG_POS]! & COUNTER_RESET_HEADER_MASK) as CounterResetHeader;
}

export function histogramChunkCount(chunk: Uint8Array): number {
  return (chunk[0]! << 8) | chunk[1]!;
}

/** The hint a reader reports for the `numRead`-th sample (1-based) of a chunk (chunkenc.counterResetHint):
 *  only the first sample's is unknown, since the previous chunk may be gone or out of order. */
export function counterResetHintFor(header: CounterResetHeader, numRead: number): CounterResetHint {
  if (header === CounterResetHeader.Gauge) return CounterResetHint.Gauge;
  if (numRead > 1) return CounterResetHint.NotCounterReset;
  return CounterResetHint.Unknown;
}

// ---- float bits ----

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

export function writeFloat(w: BitWriter, v: number): void {
  f64[0] = v;
  w.writeBits(u32[1]!, 32);
  w.writeBits(u32[0]!, 32);
}

export function readFloat(r: BitReader): number {
  u32[1] = r.readBits(32);
  u32[0] = r.readBits(32);
  return f64[0]!;
}

/** State of one XOR-encoded value stream: the last value's bits and its leading/trailing-zero window. */
export interface XorStream {
  hi: number;
  lo: number;
  /** 0xff before the first window (the writer's sentinel); the reader starts at 0 as Prometheus's does. */
  leading: number;
  trailing: number;
}

export function newXorStream(v: number, leading = 0xff): XorStream {
  f64[0] = v;
  return { hi: u32[1]!, lo: u32[0]!, leading, trailing: 0 };
}

export function xorStreamValue(s: XorStream): number {
  u32[1] = s.hi;
  u32[0] = s.lo;
  return f64[0]!;
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Prometheus's xorWrite: '0' for the same bits, '10' + bits in the old window, '11' + a new window. */
export function xorWrite(w: BitWriter, s: XorStream, v: number): void {
  f64[0] = v;
  const hi = u32[1]!;
  const lo = u32[0]!;
  const xh = (hi ^ s.hi) >>> 0;
  const xl = (lo ^ s.lo) >>> 0;
  s.hi = hi;
  s.lo = lo;
  if (xh === 0 && xl === 0) {
    w.writeBit(0);
    return;
  }
  w.writeBit(1);
  let leading = xh !== 0 ? Math.clz32(xh) : 32 + Math.clz32(xl);
  const trailing = xl !== 0 ? ctz32(xl) : 32 + ctz32(xh);
  if (leading >= 32) leading = 31;
  if (s.leading !== 0xff && leading >= s.leading && trailing >= s.trailing) {
    w.writeBit(0);
    writeShifted(w, xh, xl, s.trailing, 64 - s.leading - s.trailing);
    return;
  }
  s.leading = leading;
  s.trailing = trailing;
  const sig = 64 - leading - trailing;
  w.writeBit(1);
  w.writeBits(leading, 5);
  w.writeBits(sig & 63, 6);
  writeShifted(w, xh, xl, trailing, sig);
}

// ---- layout ----

export interface ChunkLayout {
  schema: number;
  zeroThreshold: number;
  positiveSpans: Span[];
  negativeSpans: Span[];
  customValues: number[];
}

export function writeLayout(w: BitWriter, l: ChunkLayout): void {
  putZeroThreshold(w, l.zeroThreshold);
  putVarbitInt(w, l.schema);
  putSpans(w, l.positiveSpans);
  putSpans(w, l.negativeSpans);
  if (isCustomBucketsSchema(l.schema)) {
    putVarbitUint(w, l.customValues.length);
    for (const b of l.customValues) putCustomBound(w, b);
  }
}

export function readLayout(r: BitReader): ChunkLayout {
  const zeroThreshold = readZeroThreshold(r);
  const schema = readVarbitInt(r);
  const positiveSpans = readSpans(r);
  const negativeSpans = readSpans(r);
  const customValues: number[] = [];
  if (isCustomBucketsSchema(schema)) {
    const n = readVarbitUint(r);
    for (let i = 0; i < n; i++) customValues.push(readCustomBound(r));
  } else if (schema < -9 || schema > 52) {
    // Prometheus's IsKnownSchema: exponential schemas -9..52 (reserved range) or custom buckets.
    throw new RangeError(`histogram chunk: unknown schema ${schema}`);
  }
  return { schema, zeroThreshold, positiveSpans, negativeSpans, customValues };
}

function putSpans(w: BitWriter, spans: readonly Span[]): void {
  putVarbitUint(w, spans.length);
  for (const s of spans) {
    putVarbitUint(w, s.length);
    putVarbitInt(w, s.offset);
  }
}

function readSpans(r: BitReader): Span[] {
  const n = readVarbitUint(r);
  const spans: Span[] = [];
  for (let i = 0; i < n; i++) {
    const length = readVarbitUint(r);
    spans.push({ offset: readVarbitInt(r), length });
  }
  return spans;
}

/** One byte for 0 and for powers of two 2^-243..2^10 (the usual thresholds); 255 + float64 otherwise. */
export function putZeroThreshold(w: BitWriter, threshold: number): void {
  if (threshold === 0) {
    w.writeBits(0, 8);
    return;
  }
  f64[0] = threshold;
  const biased = (u32[1]! >>> 20) & 0x7ff;
  const mantissaZero = (u32[1]! & 0xfffff) === 0 && u32[0] === 0;
  const exp = biased - 1022; // Go's Frexp exponent for a normal number (fraction 0.5 when the mantissa is 0)
  if (threshold < 0 || !mantissaZero || biased === 0 || biased === 0x7ff || exp < -242 || exp > 11) {
    w.writeBits(255, 8);
    writeFloat(w, threshold);
    return;
  }
  w.writeBits(exp + 243, 8);
}

export function readZeroThreshold(r: BitReader): number {
  const b = r.readBits(8);
  if (b === 0) return 0;
  if (b === 255) return readFloat(r);
  return 2 ** (b - 244);
}

function isWholeWhenMultiplied(v: number): boolean {
  return Math.round(v * 1000) / 1000 === v;
}

/** Bounds that are multiples of 0.001 in [0, 33554.43] as a varbit uint (value*1000 + 1); others as 0 + float64. */
export function putCustomBound(w: BitWriter, f: number): void {
  const tf = f * 1000;
  if (tf < 0 || tf > 33554430 || !isWholeWhenMultiplied(f)) {
    w.writeBit(0);
    writeFloat(w, f);
    return;
  }
  putVarbitUint(w, Math.round(tf) + 1);
}

export function readCustomBound(r: BitReader): number {
  const b = readVarbitUint(r);
  return b === 0 ? readFloat(r) : (b - 1) / 1000;
}

export function customBoundsMatch(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function countSpans(spans: readonly Span[]): number {
  let n = 0;
  for (const s of spans) n += s.length;
  return n;
}
