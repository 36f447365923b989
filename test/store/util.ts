// Shared bits for the store tests: a seeded PRNG, NaN-safe value helpers, and the protobufjs
// cross-check schema for prompb.WriteRequest.
import protobuf from 'protobufjs';
import { STALE_NAN } from '../../src/storage/value.js';

/** mulberry32 (the synthetic data's PRNG): deterministic, so a failing seed can be replayed. */
export { prng as rng } from '../../src/stack/kafka-data.js';

const f = new Float64Array(1);
const u = new Uint32Array(f.buffer);

/** Bit pattern of a double as a hex string (NaN payloads included). */
export function bitsOf(v: number): string {
  f[0] = v;
  return u[1]!.toString(16).padStart(8, '0') + u[0]!.toString(16).padStart(8, '0');
}

/** Hex bit patterns of a Float64Array without passing the values through a JS array. */
export function bitsOfArray(a: ArrayLike<number>): string[] {
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) out.push(bitsOf(a[i]!));
  return out;
}

/** A Float64Array built element by element (array literals would canonicalize NaN payloads). */
export function f64(values: readonly (number | 'stale')[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out[i] = v === 'stale' ? STALE_NAN : v;
  }
  return out;
}

const PROTO = `
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
message MetricMetadata { int32 type = 1; string metric_family_name = 2; string help = 4; string unit = 5; }
message Sample { double value = 1; int64 timestamp = 2; }
message Exemplar { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
message BucketSpan { sint32 offset = 1; uint32 length = 2; }
message Histogram {
  oneof count { uint64 count_int = 1; double count_float = 2; }
  double sum = 3; sint32 schema = 4; double zero_threshold = 5;
  oneof zero_count { uint64 zero_count_int = 6; double zero_count_float = 7; }
  repeated BucketSpan negative_spans = 8; repeated sint64 negative_deltas = 9; repeated double negative_counts = 10;
  repeated BucketSpan positive_spans = 11; repeated sint64 positive_deltas = 12; repeated double positive_counts = 13;
  int32 reset_hint = 14; int64 timestamp = 15; repeated double custom_values = 16;
}
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
message Label { string name = 1; string value = 2; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
export const WriteRequestType = root.lookupType('prometheus.WriteRequest');

export interface PbSeries {
  labels: Array<{ name: string; value: string }>;
  samples: Array<{ value: number; timestamp: number }>;
  exemplars?: Array<{ labels: Array<{ name: string; value: string }>; value: number; timestamp: number }>;
  histograms?: Array<Record<string, unknown>>;
}

/** Reference encoding with protobufjs (uncompressed). */
export function pbEncode(req: { timeseries: PbSeries[]; metadata?: Array<Record<string, unknown>> }): Buffer {
  const msg = WriteRequestType.fromObject(req);
  return Buffer.from(WriteRequestType.encode(msg).finish());
}

export function pbDecode(buf: Uint8Array): { timeseries: PbSeries[] } {
  const msg = WriteRequestType.decode(buf);
  return WriteRequestType.toObject(msg, { longs: Number, defaults: true, arrays: true }) as { timeseries: PbSeries[] };
}
