// WAL records of native histogram samples, in Prometheus's tsdb/record layout (V1, the one 2.x and 3.x write by
// default) after our [type u8][count u32] header:
//   baseRef be64, baseT be64, then per sample: zigzag(ref - baseRef), zigzag(t - baseT), the histogram:
//   hint u8, zigzag(schema), zeroThreshold be64 double, zeroCount, count (uvarint; be64 doubles when float),
//   sum be64 double, positive spans, negative spans ({n uvarint, n x (zigzag offset, uvarint length)}),
//   positive buckets, negative buckets ({n uvarint, n x zigzag delta | be64 double}), and for schema -53 only,
//   custom bounds ({n uvarint, n x be64 double}).
// Integer and float histograms, with and without custom buckets, go to four record types as in Prometheus 3.
import { isCustomBucketsSchema, type CounterResetHint, type FloatHistogram, type Histogram, type Span } from '../../histogram/model.js';
import {
  REC_CUSTOM_FLOAT_HISTOGRAMS,
  REC_CUSTOM_HISTOGRAMS,
  REC_FLOAT_HISTOGRAMS,
  REC_HISTOGRAMS,
  RecordBuilder,
  type RecordReader,
} from './records.js';

/** One histogram sample of a series (the head's and the WAL's). `float` tells an integer histogram (delta
 *  bucket counts) from a float one: both have the same shape. */
export type HeadHistogramSample =
  | { readonly t: number; readonly float: false; readonly h: Histogram }
  | { readonly t: number; readonly float: true; readonly h: FloatHistogram };

export const HISTOGRAM_RECORD_TYPES: ReadonlySet<number> = new Set([REC_HISTOGRAMS, REC_FLOAT_HISTOGRAMS, REC_CUSTOM_HISTOGRAMS, REC_CUSTOM_FLOAT_HISTOGRAMS]);

function recordType(float: boolean, schema: number): number {
  if (isCustomBucketsSchema(schema)) return float ? REC_CUSTOM_FLOAT_HISTOGRAMS : REC_CUSTOM_HISTOGRAMS;
  return float ? REC_FLOAT_HISTOGRAMS : REC_HISTOGRAMS;
}

/** Collects histogram samples of one batch (or one checkpoint part) into up to four records. */
export class HistogramRecords {
  private readonly builders = new Map<number, { b: RecordBuilder; baseRef: number; baseT: number }>();

  get count(): number {
    let n = 0;
    for (const { b } of this.builders.values()) n += b.count;
    return n;
  }

  add(ref: number, t: number, float: boolean, h: Histogram | FloatHistogram): void {
    this.builderFor(ref, t, float, h.schema);
    const b = this.builders.get(recordType(float, h.schema))!.b;
    encodeHistogram(b, float, h);
    b.count++;
  }

  /** Adds a sample already in EncodeHistogram form (the head's copy of it). */
  addEncoded(ref: number, t: number, float: boolean, schema: number, encoded: Uint8Array): void {
    const b = this.builderFor(ref, t, float, schema);
    b.bytes(encoded);
    b.count++;
  }

  /** The record for this kind of sample, with the sample's ref and time deltas written. */
  private builderFor(ref: number, t: number, float: boolean, schema: number): RecordBuilder {
    const type = recordType(float, schema);
    let rec = this.builders.get(type);
    if (rec === undefined) {
      const b = new RecordBuilder(type, 256);
      b.i64be(ref);
      b.i64be(t);
      rec = { b, baseRef: ref, baseT: t };
      this.builders.set(type, rec);
    }
    rec.b.varint(ref - rec.baseRef);
    rec.b.varint(t - rec.baseT);
    return rec.b;
  }

  /** The finished records (frame headers still to be filled by the writer), in record-type order. */
  finish(): Buffer[] {
    return [...this.builders.keys()].sort((a, b) => a - b).map((k) => this.builders.get(k)!.b.finish());
  }
}

/** Prometheus's EncodeHistogram / EncodeFloatHistogram (the head keeps its samples in this form too). */
export function encodeHistogram(b: RecordBuilder, float: boolean, h: Histogram | FloatHistogram): void {
  b.byte(h.counterResetHint);
  b.varint(h.schema);
  b.f64be(h.zeroThreshold);
  if (float) {
    b.f64be(h.zeroCount);
    b.f64be(h.count);
  } else {
    b.uvarint(h.zeroCount);
    b.uvarint(h.count);
  }
  b.f64be(h.sum);
  encodeSpans(b, h.positiveSpans);
  encodeSpans(b, h.negativeSpans);
  for (const buckets of [h.positiveBuckets, h.negativeBuckets]) {
    b.uvarint(buckets.length);
    for (const v of buckets) {
      if (float) b.f64be(v);
      else b.varint(v);
    }
  }
  if (isCustomBucketsSchema(h.schema)) {
    b.uvarint(h.customValues.length);
    for (const v of h.customValues) b.f64be(v);
  }
}

function encodeSpans(b: RecordBuilder, spans: readonly Span[]): void {
  b.uvarint(spans.length);
  for (const s of spans) {
    b.varint(s.offset);
    b.uvarint(s.length);
  }
}

/** Reads the `count` samples of a histogram record (the reader is past the type and count). */
export function readHistogramRecord(r: RecordReader, type: number, count: number, each: (ref: number, s: HeadHistogramSample) => void): void {
  if (count === 0) return;
  const float = type === REC_FLOAT_HISTOGRAMS || type === REC_CUSTOM_FLOAT_HISTOGRAMS;
  const baseRef = r.i64be();
  const baseT = r.i64be();
  for (let i = 0; i < count; i++) {
    const ref = baseRef + r.varint64();
    const t = baseT + r.varint64();
    const h = decodeHistogram(r, float);
    each(ref, float ? { t, float: true, h } : { t, float: false, h });
  }
}

/** Prometheus's DecodeHistogram / DecodeFloatHistogram. */
export function decodeHistogram(r: RecordReader, float: boolean): Histogram {
  const counterResetHint = r.byte() as CounterResetHint;
  const schema = r.varint64();
  const zeroThreshold = r.f64be();
  const zeroCount = float ? r.f64be() : r.uvarint64();
  const count = float ? r.f64be() : r.uvarint64();
  const sum = r.f64be();
  const positiveSpans = decodeSpans(r);
  const negativeSpans = decodeSpans(r);
  const positiveBuckets = decodeBuckets(r, float);
  const negativeBuckets = decodeBuckets(r, float);
  const customValues: number[] = [];
  if (isCustomBucketsSchema(schema)) {
    const n = r.uvarint64();
    for (let i = 0; i < n; i++) customValues.push(r.f64be());
  }
  return { counterResetHint, schema, zeroThreshold, zeroCount, count, sum, positiveSpans, negativeSpans, positiveBuckets, negativeBuckets, customValues };
}

function decodeSpans(r: RecordReader): Span[] {
  const n = r.uvarint64();
  const out: Span[] = [];
  for (let i = 0; i < n; i++) out.push({ offset: r.varint64(), length: r.uvarint64() });
  return out;
}

function decodeBuckets(r: RecordReader, float: boolean): number[] {
  const n = r.uvarint64();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(float ? r.f64be() : r.varint64());
  return out;
}
