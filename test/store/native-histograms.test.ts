// Native histograms in the embedded store: remote write in, the head's append rules (out of order, duplicates,
// bounds, stale markers), the querier's float histograms out, and the WAL (replay, checkpoints, SIGKILL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Store, ingestRemoteWrite, encodeWriteRequest } from '../../src/store/index.js';
import { histogramToFloat } from '../../src/histogram/convert.js';
import type { FloatHistogram } from '../../src/histogram/model.js';
import type { WireHistogram } from '../../src/remotewrite/histogram-proto.js';
import type { SeriesToWrite } from '../../src/remotewrite/encode.js';
import { isStaleNaN, STALE_NAN } from '../../src/storage/value.js';
import type { SeriesSamples } from '../../src/storage/interface.js';
import { tempDir } from '../../tools/testing/net.js';
import { rng } from './util.js';
import { absolute, intHistogram, wireSeries } from './histogram-util.js';
import { histogramCrashRequests } from './histogram-crash-data.js';

let dir: { path: string; cleanup: () => Promise<void> };
let n = 0;
const newDir = () => `${dir.path}/s${n++}`;
const open = (d = newDir()) => Store.open({ dir: d, fsync: 'off', maintenanceIntervalMs: 0, retentionMs: 365 * 24 * 3600_000 });
before(async () => (dir = await tempDir('obspath-hist-')));
after(async () => dir.cleanup());

const T0 = Date.now() - 600_000;
const L = (name: string, extra: Record<string, string> = {}) => [{ name: '__name__', value: name }, ...Object.entries(extra).map(([k, v]) => ({ name: k, value: v }))];
const sel = (s: Store, name: string): SeriesSamples[] => s.select([{ type: '=', name: '__name__', value: name }], -Infinity, Infinity);
const hseries = (name: string, hs: WireHistogram[], extra: Record<string, string> = {}): SeriesToWrite => ({ labels: L(name, extra), timestamps: [], values: [], histograms: hs });
const expected = (w: WireHistogram): FloatHistogram => (w.float ? w.histogram : histogramToFloat(w.histogram));
const send = (s: Store, series: SeriesToWrite[]) => ingestRemoteWrite(s, encodeWriteRequest(series), {});

test('integer and float histograms written through remote write read back as float histograms', async () => {
  const s = await open();
  const r = rng(1);
  const ts = [T0, T0 + 15_000, T0 + 30_000];
  const int = wireSeries(r, ts, 'int');
  const flt = wireSeries(r, ts, 'float');
  const custom = wireSeries(r, ts, 'custom');
  const res = await send(s, [hseries('h', int, { k: 'int' }), hseries('h', flt, { k: 'float' }), hseries('h', custom, { k: 'custom' })]);
  assert.equal(res.status, 204, res.body);
  assert.equal(res.result!.accepted, 9);
  const got = new Map(sel(s, 'h').map((x) => [x.labels.find((l) => l.name === 'k')!.value, x]));
  for (const [k, want] of [['int', int], ['float', flt], ['custom', custom]] as const) {
    const g = got.get(k)!;
    assert.equal(g.timestamps.length, 0, 'no float samples');
    assert.deepEqual(Array.from(g.histograms!.timestamps), ts);
    assert.deepEqual(g.histograms!.values, want.map(expected), k);
  }
  // Absolute counts, not the wire's deltas.
  assert.deepEqual(got.get('int')!.histograms!.values[0]!.positiveBuckets, absolute(int[0]!.histogram.positiveBuckets));
  assert.deepEqual(s.series([{ type: '=', name: '__name__', value: 'h' }], T0, T0).length, 3);
  assert.equal(s.select([{ type: '=', name: '__name__', value: 'h' }], T0 + 1, T0 + 14_999).length, 0, 'nothing in a window without samples');
  await s.close();
});

test('out of order, duplicate and out of bounds histograms follow the float rules; an exact resend is fine', async () => {
  const s = await open();
  const h = (t: number, seed: number): WireHistogram => ({ timestamp: t, float: false, histogram: intHistogram(rng(seed)) });
  assert.equal((await send(s, [hseries('d', [h(T0 + 10_000, 1)])])).status, 204);
  assert.equal((await send(s, [hseries('d', [h(T0 + 10_000, 1)])])).status, 204, 'identical resend');
  const dup = await send(s, [hseries('d', [h(T0 + 10_000, 2)])]);
  assert.equal(dup.status, 400);
  assert.match(dup.body, /duplicate sample for timestamp \(1\).*: d\{\} @ /);
  const floatAfter = { timestamp: T0 + 10_000, float: true as const, histogram: histogramToFloat(h(0, 1).histogram) };
  assert.equal((await send(s, [hseries('d', [floatAfter])])).status, 400, 'a float histogram equal in value is not the same sample');
  const ooo = await send(s, [hseries('d', [h(T0, 3)])]);
  assert.equal(ooo.status, 400);
  assert.match(ooo.body, /out of order sample/);
  const oob = await send(s, [hseries('d2', [h(T0 - 2 * 3600_000, 4)])]);
  assert.match(oob.body, /out of bounds/);
  // Floats and histograms share one timeline: a float at the histogram's timestamp is a duplicate, before it out of order.
  const f = await send(s, [{ labels: L('d'), timestamps: [T0 + 5000, T0 + 10_000], values: Float64Array.of(1, 2) }]);
  assert.match(f.body, /out of order sample \(1\), duplicate sample for timestamp \(1\)/);
  assert.equal(sel(s, 'd')[0]!.histograms!.timestamps.length, 1);
  await s.close();
});

