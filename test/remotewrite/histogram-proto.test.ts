// prompb.Histogram on the wire: our encoder and decoder against protobufjs built from the same .proto text as
// Prometheus's prompb/types.proto (packed and unpacked repeated fields, the count oneofs, negative schemas,
// custom bounds), and the decoder's errors on malformed histograms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWriteRequestProto } from '../../src/remotewrite/encode.js';
import { decodeWriteRequest, ProtoError, WriteRequestDecoder } from '../../src/remotewrite/decode.js';
import { toWriteRequestObject } from '../../src/remotewrite/decoded.js';
import { Slicer } from '../../src/remotewrite/wire.js';
import type { WireHistogram } from '../../src/remotewrite/histogram-proto.js';
import { pbDecode, pbEncode, rng } from '../store/util.js';

const L = [{ name: '__name__', value: 'h' }];

const INT: WireHistogram = {
  timestamp: 1_700_000_000_123,
  float: false,
  histogram: {
    counterResetHint: 2,
    schema: -3,
    zeroThreshold: 1e-128,
    zeroCount: 4,
    count: 19,
    sum: -12.5,
    positiveSpans: [{ offset: -2, length: 2 }, { offset: 3, length: 1 }],
    negativeSpans: [{ offset: 0, length: 2 }],
    positiveBuckets: [5, -3, 1],
    negativeBuckets: [3, 1],
    customValues: [],
  },
};

const FLOAT: WireHistogram = {
  timestamp: -5,
  float: true,
  histogram: {
    counterResetHint: 3,
    schema: -53,
    zeroThreshold: 0,
    zeroCount: 0,
    count: 7.5,
    sum: 3,
    positiveSpans: [{ offset: 0, length: 3 }],
    negativeSpans: [],
    positiveBuckets: [1.5, 0, 6],
    negativeBuckets: [],
    customValues: [0.1, 0.5, 2.5],
  },
};

test('our encoding decodes with protobufjs to the same fields (integer and float histograms)', () => {
  const raw = encodeWriteRequestProto([{ labels: L, timestamps: [], values: [], histograms: [INT, FLOAT] }]);
  const got = pbDecode(raw).timeseries[0]!.histograms!;
  assert.equal(got.length, 2);
  const [i, f] = got as Array<Record<string, unknown>>;
  assert.equal(i!.count_int, 19);
  assert.equal(i!.schema, -3);
  assert.equal(i!.zero_count_int, 4);
  assert.deepEqual(i!.positive_deltas, [5, -3, 1]);
  assert.deepEqual(i!.negative_deltas, [3, 1]);
  assert.deepEqual(i!.positive_spans, [{ offset: -2, length: 2 }, { offset: 3, length: 1 }]);
  assert.equal(i!.reset_hint, 2);
  assert.equal(i!.timestamp, INT.timestamp);
  assert.equal(f!.count_float, 7.5);
  assert.equal(f!.schema, -53);
  assert.deepEqual(f!.positive_counts, [1.5, 0, 6]);
  assert.deepEqual(f!.custom_values, [0.1, 0.5, 2.5]);
  assert.equal(f!.timestamp, -5);
});

test('our decoder reads our encoding and protobufjs encodings back identically', () => {
  const raw = encodeWriteRequestProto([{ labels: L, timestamps: [1], values: [2], histograms: [INT, FLOAT] }]);
  const ours = decodeWriteRequest(raw).timeseries[0]!;
  assert.equal(ours.histograms, 2);
  assert.deepEqual(ours.histogramSamples, [INT, FLOAT]);
  assert.deepEqual(ours.samples, [{ value: 2, timestamp: 1 }]);
  const viaPb = pbEncode({ timeseries: pbDecode(raw).timeseries });
  assert.deepEqual(decodeWriteRequest(viaPb).timeseries[0]!.histogramSamples, [INT, FLOAT]);
});

test('unpacked repeated fields and a oneof set twice decode as protobuf says (the last one wins)', () => {
  // count_int 3, then count_float 2.5 (float wins); positive_counts unpacked (tag 0x69), twice.
  const msg = Buffer.from([0x08, 0x03, 0x11, ...f64le(2.5), 0x5a, 0x02, 0x10, 0x02, 0x69, ...f64le(1), 0x69, ...f64le(1.5)]);
  const raw = Buffer.concat([Buffer.from([0x0a, 2 + msg.length, 0x22, msg.length]), msg]);
  const h = decodeWriteRequest(raw).timeseries[0]!.histogramSamples[0]!;
  assert.equal(h.float, true);
  assert.equal(h.histogram.count, 2.5);
  assert.deepEqual(h.histogram.positiveBuckets, [1, 1.5]);
  assert.deepEqual(h.histogram.positiveSpans, [{ offset: 0, length: 2 }]);
});

test('malformed histograms fail the request with a ProtoError', () => {
  const cases: Array<[string, number[]]> = [
    ['truncated double', [0x19, 0x00, 0x00]],
    ['packed doubles not a multiple of 8', [0x6a, 0x03, 0, 0, 0]],
    ['wrong wire type for count_int', [0x0d, 0, 0, 0, 0]],
    ['span past the end', [0x5a, 0x05, 0x08]],
    ['field number 0', [0x00]],
  ];
  for (const [name, bytes] of cases) {
    const msg = Buffer.from(bytes);
    const raw = Buffer.concat([Buffer.from([0x0a, 2 + msg.length, 0x22, msg.length]), msg]);
    assert.throws(() => decodeWriteRequest(raw), ProtoError, name);
  }
});

test('sliced decoding stopping at every byte gives the same histograms as one go', async () => {
  const r = rng(7);
  const series = Array.from({ length: 20 }, (_, i) => ({
    labels: [{ name: '__name__', value: `s${i}` }],
    timestamps: r() < 0.5 ? [i] : [],
    values: r() < 0.5 ? [i] : [],
    histograms: r() < 0.6 ? [INT, FLOAT].slice(0, 1 + Math.floor(r() * 2)) : [],
  }));
  for (const s of series) if (s.values.length !== s.timestamps.length) s.values = s.timestamps.slice();
  const raw = encodeWriteRequestProto(series);
  const whole = decodeWriteRequest(raw);
  const sliced = toWriteRequestObject(await new WriteRequestDecoder().decodeSliced(raw, new Slicer(), 1));
  assert.deepEqual(sliced, whole);
  assert.deepEqual(whole.timeseries.map((t) => t.histogramSamples.length), series.map((s) => s.histograms.length));
});

function f64le(v: number): number[] {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...b];
}
