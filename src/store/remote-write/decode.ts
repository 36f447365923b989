// Hand-written decoder for prometheus/prompb WriteRequest (the ingest hot spot): reads straight from
// the Buffer into reusable typed arrays, never builds per-sample objects, and keeps each sample's
// value as its raw 64 bits (a JS number could lose the stale-NaN payload).
//   WriteRequest{timeseries=1, metadata=3}  TimeSeries{labels=1, samples=2, exemplars=3, histograms=4}
//   Label{name=1, value=2}  Sample{value=1 double, timestamp=2 int64}

export class ProtoError extends Error {}

const TWO_32 = 4294967296;

/**
 * Flat view of one decoded request. Owned by the decoder and overwritten by its next decode() call:
 * consume it synchronously.
 */
export class DecodedWriteRequest {
  buf: Buffer = Buffer.alloc(0);
  seriesCount = 0;
  metadataCount = 0;
  sampleCount = 0;
  // Per series (index < seriesCount):
  /** Index of the first label in labelRanges, and how many. */
  labelFirst = new Int32Array(64);
  labelCount = new Int32Array(64);
  /** [keyStart, keyEnd): the label fields when contiguous, else keyStart = -1. */
  keyStart = new Int32Array(64);
  keyEnd = new Int32Array(64);
  sampleFirst = new Int32Array(64);
  sampleEnd = new Int32Array(64);
  histogramCount = new Int32Array(64);
  exemplarCount = new Int32Array(64);
  // Per label: [fieldStart, nameStart, nameEnd, valueStart, valueEnd].
  labelRanges = new Int32Array(64 * 5);
  labelTotal = 0;
  // Per sample.
  timestamps = new Float64Array(1024);
  /** Value bits: [lo, hi] per sample. */
  valueBits = new Uint32Array(2048);

  /** The raw bytes of series i's label fields as a latin1 string (the store's series key when canonical). */
  rawKey(i: number): string {
    const s = this.keyStart[i]!;
    if (s >= 0) return this.buf.toString('latin1', s, this.keyEnd[i]!);
    let key = '';
    const first = this.labelFirst[i]!;
    for (let l = first; l < first + this.labelCount[i]!; l++) {
      const r = l * 5;
      key += this.buf.toString('latin1', this.labelRanges[r]!, this.labelRanges[r + 4]!);
    }
    return key;
  }

  labelName(l: number): string {
    return this.buf.toString('utf8', this.labelRanges[l * 5 + 1]!, this.labelRanges[l * 5 + 2]!);
  }

  labelValue(l: number): string {
    return this.buf.toString('utf8', this.labelRanges[l * 5 + 3]!, this.labelRanges[l * 5 + 4]!);
  }
}

function grow<T extends Int32Array | Float64Array | Uint32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = a.length * 2;
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

export class WriteRequestDecoder {
  private readonly out = new DecodedWriteRequest();
  private buf: Buffer = this.out.buf;
  private p = 0;

  decode(buf: Buffer): DecodedWriteRequest {
    const out = this.out;
    out.buf = buf;
    out.seriesCount = 0;
    out.metadataCount = 0;
    out.sampleCount = 0;
    out.labelTotal = 0;
    this.buf = buf;
    this.p = 0;
    const end = buf.length;
    while (this.p < end) {
      const tag = this.tag(end);
      if (tag === 0x0a) {
        const len = this.varint32(end);
        const mEnd = this.p + len;
        if (mEnd > end) throw new ProtoError('WriteRequest.timeseries: length past end of message');
        this.timeSeries(mEnd);
      } else if (tag === 0x1a) {
        out.metadataCount++;
        this.skip(2, end);
      } else {
        this.skip(tag & 7, end);
      }
    }
    return out;
  }

  private timeSeries(end: number): void {
    const out = this.out;
    const buf = this.buf;
    const i = out.seriesCount++;
    if (i >= out.labelFirst.length) {
      const n = i + 1;
      out.labelFirst = grow(out.labelFirst, n);
      out.labelCount = grow(out.labelCount, n);
      out.keyStart = grow(out.keyStart, n);
      out.keyEnd = grow(out.keyEnd, n);
      out.sampleFirst = grow(out.sampleFirst, n);
      out.sampleEnd = grow(out.sampleEnd, n);
      out.histogramCount = grow(out.histogramCount, n);
      out.exemplarCount = grow(out.exemplarCount, n);
    }
    out.labelFirst[i] = out.labelTotal;
    out.sampleFirst[i] = out.sampleCount;
    let labels = 0;
    let histograms = 0;
    let exemplars = 0;
    let keyStart = -1;
    let keyEnd = -1;
    let contiguous = true;
    while (this.p < end) {
      const fieldStart = this.p;
      const tag = this.tag(end);
      if (tag === 0x0a) {
        const len = this.varint32(end);
        const mEnd = this.p + len;
        if (mEnd > end) throw new ProtoError('TimeSeries.labels: length past end of message');
        if (keyStart < 0) keyStart = fieldStart;
        else if (fieldStart !== keyEnd) contiguous = false;
        keyEnd = mEnd;
        this.label(fieldStart, mEnd);
        labels++;
      } else if (tag === 0x12) {
        const len = this.varint32(end);
        const mEnd = this.p + len;
        if (mEnd > end) throw new ProtoError('TimeSeries.samples: length past end of message');
        // Fast path for the canonical layout: 0x09 <8 bytes> 0x10 <varint>.
        const k = out.sampleCount++;
        if (k >= out.timestamps.length) {
          out.timestamps = grow(out.timestamps, k + 1);
          out.valueBits = grow(out.valueBits, 2 * (k + 1));
        }
        let lo = 0;
        let hi = 0;
        let t = 0;
        while (this.p < mEnd) {
          const st = this.tag(mEnd);
          if (st === 0x09) {
            const q = this.p;
            if (q + 8 > mEnd) throw new ProtoError('Sample.value: truncated double');
            lo = (buf[q]! | (buf[q + 1]! << 8) | (buf[q + 2]! << 16) | (buf[q + 3]! << 24)) >>> 0;
            hi = (buf[q + 4]! | (buf[q + 5]! << 8) | (buf[q + 6]! << 16) | (buf[q + 7]! << 24)) >>> 0;
            this.p = q + 8;
          } else if (st === 0x10) {
            t = this.int64(mEnd);
          } else {
            this.skip(st & 7, mEnd);
          }
        }
        out.timestamps[k] = t;
        out.valueBits[2 * k] = lo;
        out.valueBits[2 * k + 1] = hi;
      } else if (tag === 0x1a) {
        exemplars++;
        this.skip(2, end);
      } else if (tag === 0x22) {
        histograms++;
        this.skip(2, end);
      } else {
        this.skip(tag & 7, end);
      }
    }
    out.labelCount[i] = labels;
    out.keyStart[i] = contiguous ? keyStart : -1;
    out.keyEnd[i] = keyEnd;
    out.sampleEnd[i] = out.sampleCount;
    out.histogramCount[i] = histograms;
    out.exemplarCount[i] = exemplars;
  }

