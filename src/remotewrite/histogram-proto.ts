// prompb.Histogram (Prometheus's prompb/types.proto) on the wire, both ways. Histograms are rare beside float
// samples, so unlike the sample path this builds plain objects; the float decoder only calls in here when a
// series carries a `histograms` field.
//   Histogram{count_int=1 uint64 | count_float=2 double, sum=3 double, schema=4 sint32, zero_threshold=5 double,
//     zero_count_int=6 uint64 | zero_count_float=7 double, negative_spans=8, negative_deltas=9 sint64,
//     negative_counts=10 double, positive_spans=11, positive_deltas=12, positive_counts=13, reset_hint=14 enum,
//     timestamp=15 int64, custom_values=16 double}   BucketSpan{offset=1 sint32, length=2 uint32}
import { CounterResetHint, type FloatHistogram, type Histogram, type Span } from '../histogram/model.js';

/** One histogram sample of a series as remote write carries it. `float` says which message kind it was (the
 *  count_float oneof was set, as Prometheus 3's IsFloatHistogram decides): then bucket counts are absolute,
 *  else they are deltas. Histogram and FloatHistogram have the same shape, so the flag is what tells them apart. */
export type WireHistogram =
  | { timestamp: number; float: false; histogram: Histogram }
  | { timestamp: number; float: true; histogram: FloatHistogram };

export class HistogramProtoError extends Error {}

const TWO_32 = 4294967296;

/** Reads protobuf scalars from buf[p, end). */
class FieldReader {
  constructor(
    readonly buf: Buffer,
    public p: number,
    /** The end of the message (or packed run) being read. */
    public end: number,
  ) {}

  /** An unsigned varint of up to 64 bits as a number (exact below 2^53). */
  uvarint(): number {
    if (this.p < this.end && this.buf[this.p]! < 0x80) return this.buf[this.p++]!;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.p >= this.end) throw new HistogramProtoError('Histogram: truncated varint');
      const b = this.buf[this.p++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new HistogramProtoError('Histogram: varint longer than 10 bytes');
  }

  /** int64 varint (two's complement for negatives: ten bytes, read exactly with a BigInt). */
  int64(): number {
    const start = this.p;
    const u = this.uvarint();
    if (u < 2 ** 53) return u;
    let v = 0n;
    for (let i = this.p - 1; i >= start; i--) v = (v << 7n) | BigInt(this.buf[i]! & 0x7f);
    return Number(BigInt.asIntN(64, v));
  }

  /** sint32/sint64 (zig-zag). */
  sint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  double(): number {
    if (this.p + 8 > this.end) throw new HistogramProtoError('Histogram: truncated double');
    const v = this.buf.readDoubleLE(this.p);
    this.p += 8;
    return v;
  }

  /** The end of a length-delimited field's payload (checked against the message's end). */
  lengthEnd(): number {
    const len = this.uvarint();
    const e = this.p + len;
    if (e > this.end) throw new HistogramProtoError('Histogram: length past end of message');
    return e;
  }

  skip(wire: number): void {
    if (wire === 0) this.uvarint();
    else if (wire === 1) this.p += 8;
    else if (wire === 2) this.p = this.lengthEnd();
    else if (wire === 5) this.p += 4;
    else throw new HistogramProtoError(`Histogram: unsupported wire type ${wire}`);
    if (this.p > this.end) throw new HistogramProtoError('Histogram: field past end of message');
  }
}

/** The fields read so far; repeated ones stay null until their first value (most histograms use a few). */
class Fields {
  countInt = 0;
  countFloat = 0;
  /** Which count oneof member came last (protobuf: the last one set wins). */
  floatCount = false;
  zeroCountInt = 0;
  zeroCountFloat = 0;
  sum = 0;
  schema = 0;
  zeroThreshold = 0;
  resetHint = 0;
  timestamp = 0;
  negativeSpans: Span[] | null = null;
  positiveSpans: Span[] | null = null;
  negativeDeltas: number[] | null = null;
  positiveDeltas: number[] | null = null;
  negativeCounts: number[] | null = null;
  positiveCounts: number[] | null = null;
  customValues: number[] | null = null;
}