test('a float stale marker after a histogram becomes a histogram stale marker; floats and histograms interleave', async () => {
  const s = await open();
  const r = rng(3);
  const [a, b] = wireSeries(r, [T0, T0 + 2000], 'float');
  assert.equal((await send(s, [{ ...hseries('m', [a!]) }])).status, 204);
  assert.equal((await send(s, [{ labels: L('m'), timestamps: [T0 + 1000], values: Float64Array.of(STALE_NAN) }])).status, 204);
  assert.equal((await send(s, [hseries('m', [b!])])).status, 204);
  assert.equal((await send(s, [{ labels: L('m'), timestamps: [T0 + 3000], values: Float64Array.of(7) }])).status, 204);
  const got = sel(s, 'm')[0]!;
  assert.deepEqual(Array.from(got.histograms!.timestamps), [T0, T0 + 1000, T0 + 2000]);
  assert.ok(isStaleNaN(got.histograms!.values[1]!.sum), 'histogram stale marker keeps the stale NaN bits');
  assert.equal(got.histograms!.values[1]!.count, 0);
  assert.deepEqual(Array.from(got.timestamps), [T0 + 3000]);
  assert.deepEqual(Array.from(got.values), [7]);
  await s.close();
});

test('an invalid histogram is a 400 naming the series and the rule; valid ones of the request are stored', async () => {
  const s = await open();
  const good = intHistogram(rng(5));
  const bad = { ...good, count: good.count + 1 };
  const spans = { ...good, positiveSpans: [{ offset: 0, length: 1 }] };
  const res = await send(s, [
    hseries('v', [{ timestamp: T0, float: false, histogram: bad }], { i: '1' }),
    hseries('v', [{ timestamp: T0, float: false, histogram: spans }], { i: '2' }),
    hseries('v', [{ timestamp: T0, float: false, histogram: good }], { i: '3' }),
  ]);
  assert.equal(res.status, 400);
  assert.equal(res.result!.rejected, 2);
  assert.match(res.body, /invalid native histogram \(2\)/);
  assert.match(res.body, /observation count should equal.*: v\{i="1"\} @ /);
  assert.match(res.body, /spans specify different number of buckets than provided: v\{i="2"\} @ /);
  assert.deepEqual(sel(s, 'v').map((x) => x.labels.find((l) => l.name === 'i')!.value), ['3']);
  await s.close();
});

test('histograms survive close + reopen (WAL replay) and a checkpoint, identical', async () => {
  const d = newDir();
  const r = rng(6);
  let s = await open(d);
  const want = new Map<string, WireHistogram[]>();
  for (let b = 0; b < 6; b++) {
    const ts = [T0 + b * 10_000];
    const batch = [hseries('w', wireSeries(r, ts, 'int'), { k: 'int' }), hseries('w', wireSeries(r, ts, 'custom'), { k: 'custom' })];
    for (const x of batch) want.set(x.labels[1]!.value, [...(want.get(x.labels[1]!.value) ?? []), ...x.histograms!]);
    assert.equal((await send(s, batch)).status, 204);
    if (b === 2) await s.checkpoint();
  }
  // A mixed series: floats checkpointed after its histograms' times must not hide them on replay.
  await send(s, [{ labels: L('w', { k: 'mixed' }), timestamps: [T0 + 100_000], values: Float64Array.of(1) }]);
  const check = (st: Store) => {
    for (const [k, hs] of want) {
      const g = sel(st, 'w').find((x) => x.labels[1]!.value === k)!;
      assert.deepEqual(Array.from(g.histograms!.timestamps), hs.map((h) => h.timestamp), k);
      assert.deepEqual(g.histograms!.values, hs.map(expected), k);
    }
  };
  check(s);
  await s.close();
  s = await open(d);
  check(s);
  assert.equal(s.stats().replay.skippedSamples, 0);
  await s.checkpoint();
  await s.close();
  s = await open(d);
  check(s);
  assert.equal(s.stats().replay.unknownRefs, 0);
  await s.close();
});