  private label(fieldStart: number, end: number): void {
    const out = this.out;
    const l = out.labelTotal++;
    if ((l + 1) * 5 > out.labelRanges.length) out.labelRanges = grow(out.labelRanges, (l + 1) * 5);
    let nameStart = 0;
    let nameEnd = 0;
    let valueStart = 0;
    let valueEnd = 0;
    while (this.p < end) {
      const tag = this.tag(end);
      if (tag === 0x0a || tag === 0x12) {
        const len = this.varint32(end);
        const s = this.p;
        if (s + len > end) throw new ProtoError('Label: string length past end of message');
        this.p = s + len;
        if (tag === 0x0a) {
          nameStart = s;
          nameEnd = s + len;
        } else {
          valueStart = s;
          valueEnd = s + len;
        }
      } else {
        this.skip(tag & 7, end);
      }
    }
    const r = out.labelRanges;
    r[l * 5] = fieldStart;
    r[l * 5 + 1] = nameStart;
    r[l * 5 + 2] = nameEnd;
    r[l * 5 + 3] = valueStart;
    r[l * 5 + 4] = valueEnd;
  }

  /** A field tag. Field number 0 is invalid (as in Go's protobuf), so a body of zeros fails at once. */
  private tag(end: number): number {
    const t = this.varint32(end);
    if (t < 8) throw new ProtoError(`invalid field number 0 at byte ${this.p - 1}`);
    return t;
  }

  /** A varint that must fit in 32 bits (tags, lengths). */
  private varint32(end: number): number {
    const buf = this.buf;
    let p = this.p;
    let result = 0;
    let shift = 0;
    while (true) {
      if (p >= end) throw new ProtoError('truncated varint');
      const b = buf[p++]!;
      if (shift === 28) {
        if (b > 0x0f) throw new ProtoError('varint does not fit 32 bits');
        result += b * 268435456;
        break;
      }
      result |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    this.p = p;
    return result >>> 0;
  }

  /** int64 varint as a JS number (exact below 2^53; two's complement for negatives). */
  private int64(end: number): number {
    const buf = this.buf;
    let p = this.p;
    let lo = 0;
    let hi = 0;
    let i = 0;
    for (; ; i++) {
      if (p >= end) throw new ProtoError('truncated varint');
      if (i === 10) throw new ProtoError('varint longer than 10 bytes');
      const b = buf[p++]!;
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) break;
    }
    this.p = p;
    lo >>>= 0;
    return (hi | 0) * TWO_32 + lo;
  }

  private skip(wireType: number, end: number): void {
    switch (wireType) {
      case 0:
        while (true) {
          if (this.p >= end) throw new ProtoError('truncated varint');
          if (this.buf[this.p++]! < 0x80) break;
        }
        return;
      case 1:
        this.p += 8;
        break;
      case 2: {
        const len = this.varint32(end);
        this.p += len;
        break;
      }
      case 5:
        this.p += 4;
        break;
      default:
        throw new ProtoError(`unsupported wire type ${wireType}`);
    }
    if (this.p > end) throw new ProtoError('field past end of message');
  }
}

/** Materialized form, for tests and tools (the store uses the flat view). */
export interface WriteRequestObject {
  timeseries: Array<{
    labels: Array<{ name: string; value: string }>;
    samples: Array<{ value: number; timestamp: number }>;
    exemplars: number;
    histograms: number;
  }>;
  metadata: number;
}

export function decodeWriteRequest(buf: Buffer): WriteRequestObject {
  const d = new WriteRequestDecoder().decode(buf);
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  const timeseries: WriteRequestObject['timeseries'] = [];
  for (let i = 0; i < d.seriesCount; i++) {
    const labels = [];
    for (let l = d.labelFirst[i]!; l < d.labelFirst[i]! + d.labelCount[i]!; l++) {
      labels.push({ name: d.labelName(l), value: d.labelValue(l) });
    }
    const samples = [];
    for (let k = d.sampleFirst[i]!; k < d.sampleEnd[i]!; k++) {
      u[0] = d.valueBits[2 * k]!;
      u[1] = d.valueBits[2 * k + 1]!;
      samples.push({ value: f[0]!, timestamp: d.timestamps[k]! });
    }
    timeseries.push({ labels, samples, exemplars: d.exemplarCount[i]!, histograms: d.histogramCount[i]! });
  }
  return { timeseries, metadata: d.metadataCount };
}
