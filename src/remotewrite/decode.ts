// Hand-written decoder for prometheus/prompb WriteRequest (the ingest hot spot): reads straight from
// the Buffer into reusable typed arrays, never builds per-sample objects, and keeps each sample's
// value as its raw 64 bits (a JS number could lose the stale-NaN payload).
//   WriteRequest{timeseries=1, metadata=3}  TimeSeries{labels=1, samples=2, exemplars=3, histograms=4}
//   Label{name=1, value=2}  Sample{value=1 double, timestamp=2 int64}

import { Slicer } from './wire.js';
import { DecodedWriteRequest, grow, toWriteRequestObject, type WriteRequestObject } from './decoded.js';
import { decodeHistogramProto, HistogramProtoError, type WireHistogram } from './histogram-proto.js';

export { DecodedWriteRequest, type WriteRequestObject };

export class ProtoError extends Error {}

const TWO_32 = 4294967296;

/** Input bytes decoded between two checks of the slice clock (at most 8 Ki fields). */
const STEP_BYTES = 16 << 10;

/**
 * Decodes in steps that can stop anywhere, at any nesting depth (a request, a series, a label or
 * sample), so a large or hostile request is decoded a slice at a time, with the same result and the
 * same first error as in one go.
 */
export class WriteRequestDecoder {
  private readonly out = new DecodedWriteRequest();
  private buf: Buffer = this.out.buf;
  private p = 0;
  private end = 0;
  // The TimeSeries being read (seriesEnd -1: none), and its counts so far.
  private seriesEnd = -1;
  private labels = 0;
  private histograms = 0;
  private exemplars = 0;
  private keyStart = -1;
  private keyEnd = -1;
  private contiguous = true;
  // The Label (1) or Sample (2) being read inside it (0: none); its fields are stored as they come.
  private inner = 0;
  private innerEnd = 0;

  /** Decodes all of buf at once (tools and tests; the store uses decodeSliced). */
  decode(buf: Buffer): DecodedWriteRequest {
    this.start(buf);
    while (!this.step(Infinity));
    return this.out;
  }

  /**
   * Decodes buf about SLICE_MS of work at a time, giving the event loop back between slices (the clock
   * is read every `stepBytes` of input: tests pass 1 to stop at every byte).
   */
  async decodeSliced(buf: Buffer, slicer = new Slicer(), stepBytes = STEP_BYTES): Promise<DecodedWriteRequest> {
    this.start(buf);
    while (!this.step(stepBytes)) if (slicer.due()) await slicer.pause();
    return this.out;
  }

  /** Drops the reference to the last request (a pooled decoder should not keep 64 MiB alive). */
  release(): void {
    this.out.buf = this.buf = Buffer.alloc(0);
    this.out.histograms.length = 0;
  }

  private start(buf: Buffer): void {
    const out = this.out;
    out.buf = buf;
    out.seriesCount = 0;
    out.metadataCount = 0;
    out.sampleCount = 0;
    out.labelTotal = 0;
    out.histogramTotal = 0;
    out.histograms.length = 0;
    this.buf = buf;
    this.p = 0;
    this.end = buf.length;
    this.seriesEnd = -1;
    this.inner = 0;
  }

  /** Decodes about `bytes` more bytes of input; true once the request is done. */
  private step(bytes: number): boolean {
    const stopAt = Math.min(this.end, this.p + bytes);
    for (;;) {
      if (this.inner !== 0) {
        if (this.p < this.innerEnd) {
          if (this.p >= stopAt) return false;
          if (this.inner === 1) this.labelFields(Math.min(this.innerEnd, stopAt));
          else this.sampleFields(Math.min(this.innerEnd, stopAt));
          continue;
        }
        this.inner = 0;
      }
      if (this.seriesEnd >= 0) {
        if (this.p < this.seriesEnd) {
          if (this.p >= stopAt) return false;
          this.seriesFields(Math.min(this.seriesEnd, stopAt));
          continue;
        }
        this.closeSeries();
      }
      if (this.p >= this.end) return true;
      if (this.p >= stopAt) return false;
      this.requestFields(stopAt);
    }
  }

  /** WriteRequest fields up to `stop` or up to the next TimeSeries, which it opens. */
  private requestFields(stop: number): void {
    const buf = this.buf;
    const end = this.end;
    let p = this.p;
    while (p < stop) {
      let tag = buf[p]!;
      if (tag >= 8 && tag < 0x80) p++;
      else {
        this.p = p;
        tag = this.tag(end);
        p = this.p;
      }
      if (tag === 0x0a) {
        this.p = p;
        const len = this.varint32(end);
        if (this.p + len > end) throw new ProtoError('WriteRequest.timeseries: length past end of message');
        this.openSeries(this.p + len);
        return;
      }
      if (tag === 0x1a) this.out.metadataCount++;
      // Unknown fields (legal in proto3) are skipped here in a tight loop: a body of junk stays cheap.
      if ((tag & 7) === 0) {
        while (true) {
          if (p >= end) throw new ProtoError('truncated varint');
          if (buf[p++]! < 0x80) break;
        }
      } else {
        this.p = p;
        this.skip(tag & 7, end);
        p = this.p;
      }
    }
    this.p = p;
  }

