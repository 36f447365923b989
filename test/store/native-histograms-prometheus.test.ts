// Differential test of native histogram ingest: the same remote-write requests (integer and float histograms,
// exponential schemas, zero buckets, negative buckets, a stale marker, custom buckets) sent to Debian's Prometheus
// 2.42 started with --enable-feature=native-histograms and to `obspath store`'s server. Raw selections
// (`metric[5m]`) must agree: series, timestamps, count, sum and every bucket (bounds, boundary rule, count) as
// Prometheus's JSON lists them, computed on our side from the store's own read path (Querier.select).
//
// Prometheus 2.42 vs 3.x (and us, following 3.x) differences met here:
// - custom-bucket histograms (schema -53, NHCB) came with Prometheus 3.x: 2.42 does not know `custom_values`
//   (field 16), accepts the histogram and computes exponential bounds of schema -53 for it; for those series only
//   series, timestamps, count, sum and bucket counts are compared, not the bounds.
// - 2.42 validates histograms less (it takes a schema outside -4..8, which 3.x refuses); not sent here.
// Not a histogram difference but met here: Prometheus writes JSON values below 1e-6 in exponent form ("1e-128"),
// our promapi in plain digits; bucket bounds are compared as numbers (see boundsAsNumbers).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, type SeriesToWrite } from '../../src/store/index.js';
import { startStoreServer, type RunningStoreServer } from '../../src/store/server.js';
import { AllFloatBucketIterator, collectBuckets } from '../../src/histogram/iterate.js';
import type { FloatHistogram } from '../../src/histogram/model.js';
import type { WireHistogram } from '../../src/remotewrite/histogram-proto.js';
import { STALE_NAN } from '../../src/storage/value.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { tempDir } from '../../tools/testing/net.js';
import { startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { rng } from './util.js';
import { intHistogram, wireSeries } from './histogram-util.js';

const T = Math.floor(Date.now() / 1000) * 1000 - 120_000;
const STEPS = [T, T + 15_000, T + 30_000, T + 45_000];
let prom: Backend;
let ours: RunningStoreServer;
let dir: { path: string; cleanup: () => Promise<void> };

/** Prometheus's JSON bucket: [boundary rule, lower, upper, count], numbers parsed. */
type JsonBucket = [number, number, number, number];
interface JsonHistogram {
  count: number;
  sum: number;
  buckets: JsonBucket[];
}

const num = (s: string): number => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));

function requests(): SeriesToWrite[][] {
  const r = rng(19);
  const series = (name: string, hs: WireHistogram[]): SeriesToWrite => ({ labels: [{ name: '__name__', value: name }, { name: 'job', value: 'diff' }], timestamps: [], values: [], histograms: hs });
  const coarse = STEPS.map((timestamp) => ({ timestamp, float: false as const, histogram: intHistogram(r, 5, -2) }));
  const fine = STEPS.map((timestamp) => ({ timestamp, float: false as const, histogram: intHistogram(r, 12, 8) }));
  const withStale = wireSeries(r, STEPS.slice(0, 2), 'int');
  return STEPS.map((_, i) => [
    series('nh_int', wireSeries(r, [STEPS[i]!], 'int')),
    series('nh_float', wireSeries(r, [STEPS[i]!], 'float')),
    series('nh_coarse', [coarse[i]!]),
    series('nh_fine', [fine[i]!]),
    series('nh_custom', wireSeries(r, [STEPS[i]!], 'custom')),
    // Two histograms, then a float stale marker (a histogram stale marker on both sides), then nothing.
    i < 2 ? series('nh_stale', [withStale[i]!]) : i === 2 ? { labels: [{ name: '__name__', value: 'nh_stale' }, { name: 'job', value: 'diff' }], timestamps: [STEPS[i]!], values: Float64Array.of(STALE_NAN) } : series('nh_none', []),
  ]);
}

