import protobuf from 'protobufjs';
import snappy from 'snappyjs';

// A test-side remote-write encoder built on protobufjs (an independent implementation from obspath's own).
const root = protobuf.parse(`
syntax = "proto3";
message WriteRequest { repeated TimeSeries timeseries = 1; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
message Label { string name = 1; string value = 2; }
message Sample { double value = 1; int64 timestamp = 2; }
`, { keepCase: true }).root;
const WriteRequest = root.lookupType('WriteRequest');

export interface TestSeries {
  labels: Record<string, string>;
  samples: Array<[timestampMs: number, value: number]>;
}

export function encodeTestWriteRequest(series: TestSeries[]): Uint8Array<ArrayBuffer> {
  const msg = WriteRequest.fromObject({
    timeseries: series.map((s) => ({
      labels: Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value })),
      samples: s.samples.map(([timestamp, value]) => ({ value, timestamp })),
    })),
  });
  return new Uint8Array(snappy.compress(WriteRequest.encode(msg).finish()));
}

export const REMOTE_WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};