  private openSeries(end: number): void {
    const out = this.out;
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
      out.histogramFirst = grow(out.histogramFirst, n);
      out.exemplarCount = grow(out.exemplarCount, n);
    }
    out.labelFirst[i] = out.labelTotal;
    out.sampleFirst[i] = out.sampleCount;
    out.histogramFirst[i] = out.histogramTotal;
    this.seriesEnd = end;
    this.labels = 0;
    this.histograms = 0;
    this.exemplars = 0;
    this.keyStart = -1;
    this.keyEnd = -1;
    this.contiguous = true;
  }

  private closeSeries(): void {
    const out = this.out;
    const i = out.seriesCount - 1;
    out.labelCount[i] = this.labels;
    out.keyStart[i] = this.contiguous ? this.keyStart : -1;
    out.keyEnd[i] = this.keyEnd;
    out.sampleEnd[i] = out.sampleCount;
    out.histogramCount[i] = this.histograms;
    out.exemplarCount[i] = this.exemplars;
    this.seriesEnd = -1;
  }

  /** TimeSeries fields up to `stop`; a Label or Sample that crosses it stays open for the next step. */
  private seriesFields(stop: number): void {
    const end = this.seriesEnd;
    while (this.p < stop) {
      const fieldStart = this.p;
      const tag = this.tag(end);
      if (tag === 0x0a) {
        const len = this.varint32(end);
        const mEnd = this.p + len;
        if (mEnd > end) throw new ProtoError('TimeSeries.labels: length past end of message');
        if (this.keyStart < 0) this.keyStart = fieldStart;
        else if (fieldStart !== this.keyEnd) this.contiguous = false;
        this.keyEnd = mEnd;
        this.openLabel(fieldStart);
        this.labels++;
        this.inner = 1;
        this.innerEnd = mEnd;
        this.labelFields(Math.min(mEnd, stop));
        if (this.p < mEnd) return;
        this.inner = 0;
      } else if (tag === 0x12) {
        const len = this.varint32(end);
        const mEnd = this.p + len;
        if (mEnd > end) throw new ProtoError('TimeSeries.samples: length past end of message');
        this.openSample();
        this.inner = 2;
        this.innerEnd = mEnd;
        this.sampleFields(Math.min(mEnd, stop));
        if (this.p < mEnd) return;
        this.inner = 0;
      } else if (tag === 0x1a) {
        this.exemplars++;
        this.skip(2, end);
      } else if (tag === 0x22) {
        this.histogram(end);
      } else {
        this.skip(tag & 7, end);
      }
    }
  }

  /** One TimeSeries.histograms message, decoded whole (histograms are few; the float path never comes here). */
  private histogram(end: number): void {
    const len = this.varint32(end);
    const mEnd = this.p + len;
    if (mEnd > end) throw new ProtoError('TimeSeries.histograms: length past end of message');
    let h: WireHistogram;
    try {
      h = decodeHistogramProto(this.buf, this.p, mEnd);
    } catch (err) {
      if (err instanceof HistogramProtoError) throw new ProtoError(err.message);
      throw err;
    }
    this.p = mEnd;
    this.out.histograms[this.out.histogramTotal++] = h;
    this.histograms++;
  }

  private openSample(): void {
    const out = this.out;
    const k = out.sampleCount++;
    if (k >= out.timestamps.length) {
      out.timestamps = grow(out.timestamps, k + 1);
      out.valueBits = grow(out.valueBits, 2 * (k + 1));
    }
    out.timestamps[k] = 0;
    out.valueBits[2 * k] = 0;
    out.valueBits[2 * k + 1] = 0;
  }

  /** Sample fields (the open sample's) up to `stop`; a repeated field overwrites, as in protobuf. */
  private sampleFields(stop: number): void {
    const buf = this.buf;
    const out = this.out;
    const mEnd = this.innerEnd;
    const k = out.sampleCount - 1;
    let p = this.p;
    while (p < stop) {
      // Fast path for the canonical layout: 0x09 <8 bytes> 0x10 <varint>.
      let st = buf[p]!;
      if (st >= 8 && st < 0x80) p++;
      else {
        this.p = p;
        st = this.tag(mEnd);
        p = this.p;
      }
      if (st === 0x09) {
        if (p + 8 > mEnd) throw new ProtoError('Sample.value: truncated double');
        out.valueBits[2 * k] = (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
        out.valueBits[2 * k + 1] = (buf[p + 4]! | (buf[p + 5]! << 8) | (buf[p + 6]! << 16) | (buf[p + 7]! << 24)) >>> 0;
        p += 8;
      } else {
        this.p = p;
        if (st === 0x10) out.timestamps[k] = this.int64(mEnd);
        else this.skip(st & 7, mEnd);
        p = this.p;
      }
    }
    this.p = p;
  }

  private openLabel(fieldStart: number): void {
    const out = this.out;
    const l = out.labelTotal++;
    if ((l + 1) * 5 > out.labelRanges.length) out.labelRanges = grow(out.labelRanges, (l + 1) * 5);
    const r = out.labelRanges;
    r[l * 5] = fieldStart;
    r[l * 5 + 1] = r[l * 5 + 2] = r[l * 5 + 3] = r[l * 5 + 4] = 0;
  }

  /** Label fields (the open label's) up to `stop`; a repeated name or value overwrites. */
  private labelFields(stop: number): void {
    const end = this.innerEnd;
    const r = this.out.labelRanges;
    const at = (this.out.labelTotal - 1) * 5;
    while (this.p < stop) {
      const tag = this.tag(end);
      if (tag === 0x0a || tag === 0x12) {
        const len = this.varint32(end);
        const s = this.p;
        if (s + len > end) throw new ProtoError('Label: string length past end of message');
        this.p = s + len;
        const o = tag === 0x0a ? 1 : 3;
        r[at + o] = s;
        r[at + o + 1] = s + len;
      } else {
        this.skip(tag & 7, end);
      }
    }
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

/** Decodes a whole request into plain objects (tests and tools; the store uses the flat view). */
export function decodeWriteRequest(buf: Buffer): WriteRequestObject {
  return toWriteRequestObject(new WriteRequestDecoder().decode(buf));
}