/** Decodes the Histogram message in buf[start, end). Throws HistogramProtoError when it is malformed. */
export function decodeHistogramProto(buf: Buffer, start: number, end: number): WireHistogram {
  const f = new Fields();
  const r = new FieldReader(buf, start, end);
  while (r.p < end) readField(r, f);
  const float = f.floatCount;
  const histogram: Histogram = {
    counterResetHint: toResetHint(f.resetHint),
    schema: f.schema,
    zeroThreshold: f.zeroThreshold,
    zeroCount: float ? f.zeroCountFloat : f.zeroCountInt,
    count: float ? f.countFloat : f.countInt,
    sum: f.sum,
    positiveSpans: f.positiveSpans ?? [],
    negativeSpans: f.negativeSpans ?? [],
    // A float histogram's buckets are its absolute counts, an integer one's its deltas (the other kind is ignored).
    positiveBuckets: (float ? f.positiveCounts : f.positiveDeltas) ?? [],
    negativeBuckets: (float ? f.negativeCounts : f.negativeDeltas) ?? [],
    customValues: f.customValues ?? [],
  };
  return float ? { timestamp: f.timestamp, float: true, histogram } : { timestamp: f.timestamp, float: false, histogram };
}

/** An unknown hint value is kept as Unknown (Prometheus's enum would carry it; nothing reads it but resets). */
function toResetHint(v: number): CounterResetHint {
  return v === 1 || v === 2 || v === 3 ? v : CounterResetHint.Unknown;
}

/** Wire type each known field (1..16) must come with; repeated scalars may also come unpacked (UNPACKED). */
const WIRE = [-1, 0, 1, 1, 0, 1, 0, 1, 2, 2, 2, 2, 2, 2, 0, 0, 2];
const UNPACKED = [-1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 1, -1, 0, 1, -1, -1, 1];

function readField(r: FieldReader, f: Fields): void {
  const tag = r.uvarint();
  const field = Math.floor(tag / 8);
  const wire = tag & 7;
  if (field === 0) throw new HistogramProtoError('Histogram: invalid field number 0');
  if (field > 16) return r.skip(wire);
  // As gogo-generated unmarshalers do: a known field with the wrong wire type fails the message.
  if (wire !== WIRE[field] && wire !== UNPACKED[field]) throw new HistogramProtoError(`Histogram: wrong wire type ${wire} for field ${field}`);
  switch (field) {
    case 1: return void ((f.countInt = r.uvarint()), (f.floatCount = false));
    case 2: return void ((f.countFloat = r.double()), (f.floatCount = true));
    case 3: return void (f.sum = r.double());
    case 4: return void (f.schema = r.sint());
    case 5: return void (f.zeroThreshold = r.double());
    case 6: return void ((f.zeroCountInt = r.uvarint()), (f.zeroCountFloat = 0));
    case 7: return void ((f.zeroCountFloat = r.double()), (f.zeroCountInt = 0));
    case 8: return void (f.negativeSpans ??= []).push(readSpan(r));
    case 11: return void (f.positiveSpans ??= []).push(readSpan(r));
    case 9: return repeatedSint(r, wire, (f.negativeDeltas ??= []));
    case 12: return repeatedSint(r, wire, (f.positiveDeltas ??= []));
    case 10: return repeatedDouble(r, wire, (f.negativeCounts ??= []));
    case 13: return repeatedDouble(r, wire, (f.positiveCounts ??= []));
    case 16: return repeatedDouble(r, wire, (f.customValues ??= []));
    case 14: return void (f.resetHint = r.uvarint());
    default: return void (f.timestamp = r.int64()); // 15
  }
}

/** Repeated sint64, packed (wire type 2) or one value per field, as protobuf parsers must accept both. */
function repeatedSint(r: FieldReader, wire: number, into: number[]): void {
  if (wire !== 2) return void into.push(r.sint());
  const e = r.lengthEnd();
  const outer = r.end;
  r.end = e;
  try {
    while (r.p < e) into.push(r.sint());
  } finally {
    r.end = outer;
  }
}

/** Repeated double, packed or not. */
function repeatedDouble(r: FieldReader, wire: number, into: number[]): void {
  if (wire !== 2) return void into.push(r.double());
  const e = r.lengthEnd();
  if ((e - r.p) % 8 !== 0) throw new HistogramProtoError('Histogram: truncated double');
  for (; r.p < e; r.p += 8) into.push(r.buf.readDoubleLE(r.p));
}

