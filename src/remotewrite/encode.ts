// Remote-write 1.0 encoder (for the prober and the data-plane writer): prompb.WriteRequest, snappy
// block format. Hand-written for the same reason as the decoder: no per-sample objects, and values
// given as a Float64Array keep their NaN payloads (the stale marker).
import snappy from 'snappyjs';
import { varintSize } from './wire.js';
import type { Labels } from '../storage/interface.js';
import { encodeHistogramProto, type WireHistogram } from './histogram-proto.js';

export interface SeriesToWrite {
  /** Any order; sorted by name here, as receivers expect. */
  labels: Labels;
  timestamps: ArrayLike<number>;
  /** Use a Float64Array to keep NaN bit patterns (JS arrays of doubles canonicalize NaNs). */
  values: ArrayLike<number>;
  /** Native histogram samples (TimeSeries.histograms), written after the float samples. */
  histograms?: readonly WireHistogram[];
}

export const REMOTE_WRITE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Encoding': 'snappy',
  'Content-Type': 'application/x-protobuf',
  'X-Prometheus-Remote-Write-Version': '0.1.0',
};

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

class Writer {
  buf = Buffer.allocUnsafe(4096);
  p = 0;
  ensure(n: number): void {
    if (this.p + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.p + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.p);
    this.buf = b;
  }
  byte(b: number): void {
    this.buf[this.p++] = b;
  }
  uvarint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.p++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.p++] = n;
  }
  /** int64 varint; negatives as 10-byte two's complement, as protobuf does. */
  int64(n: number): void {
    if (n >= 0) return this.uvarint(n);
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 0x80n) {
      this.buf[this.p++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.p++] = Number(v);
  }
}


function int64Size(n: number): number {
  return n < 0 ? 10 : varintSize(n);
}

/** Protobuf WriteRequest bytes (uncompressed). */
export function encodeWriteRequestProto(series: readonly SeriesToWrite[]): Buffer {
  const w = new Writer();
  for (const s of series) {
    const labels = [...s.labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const enc = labels.map((l) => [Buffer.from(l.name, 'utf8'), Buffer.from(l.value, 'utf8')] as const);
    let size = 0;
    for (const [n, v] of enc) {
      const inner = 1 + varintSize(n.length) + n.length + 1 + varintSize(v.length) + v.length;
      size += 1 + varintSize(inner) + inner;
    }
    const count = s.timestamps.length;
    if (s.values.length !== count) throw new Error('encodeWriteRequest: timestamps and values differ in length');
    for (let i = 0; i < count; i++) {
      const inner = 9 + 1 + int64Size(s.timestamps[i]!);
      size += 1 + varintSize(inner) + inner;
    }
    const hists = (s.histograms ?? []).map(encodeHistogramProto);
    for (const h of hists) size += 1 + varintSize(h.length) + h.length;
    w.ensure(1 + 10 + size);
    w.byte(0x0a);
    w.uvarint(size);
    for (const [n, v] of enc) {
      w.byte(0x0a);
      w.uvarint(1 + varintSize(n.length) + n.length + 1 + varintSize(v.length) + v.length);
      w.byte(0x0a);
      w.uvarint(n.length);
      w.p += n.copy(w.buf, w.p);
      w.byte(0x12);
      w.uvarint(v.length);
      w.p += v.copy(w.buf, w.p);
    }
    const values = s.values;
    for (let i = 0; i < count; i++) {
      const t = s.timestamps[i]!;
      w.byte(0x12);
      w.uvarint(9 + 1 + int64Size(t));
      w.byte(0x09);
      f64[0] = values[i]!;
      w.buf.set(f64Bytes, w.p);
      w.p += 8;
      w.byte(0x10);
      w.int64(t);
    }
    for (const h of hists) {
      w.byte(0x22);
      w.uvarint(h.length);
      w.p += h.copy(w.buf, w.p);
    }
  }
  return w.buf.subarray(0, w.p);
}

/** Snappy-compressed WriteRequest, ready to POST with REMOTE_WRITE_HEADERS. */
export function encodeWriteRequest(series: readonly SeriesToWrite[]): Buffer {
  return snappyCompress(encodeWriteRequestProto(series));
}

export function snappyCompress(raw: Uint8Array): Buffer {
  const c = snappy.compress(raw);
  return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}