before(async () => {
  dir = await tempDir('obspath-nh-diff-');
  prom = await startPrometheus({ extraArgs: ['--enable-feature=native-histograms'] });
  ours = await startStoreServer({ store: { dir: dir.path, fsync: 'off' }, listen: '127.0.0.1:0', logger: createLogger({ component: 'store', level: 'warn' }) });
  for (const batch of requests()) {
    const body = new Uint8Array(encodeWriteRequest(batch));
    for (const url of [prom.url, ours.url]) {
      const res = await fetch(`${url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body });
      assert.equal(res.status, 204, `${url}: ${await res.text()}`);
    }
  }
});

after(async () => {
  await ours?.close();
  await prom?.stop();
  await dir?.cleanup();
});

/** Prometheus's raw selection of `name[5m]` at the last step: timestamp (ms) -> histogram. */
async function promSelection(name: string): Promise<Map<number, JsonHistogram>> {
  const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(`${name}[5m]`)}&time=${(T + 50_000) / 1000}`);
  const json = (await res.json()) as { data: { result: Array<{ metric: Record<string, string>; histograms?: Array<[number, { count: string; sum: string; buckets?: string[][] }]> }> } };
  assert.equal(json.data.result.length, 1, `${name}: one series on Prometheus`);
  assert.deepEqual(json.data.result[0]!.metric, { __name__: name, job: 'diff' });
  const out = new Map<number, JsonHistogram>();
  for (const [ts, h] of json.data.result[0]!.histograms ?? []) {
    out.set(Math.round(ts * 1000), { count: num(h.count), sum: num(h.sum), buckets: (h.buckets ?? []).map((b) => [Number(b[0]), num(b[1]!), num(b[2]!), num(b[3]!)]) });
  }
  return out;
}

/** Our float histogram as Prometheus's JSON lists it: ascending buckets, empty ones left out. */
function asJson(h: FloatHistogram): JsonHistogram {
  const buckets = collectBuckets(AllFloatBucketIterator.ascending(h))
    .filter((b) => b.count !== 0)
    .map((b): JsonBucket => [b.lowerInclusive ? (b.upperInclusive ? 3 : 1) : b.upperInclusive ? 0 : 2, b.lower, b.upper, b.count]);
  return { count: h.count, sum: h.sum, buckets };
}

/** Our store's raw selection over the same 5m window (stale markers left out, as Prometheus's range selection does). */
function ourSelection(name: string): Map<number, JsonHistogram> {
  const got = ours.store.select([{ type: '=', name: '__name__', value: name }], T + 50_000 - 300_000 + 1, T + 50_000);
  assert.equal(got.length, 1, `${name}: one series in the store`);
  const out = new Map<number, JsonHistogram>();
  const hs = got[0]!.histograms!;
  for (let i = 0; i < hs.values.length; i++) if (!Number.isNaN(hs.values[i]!.sum)) out.set(hs.timestamps[i]!, asJson(hs.values[i]!));
  return out;
}

/** The `data.result` of a query, from either server, with bucket bounds as numbers (see boundsAsNumbers). */
async function queryResult(url: string, query: string): Promise<unknown> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}&time=${(T + 50_000) / 1000}`);
  const json = (await res.json()) as { status: string; data: { result: unknown } };
  assert.equal(json.status, 'success', `${url}: ${JSON.stringify(json)}`);
  return boundsAsNumbers(json.data.result);
}

/**
 * Prometheus writes values below 1e-6 or from 1e21 up in exponent form ("1e-128", Go's 'e' format); our promapi
 * writes all values in 'f' form ("0.000…01"), a difference of the shared formatter (src/promapi/format.ts, pinned
 * by test/promapi/format.test.ts), not of histograms. Bucket bounds (the zero threshold 1e-128 here) are compared
 * as numbers for that reason; every other string must match exactly.
 */
function boundsAsNumbers(result: unknown): unknown {
  return JSON.parse(JSON.stringify(result), (key, v: unknown) =>
    key === 'buckets' && Array.isArray(v) ? (v as string[][]).map((b) => [b[0], num(b[1]!), num(b[2]!), b[3]]) : v,
  );
}

for (const name of ['nh_int', 'nh_float', 'nh_coarse', 'nh_fine', 'nh_stale']) {
  test(`${name}[5m] and ${name}: our HTTP API answers with Prometheus 2.42's JSON, string for string`, async () => {
    for (const q of [`${name}[5m]`, name]) {
      const [p, o] = [await queryResult(prom.url, q), await queryResult(ours.url, q)];
      assert.deepEqual(o, p, q);
    }
  });

  test(`${name}[5m]: the same timestamps, counts, sums and buckets as Prometheus 2.42`, async () => {
    const p = await promSelection(name);
    const o = ourSelection(name);
    assert.deepEqual([...o.keys()], [...p.keys()]);
    assert.ok(p.size >= 2, `${name}: ${p.size} samples`);
    for (const [ts, ph] of p) assert.deepEqual(o.get(ts), ph, `${name} @ ${ts}`);
  });
}

test('nh_custom[5m] (custom buckets, unknown to 2.42): the same timestamps, counts, sums and bucket counts', async () => {
  const p = await promSelection('nh_custom');
  const o = ourSelection('nh_custom');
  assert.deepEqual([...o.keys()], [...p.keys()]);
  for (const [ts, ph] of p) {
    const oh = o.get(ts)!;
    assert.equal(oh.count, ph.count);
    assert.equal(oh.sum, ph.sum);
    assert.deepEqual(oh.buckets.map((b) => b[3]), ph.buckets.map((b) => b[3]));
  }
});
