import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import snappy from 'snappyjs';
import { isStaleNaN } from '../../src/storage/value.js';
import { Store, ingestRemoteWrite, encodeWriteRequest, encodeWriteRequestProto, decodeWriteRequest } from '../../src/store/index.js';
import { snappyCompress } from '../../src/remotewrite/encode.js';
import { WriteRequestDecoder, type DecodedWriteRequest } from '../../src/remotewrite/decode.js';
import { tempDir } from '../../tools/testing/net.js';
import { bitsOf, f64, pbDecode, pbEncode, rng, type PbSeries } from './util.js';

let dir: { path: string; cleanup: () => Promise<void> };
let n = 0;
const open = () => Store.open({ dir: `${dir.path}/s${n++}`, fsync: 'off', maintenanceIntervalMs: 0 });
before(async () => (dir = await tempDir('obspath-rw-')));
after(async () => dir.cleanup());

const T0 = Date.now();
const L = (name: string, extra: Record<string, string> = {}) => [
  { name: '__name__', value: name },
  ...Object.entries(extra).map(([k, v]) => ({ name: k, value: v })),
];
const sel = (s: Store, name: string) => s.select([{ type: '=', name: '__name__', value: name }], -Infinity, Infinity);

test('valid request round trip: 204, samples and labels queryable, stale marker bit-exact', async () => {
  const s = await open();
  const body = encodeWriteRequest([
    { labels: L('up', { job: 'api' }), timestamps: [T0, T0 + 15_000, T0 + 30_000], values: f64([1, 'stale', 0]) },
    { labels: [{ name: 'job', value: 'db' }, { name: '__name__', value: 'up' }], timestamps: [T0], values: f64([-0]) }, // unsorted on the wire
  ]);
  const res = await ingestRemoteWrite(s, body, { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf' });
  assert.equal(res.status, 204, res.body);
  const got = sel(s, 'up');
  assert.equal(got.length, 2);
  const api = got.find((x) => x.labels.some((l) => l.value === 'api'))!;
  assert.deepEqual(Array.from(api.timestamps), [T0, T0 + 15_000, T0 + 30_000]);
  assert.ok(isStaleNaN(api.values[1]!), `stale marker bits: ${bitsOf(api.values[1]!)}`);
  assert.equal(bitsOf(got.find((x) => x !== api)!.values[0]!), bitsOf(-0));
  assert.deepEqual(s.labelValues('job', [], -Infinity, Infinity), ['api', 'db']);
  await s.close();
});

test('corrupt snappy and garbage/truncated protobuf give 400 with a reason', async () => {
  const s = await open();
  const garbage = Buffer.from('this is not snappy at all, just some bytes.....');
  let res = await ingestRemoteWrite(s, garbage, {});
  assert.equal(res.status, 400);
  assert.match(res.body, /snappy/);

  const good = encodeWriteRequestProto([{ labels: L('m'), timestamps: [T0, T0 + 1], values: f64([1, 2]) }]);
  for (const cut of [good.length - 1, good.length - 5, 3, 1]) {
    res = await ingestRemoteWrite(s, snappyCompress(good.subarray(0, cut)), {});
    assert.equal(res.status, 400, `cut at ${cut}`);
    assert.match(res.body, /^proto:/);
  }
  // A length prefix past the end, and a group wire type.
  for (const raw of [Buffer.from([0x0a, 0x7f, 0x0a]), Buffer.from([0x0b, 0x00]), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x7f])]) {
    res = await ingestRemoteWrite(s, snappyCompress(raw), {});
    assert.equal(res.status, 400, raw.toString('hex'));
  }
  assert.equal(s.stats().series, 0, 'nothing stored from broken requests');

  // Fuzz: random bytes and bit flips never throw, and only answer 204 or 400.
  const r = rng(7);
  for (let i = 0; i < 300; i++) {
    const b = Buffer.from(good);
    const flips = 1 + Math.floor(r() * 4);
    for (let j = 0; j < flips; j++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
    const out = await ingestRemoteWrite(s, snappyCompress(b), {});
    assert.ok(out.status === 204 || out.status === 400, `${out.status} ${out.body}`);
  }
  await s.close();
});

test('size limits: 413 for oversized compressed and decompressed bodies', async () => {
  const s = await open();
  const raw = encodeWriteRequestProto([{ labels: L('m', { pad: 'x'.repeat(2000) }), timestamps: [T0], values: f64([1]) }]);
  const body = snappyCompress(raw);
  let res = await ingestRemoteWrite(s, body, {}, { maxCompressedBytes: body.length - 1, maxDecompressedBytes: 1 << 20 });
  assert.equal(res.status, 413);
  res = await ingestRemoteWrite(s, body, {}, { maxCompressedBytes: 1 << 20, maxDecompressedBytes: raw.length - 1 });
  assert.equal(res.status, 413);
  assert.match(res.body, /decompressed/);
  // A snappy bomb: 10 MB of zeros is tiny compressed; the preamble check refuses it before inflating.
  res = await ingestRemoteWrite(s, snappyCompress(new Uint8Array(10 << 20)), {}, { maxCompressedBytes: 1 << 20, maxDecompressedBytes: 1 << 20 });
  assert.equal(res.status, 413);
  res = await ingestRemoteWrite(s, body, {}, { maxCompressedBytes: body.length, maxDecompressedBytes: raw.length });
  assert.equal(res.status, 204, res.body);
  await s.close();
});

test('invalid series are rejected with reasons; valid series in the same request are kept', async () => {
  const s = await open();
  const body = snappyCompress(
    pbEncode({
      timeseries: [
        { labels: L('good', { a: '1' }), samples: [{ value: 1, timestamp: T0 }] },
        { labels: L('bad1', { 'in-valid': 'x' }), samples: [{ value: 1, timestamp: T0 }] },
        { labels: [...L('bad2', { a: '1' }), { name: 'a', value: '2' }], samples: [{ value: 1, timestamp: T0 }, { value: 2, timestamp: T0 + 1 }] },
        { labels: [{ name: 'job', value: 'x' }], samples: [{ value: 1, timestamp: T0 }] },
        { labels: L(''), samples: [{ value: 1, timestamp: T0 }] },
        { labels: L('1bad'), samples: [{ value: 1, timestamp: T0 }] },
      ],
    }),
  );
  const res = await ingestRemoteWrite(s, body, {});
  assert.equal(res.status, 400);
  assert.equal(res.result!.accepted, 1);
  assert.equal(res.result!.rejected, 6);
  assert.deepEqual(res.result!.reasons, {
    'invalid label name': 1,
    'duplicate label name': 2,
    'empty metric name': 2,
    'invalid metric name': 1,
  });
  assert.match(res.body, /rejected 6 of 7 samples/);
  assert.equal(sel(s, 'good').length, 1);
  assert.equal(s.stats().series, 1);
  await s.close();
});

test('label limits: labels per series, name and value length', async () => {
  const s = await Store.open({ dir: `${dir.path}/lim`, fsync: 'off', maintenanceIntervalMs: 0, limits: { maxLabelsPerSeries: 3, maxLabelNameLength: 10, maxLabelValueLength: 5 } });
  const one = (labels: Array<{ name: string; value: string }>) => ({ labels, timestamps: [T0], values: f64([1]) });
  const res = await ingestRemoteWrite(
    s,
    encodeWriteRequest([one(L('m', { a: '1', b: '2', c: '3' })), one(L('m', { abcdefghijk: '1' })), one(L('m', { a: '123456' })), one(L('m', { a: '12345' }))]),
  );
  assert.equal(res.status, 400);
  assert.deepEqual(res.result!.reasons, { 'too many labels': 1, 'label name too long': 1, 'label value too long': 1 });
  assert.equal(res.result!.accepted, 1);
  await s.close();
});

test('out of order, duplicate timestamp, exact duplicate and out of bounds (Prometheus rules)', async () => {
  const s = await open();
  const w = (ts: number[], vs: number[]) => ingestRemoteWrite(s, encodeWriteRequest([{ labels: L('m'), timestamps: ts, values: f64(vs) }]));
  assert.equal((await w([T0, T0 + 10], [1, 2])).status, 204);
  // Exact duplicate of the newest sample: accepted silently.
  assert.equal((await w([T0 + 10], [2])).status, 204);
  // Same timestamp, different value.
  let res = await w([T0 + 10], [3]);
  assert.equal(res.status, 400);
  assert.deepEqual(res.result!.reasons, { 'duplicate sample for timestamp': 1 });
  // Out of order inside one request: the in-order samples are kept.
  res = await w([T0 + 20, T0 + 15, T0 + 30, T0 + 25, T0 + 40], [1, 1, 1, 1, 1]);
  assert.equal(res.status, 400);
  assert.equal(res.result!.accepted, 3);
  assert.deepEqual(res.result!.reasons, { 'out of order sample': 2 });
  assert.match(res.body, /out of order sample \(2\)/);
  assert.deepEqual(Array.from(sel(s, 'm')[0]!.timestamps), [T0, T0 + 10, T0 + 20, T0 + 30, T0 + 40]);
  // A new series more than 1h older than the newest sample in the store: out of bounds.
  res = await ingestRemoteWrite(s, encodeWriteRequest([{ labels: L('other'), timestamps: [T0 - 2 * 3600_000, T0 - 1000], values: f64([1, 2]) }]));
  assert.equal(res.status, 400);
  assert.deepEqual(res.result!.reasons, { 'out of bounds': 1 });
  assert.equal(sel(s, 'other')[0]!.timestamps.length, 1);
  await s.close();
});

test('native histograms are stored; an invalid one is a 400 naming its series, the rest is kept', async () => {
  const s = await open();
  const body = snappyCompress(
    pbEncode({
      timeseries: [
        { labels: L('h'), samples: [], histograms: [{ count_int: 3, sum: 1.5, schema: 0, zero_threshold: 0, zero_count_int: 3, timestamp: T0 }] },
        { labels: L('h_bad'), samples: [], histograms: [{ count_int: 3, sum: 1.5, schema: 0, zero_threshold: 0, timestamp: T0 }] },
        { labels: L('f'), samples: [{ value: 1, timestamp: T0 }] },
      ],
    }),
  );
  const res = await ingestRemoteWrite(s, body, {});
  assert.equal(res.status, 400);
  assert.match(res.body, /invalid native histogram \(1\)/);
  assert.match(res.body, /observation count should equal the number of observations found in the buckets \(in absence of NaN\): h_bad\{\} @ /);
  assert.equal(sel(s, 'f').length, 1);
  assert.equal(sel(s, 'h')[0]!.histograms!.values[0]!.zeroCount, 3);
  assert.equal(sel(s, 'h_bad').length, 0);
  await s.close();
});

test('unsupported encodings: 415', async () => {
  const s = await open();
  const body = encodeWriteRequest([{ labels: L('m'), timestamps: [T0], values: f64([1]) }]);
  assert.equal((await ingestRemoteWrite(s, body, { 'Content-Encoding': 'gzip' })).status, 415);
  assert.equal((await ingestRemoteWrite(s, body, { 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' })).status, 415);
  await s.close();
});

function randomRequest(r: () => number): { timeseries: PbSeries[]; metadata: Array<Record<string, unknown>> } {
  const str = (max: number) => {
    const n = Math.floor(r() * max);
    let out = '';
    for (let i = 0; i < n; i++) out += r() < 0.9 ? String.fromCharCode(97 + Math.floor(r() * 26)) : pick(['é', '日本', '🙂', '_', ':']);
    return out;
  };
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const timeseries: PbSeries[] = [];
  const ns = Math.floor(r() * 20);
  for (let i = 0; i < ns; i++) {
    const labels = [];
    const nl = Math.floor(r() * 6);
    for (let j = 0; j < nl; j++) labels.push({ name: str(12), value: str(30) });
    const samples = [];
    const nsm = Math.floor(r() * 30);
    for (let j = 0; j < nsm; j++) {
      const t = pick([0, -1, -(2 ** 40), 2 ** 41 + Math.floor(r() * 1e9), Math.floor(r() * 2 ** 52), 1]);
      samples.push({ value: pick([0, 1.5, -2, NaN, Infinity, -Infinity, r() * 1e300, -0, Math.floor(r() * 1e6)]), timestamp: t });
    }
    const exemplars = r() < 0.3 ? [{ labels: [{ name: 'trace_id', value: str(16) }], value: 1, timestamp: 5 }] : [];
    const histograms = r() < 0.1 ? [{ count_int: 2, sum: 3, schema: 1, zero_threshold: 0, timestamp: 7 }] : [];
    timeseries.push({ labels, samples, exemplars, histograms });
  }
  const metadata = r() < 0.3 ? [{ type: 1, metric_family_name: str(10), help: str(40), unit: '' }] : [];
  return { timeseries, metadata };
}

test('hand-written decoder agrees with protobufjs on random requests', () => {
  const r = rng(1234);
  for (let i = 0; i < 300; i++) {
    const req = randomRequest(r);
    const buf = pbEncode(req);
    const ref = pbDecode(buf);
    const got = decodeWriteRequest(buf);
    assert.equal(got.timeseries.length, ref.timeseries.length);
    got.timeseries.forEach((ts, k) => {
      const want = ref.timeseries[k]!;
      assert.deepEqual(ts.labels, want.labels.map((l) => ({ name: l.name, value: l.value })));
      assert.deepEqual(ts.samples.map((x) => [bitsOf(x.value), x.timestamp]), want.samples.map((x) => [bitsOf(x.value), x.timestamp]));
      assert.equal(ts.exemplars, want.exemplars?.length ?? 0);
      assert.equal(ts.histograms, want.histograms?.length ?? 0);
    });
    assert.equal(got.metadata, req.metadata.length);
  }
});

test('encoder output decodes with protobufjs to the same request (and snappy round-trips)', () => {
  const r = rng(99);
  for (let i = 0; i < 200; i++) {
    const req = randomRequest(r);
    const series = req.timeseries.map((t) => ({
      labels: [...t.labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      timestamps: t.samples.map((x) => x.timestamp),
      values: Float64Array.from(t.samples.map((x) => x.value)),
    }));
    const body = encodeWriteRequest(series);
    const raw = snappy.uncompress(body);
    const ref = pbDecode(raw);
    assert.deepEqual(
      ref.timeseries.map((t) => ({ labels: t.labels, ts: t.samples.map((x) => x.timestamp), v: t.samples.map((x) => bitsOf(x.value)) })),
      series.map((t) => ({ labels: t.labels, ts: t.timestamps, v: Array.from(t.values, bitsOf) })),
    );
  }
});

test('a large request is applied in slices, one request at a time: a series it creates is in the WAL before another request\'s samples for it', async () => {
  const path = `${dir.path}/s${n++}`;
  const s = await Store.open({ dir: path, fsync: 'off', maintenanceIntervalMs: 0 });
  const N = 500_000; // far more than one ~4 ms slice of appends on any machine
  const older = Array.from({ length: N }, (_, k) => T0 - 3 * 3600_000 + k);
  const big = ingestRemoteWrite(s, encodeWriteRequest([{ labels: L('contested'), timestamps: older, values: f64(older.map((_, k) => k)) }]));
  // Once the big request has created the series it is between slices: another request for it comes in.
  let slices = 0;
  while (sel(s, 'contested').length === 0) {
    await new Promise((resolve) => setImmediate(resolve));
    slices++;
  }
  const small = await ingestRemoteWrite(s, encodeWriteRequest([{ labels: L('contested'), timestamps: [T0], values: f64([1]) }]));
  const first = await big;
  assert.equal(first.status, 204, `big request: ${first.body}`);
  assert.equal(small.status, 204, `small request: ${small.body}`);
  assert.equal(sel(s, 'contested')[0]!.timestamps.length, N + 1);
  await s.close();
  const again = await Store.open({ dir: path, fsync: 'off', maintenanceIntervalMs: 0 });
  try {
    assert.equal(again.stats().replay.unknownRefs, 0, 'a WAL sample logged before its series');
    assert.equal(sel(again, 'contested')[0]!.timestamps.length, N + 1, 'after replay');
  } finally {
    await again.close();
  }
  console.log(`# ${N} samples in one request; the event loop ran ${slices} times before its series existed`);
});

// Hand-built protobuf, with unknown fields (legal in proto3) of every wire type at every depth.
const vint = (v: number): number[] => (v < 0x80 ? [v] : [(v % 128) | 0x80, ...vint(Math.floor(v / 128))]);
const field = (f: number, body: number[]): number[] => [(f << 3) | 2, ...vint(body.length), ...body];
const utf8 = (x: string): number[] => [...Buffer.from(x)];
const UNKNOWN = [0x28, 0x00, 0x31, 1, 2, 3, 4, 5, 6, 7, 8, 0x3a, 0x02, 0xaa, 0xbb, 0x45, 1, 2, 3, 4];
const pbLabel = (name: string, value: string) => field(1, [...field(1, utf8(name)), ...UNKNOWN, ...field(2, utf8(value))]);
const pbSample = (v: number, t: number) => field(2, [0x09, ...new Uint8Array(new Float64Array([v]).buffer), ...UNKNOWN, 0x10, ...vint(t)]);
const MIXED = Buffer.from([
  ...UNKNOWN,
  ...field(1, [...UNKNOWN, ...pbLabel('__name__', 'up'), ...pbSample(1.5, T0), ...UNKNOWN, ...pbLabel('job', 'a'), ...field(3, [1, 2]), ...field(4, [0xa0, 0x01, 0x05, 0x08, 0x01]), ...pbSample(2, T0 + 1)]),
  ...field(3, [0x08, 0x01]),
  ...UNKNOWN,
  ...field(1, [...pbLabel('__name__', 'down'), ...pbSample(-1, T0)]),
  ...UNKNOWN,
]);

function flat(d: DecodedWriteRequest): unknown {
  const per = (a: ArrayLike<number>, n: number) => Array.from(a).slice(0, n);
  return {
    counts: [d.seriesCount, d.metadataCount, d.sampleCount, d.labelTotal],
    series: [d.labelFirst, d.labelCount, d.keyStart, d.keyEnd, d.sampleFirst, d.sampleEnd, d.histogramCount, d.histogramFirst, d.exemplarCount].map((a) => per(a, d.seriesCount)),
    labels: per(d.labelRanges, 5 * d.labelTotal),
    samples: [per(d.timestamps, d.sampleCount), per(d.valueBits, 2 * d.sampleCount)],
    histograms: d.histograms.slice(0, d.histogramTotal),
  };
}

const outcome = async (decode: () => DecodedWriteRequest | Promise<DecodedWriteRequest>) => {
  try {
    return flat(await decode());
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
};

test('unknown fields at every depth are skipped, and a decode stopped at any byte gives what one pass gives (the same first error too)', async () => {
  const got = decodeWriteRequest(MIXED);
  assert.deepEqual(got.timeseries.map((t) => [t.labels, t.samples, t.exemplars, t.histograms]), [
    [[{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }], [{ value: 1.5, timestamp: T0 }, { value: 2, timestamp: T0 + 1 }], 1, 1],
    [[{ name: '__name__', value: 'down' }], [{ value: -1, timestamp: T0 }], 0, 0],
  ]);
  assert.equal(got.timeseries[0]!.histogramSamples[0]!.histogram.count, 1, 'the histogram under its unknown field');
  assert.equal(got.metadata, 1);
  // Every cut of the body (most of them corrupt), decoded in one pass and in steps of 1 and 3 bytes.
  let errors = 0;
  for (let cut = 0; cut <= MIXED.length; cut++) {
    const buf = MIXED.subarray(0, cut);
    const whole = await outcome(() => new WriteRequestDecoder().decode(buf));
    if (typeof whole === 'string') errors++;
    for (const step of [1, 3]) {
      assert.deepEqual(await outcome(() => new WriteRequestDecoder().decodeSliced(buf, undefined, step)), whole, `cut at ${cut}, steps of ${step}`);
    }
  }
  assert.ok(errors > MIXED.length / 2, `${errors} of ${MIXED.length + 1} cuts are corrupt`);
});