function readSpan(r: FieldReader): Span {
  const e = r.lengthEnd();
  const span: Span = { offset: 0, length: 0 };
  const outer = r.end;
  r.end = e;
  try {
    while (r.p < e) {
      const tag = r.uvarint();
      if (tag === 0x08) span.offset = r.sint();
      else if (tag === 0x10) span.length = r.uvarint() % TWO_32;
      else if (tag < 8) throw new HistogramProtoError('BucketSpan: invalid field number 0');
      else r.skip(tag & 7);
    }
  } finally {
    r.end = outer;
  }
  return span;
}

// ---- Encoding (the probe, the benchmarks and tests send histograms) ----

/** Growable protobuf writer for one Histogram message. */
class MessageWriter {
  private buf = Buffer.allocUnsafe(128);
  p = 0;

  private ensure(n: number): void {
    if (this.p + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.p + n) size *= 2;
    const b = Buffer.allocUnsafe(size);
    this.buf.copy(b, 0, 0, this.p);
    this.buf = b;
  }

  uvarint(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.p++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.p++] = n;
  }

  int64(n: number): void {
    if (n >= 0) return this.uvarint(n);
    this.ensure(10);
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 0x80n) {
      this.buf[this.p++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.p++] = Number(v);
  }

  sint(n: number): void {
    this.uvarint(n >= 0 ? 2 * n : -2 * n - 1);
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.p);
    this.p += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.p);
    this.p += b.length;
  }

  result(): Buffer {
    return this.buf.subarray(0, this.p);
  }
}

/** Bytes of a Histogram message (no tag or length in front), as Go's prompb writes it: the oneof members
 *  always, other zero-valued scalars left out, repeated scalars packed. */
export function encodeHistogramProto(s: WireHistogram): Buffer {
  const h = s.histogram;
  const w = new MessageWriter();
  if (s.float) (w.uvarint(0x11), w.double(h.count));
  else (w.uvarint(0x08), w.uvarint(h.count));
  if (h.sum !== 0 || Object.is(h.sum, -0)) (w.uvarint(0x19), w.double(h.sum));
  if (h.schema !== 0) (w.uvarint(0x20), w.sint(h.schema));
  if (h.zeroThreshold !== 0) (w.uvarint(0x29), w.double(h.zeroThreshold));
  if (s.float) (w.uvarint(0x39), w.double(h.zeroCount));
  else (w.uvarint(0x30), w.uvarint(h.zeroCount));
  spans(w, 8, h.negativeSpans);
  if (s.float) packedDoubles(w, 10, h.negativeBuckets);
  else packedSints(w, 9, h.negativeBuckets);
  spans(w, 11, h.positiveSpans);
  if (s.float) packedDoubles(w, 13, h.positiveBuckets);
  else packedSints(w, 12, h.positiveBuckets);
  if (h.counterResetHint !== 0) (w.uvarint(0x70), w.uvarint(h.counterResetHint));
  if (s.timestamp !== 0) (w.uvarint(0x78), w.int64(s.timestamp));
  packedDoubles(w, 16, h.customValues);
  return w.result();
}

function spans(w: MessageWriter, field: number, list: readonly Span[]): void {
  for (const sp of list) {
    const inner = new MessageWriter();
    if (sp.offset !== 0) (inner.uvarint(0x08), inner.sint(sp.offset));
    if (sp.length !== 0) (inner.uvarint(0x10), inner.uvarint(sp.length));
    const b = inner.result();
    w.uvarint(field * 8 + 2);
    w.uvarint(b.length);
    w.bytes(b);
  }
}

function packedSints(w: MessageWriter, field: number, values: readonly number[]): void {
  if (values.length === 0) return;
  const inner = new MessageWriter();
  for (const v of values) inner.sint(v);
  const b = inner.result();
  w.uvarint(field * 8 + 2);
  w.uvarint(b.length);
  w.bytes(b);
}

function packedDoubles(w: MessageWriter, field: number, values: readonly number[]): void {
  if (values.length === 0) return;
  w.uvarint(field * 8 + 2);
  w.uvarint(values.length * 8);
  for (const v of values) w.double(v);
}