test('SIGKILL after acknowledged histogram writes: a restarted store reads back identical histograms', { timeout: 60_000 }, async () => {
  const d = newDir();
  const t0 = Date.now() - 120_000;
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/histogram-writer.ts', import.meta.url).pathname, d, String(t0)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (b: Buffer) => {
      text += b.toString();
      if (text.includes('ACKED')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (b: Buffer) => (text += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve(text) : reject(new Error(`writer exited ${code}: ${text}`))));
  });
  const acked = Number(/ACKED (\d+)/.exec(out)![1]);
  const requests = histogramCrashRequests(t0);
  assert.equal(acked, requests.length);
  const s = await open(d);
  const want = new Map<string, { ts: number[]; hs: FloatHistogram[]; floats: number[] }>();
  for (const req of requests) {
    for (const x of req) {
      const k = x.labels[1]!.value;
      const e = want.get(k) ?? { ts: [], hs: [], floats: [] };
      for (const h of x.histograms ?? []) (e.ts.push(h.timestamp), e.hs.push(expected(h)));
      for (let i = 0; i < x.timestamps.length; i++) e.floats.push(x.timestamps[i]!);
      want.set(k, e);
    }
  }
  const got = sel(s, 'crash_h');
  assert.equal(got.length, 4);
  for (const g of got) {
    const e = want.get(g.labels[1]!.value)!;
    assert.deepEqual(Array.from(g.histograms!.timestamps), e.ts);
    assert.deepEqual(g.histograms!.values, e.hs);
    assert.deepEqual(Array.from(g.timestamps), e.floats);
  }
  await s.close();
});

test('retention drops old histograms and keeps a histogram-only series with recent samples', async () => {
  const s = await Store.open({ dir: newDir(), fsync: 'off', maintenanceIntervalMs: 0, retentionMs: 60_000 });
  const r = rng(8);
  const now = Date.now();
  await send(s, [hseries('ret', wireSeries(r, [now - 200_000, now - 100_000, now - 10_000], 'int')), hseries('gone', wireSeries(r, [now - 200_000], 'int'))]);
  s.applyRetention();
  assert.deepEqual(Array.from(sel(s, 'ret')[0]!.histograms!.timestamps), [now - 10_000]);
  assert.equal(sel(s, 'gone').length, 0);
  assert.equal(s.stats().series, 1);
  await s.close();
});

test('histograms cut from the head into blocks read back identical across blocks and head, also after a restart', { timeout: 60_000 }, async () => {
  const d = newDir();
  const opts = { dir: d, fsync: 'off' as const, maintenanceIntervalMs: 0, retentionMs: 365 * 24 * 3600_000, minBlockDurationMs: 10 * 60_000, outOfBoundsWindowMs: 3600_000 };
  let s = await Store.open(opts);
  const r = rng(9);
  const t0 = Math.floor((Date.now() - 50 * 60_000) / 600_000) * 600_000;
  const ts = Array.from({ length: 90 }, (_, i) => t0 + i * 30_000);
  const int = wireSeries(r, ts, 'int');
  const flt = wireSeries(r, ts, 'float');
  for (let i = 0; i < ts.length; i += 10) {
    const res = await send(s, [hseries('blk', int.slice(i, i + 10), { k: 'int' }), hseries('blk', flt.slice(i, i + 10), { k: 'float' }), { labels: L('blk', { k: 'floats' }), timestamps: ts.slice(i, i + 10), values: Float64Array.from(ts.slice(i, i + 10), (t) => t / 1000) }]);
    assert.equal(res.status, 204, res.body);
  }
  await s.compact();
  assert.ok(s.stats().headCompactions >= 2, `head cut into blocks: ${JSON.stringify(s.blockRanges())}`);
  const check = (st: Store) => {
    for (const [k, want] of [['int', int], ['float', flt]] as const) {
      const g = sel(st, 'blk').find((x) => x.labels[1]!.value === k)!;
      assert.deepEqual(Array.from(g.histograms!.timestamps), ts, k);
      // Read from chunks, the counter reset hint is the chunk's (as in Prometheus), not the one written.
      const noHint = (h: FloatHistogram) => ({ ...h, counterResetHint: 0 });
      assert.deepEqual(g.histograms!.values.map(noHint), want.map(expected).map(noHint), k);
    }
    assert.equal(sel(st, 'blk').find((x) => x.labels[1]!.value === 'floats')!.timestamps.length, ts.length);
  };
  check(s);
  await s.close();
  s = await Store.open(opts);
  check(s);
  await s.close();
});
