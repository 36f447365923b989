// The `latestOnly` select hint: an instant selector reads each head series' newest sample from the series itself
// instead of decoding its chunks. Answers must equal those of the same store queried without the hint, at times
// inside, before and after the data, next to stale markers, gaps, histogram series and block boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../src/store/index.js';
import { Engine } from '../../src/promql/engine.js';
import type { LabelMatcher, Querier, SeriesSamples } from '../../src/storage/interface.js';
import type { SeriesToWrite } from '../../src/remotewrite/encode.js';
import { tempDir } from '../../tools/testing/net.js';
import { synthSeries } from './blocks-util.js';
import { rng } from './util.js';
import { wireSeries } from './histogram-util.js';

const HOUR = 3600_000;
const START = Math.floor((Date.now() - 30 * HOUR) / (2 * HOUR)) * 2 * HOUR;
const END = START + 7 * HOUR;
const ALL: LabelMatcher[] = [{ type: '=~', name: '__name__', value: '(blk|hist)_.*' }];
const QUERIES = ['{__name__=~"(blk|hist)_.*"}', 'timestamp({__name__=~"blk_.*"})', 'hist_x', 'blk_metric_1 offset 3m', 'count({__name__=~"blk_.*"})'];

/** The same store seen through a querier that drops the hints (every sample decoded). */
function withoutHints(store: Store): Querier {
  return {
    select: (m, mint, maxt) => store.select(m, mint, maxt),
    series: (m, mint, maxt) => store.series(m, mint, maxt),
    labelNames: (m, mint, maxt) => store.labelNames(m, mint, maxt),
    labelValues: (n, m, mint, maxt) => store.labelValues(n, m, mint, maxt),
  };
}

/** 25 float series over 7h (stale markers, gaps), and a histogram series over the last 20 minutes. */
async function ingest(store: Store): Promise<void> {
  const series = synthSeries(25, START, 7 * HOUR, 7);
  const histTimes = Array.from({ length: 80 }, (_, i) => END - 20 * 60_000 + i * 15_000);
  const hist = wireSeries(rng(3), histTimes, 'float');
  for (let t = START; t < END; t += 10 * 60_000) {
    const batch: SeriesToWrite[] = series.map((s) => window(s, t, t + 10 * 60_000));
    const histograms = hist.filter((h) => h.timestamp >= t && h.timestamp < t + 10 * 60_000);
    if (histograms.length > 0) batch.push({ labels: [{ name: '__name__', value: 'hist_x' }], timestamps: [], values: [], histograms });
    const res = await store.append(batch);
    assert.equal(res.rejected, 0, JSON.stringify(res));
  }
}

/** The samples of `s` in [from, to) (timestamps are sorted: one contiguous run; values keep their bits). */
function window(s: SeriesSamples, from: number, to: number): SeriesToWrite {
  const ts = Array.from(s.timestamps);
  const lo = ts.findIndex((t) => t >= from);
  const hi = lo < 0 ? lo : ts.findIndex((t) => t >= to);
  const a = lo < 0 ? ts.length : lo;
  const b = hi < 0 ? ts.length : hi;
  return { labels: s.labels, timestamps: ts.slice(a, b), values: (s.values as Float64Array).subarray(a, b) };
}

function assertSameAnswers(store: Store, engine: Engine): void {
  const plain = withoutHints(store);
  const times = [START - 60_000, START + 3_000, START + 2 * HOUR - 1, START + 2 * HOUR + 7_000, START + 4 * HOUR + 1];
  for (let t = END - 21 * 60_000; t <= END + 7 * 60_000; t += 11_000) times.push(t);
  for (const q of QUERIES) {
    for (const t of times) {
      assert.deepEqual(engine.instantQuery(store, q, t), engine.instantQuery(plain, q, t), `${q} at ${t - END} ms from the end`);
    }
  }
  // A fixed `@` in a range query: one reference time for every step, so the hint applies there too.
  const at = `blk_metric_2 @ ${(END - 45_000) / 1000}`;
  assert.deepEqual(engine.rangeQuery(store, at, END - HOUR, END, 60_000), engine.rangeQuery(plain, at, END - HOUR, END, 60_000));
}

/** Times inside the blocks (chunk and block edges, gaps, stale markers): the blocks honour the hint too. */
function assertSameOverBlocks(store: Store, engine: Engine): void {
  const plain = withoutHints(store);
  const blocksEnd = START + 4 * HOUR;
  let hinted = 0;
  let full = 0;
  for (let t = START - 30_000; t <= blocksEnd + 2 * 60_000; t += 7 * 60_000 + 13_000) {
    for (const q of QUERIES) assert.deepEqual(engine.instantQuery(store, q, t), engine.instantQuery(plain, q, t), `${q} at START + ${t - START} ms`);
    // One newest sample per block (a window across a block edge merges two); fully decoded, every sample.
    const got = store.select(ALL, t - 5 * 60_000 + 1, t, { latestOnly: true });
    for (const s of got) assert.ok(s.timestamps.length <= 2, `one float sample per block at START + ${t - START} ms: ${JSON.stringify(s.labels)}`);
    hinted += got.reduce((n, s) => n + s.timestamps.length, 0);
    full += store.select(ALL, t - 5 * 60_000 + 1, t).reduce((n, s) => n + s.timestamps.length, 0);
  }
  for (const edge of [START + 2 * HOUR - 1, START + 2 * HOUR, START + 2 * HOUR + 1, START + 4 * HOUR - 1]) {
    for (const q of QUERIES) assert.deepEqual(engine.instantQuery(store, q, edge), engine.instantQuery(plain, q, edge), `${q} at START + ${edge - START} ms`);
  }
  assert.ok(hinted > 0 && hinted * 3 < full, `the blocks honour the hint: ${hinted} samples with it, ${full} without`);
}

test('latestOnly: instant answers equal the fully decoded ones, over the head and over head plus blocks', async () => {
  const dir = await tempDir('obspath-latest-');
  try {
    const store = await Store.open({ dir: dir.path, now: () => END, fsync: 'off', maintenanceIntervalMs: 0, onWarning: () => undefined });
    await ingest(store);
    const engine = new Engine();
    // The hint is honoured: float series come back with their newest sample only, the histogram series in full.
    const got = store.select(ALL, END - 5 * 60_000 + 1, END, { latestOnly: true });
    const full = store.select(ALL, END - 5 * 60_000 + 1, END);
    assert.equal(got.length, full.length);
    for (const s of got) {
      const isHist = s.labels[0]!.value === 'hist_x';
      assert.equal(s.timestamps.length + (s.histograms?.timestamps.length ?? 0) > 1, isHist, JSON.stringify(s.labels));
    }
    assertSameAnswers(store, engine);
    await store.compact();
    assert.ok(store.stats().blocks > 0, 'the head was cut into blocks');
    assertSameAnswers(store, engine);
    assertSameOverBlocks(store, engine);
    await store.close();
  } finally {
    await dir.cleanup();
  }
});
