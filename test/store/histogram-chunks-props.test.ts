// Property tests of the histogram chunk encodings (fast-check): random valid histogram sequences over schemas
// -4..8 and the custom-bucket schema -53 (growth, new buckets, empty buckets left out, counter resets, schema
// changes, stale markers), integer and float, cut into chunks as blocks do. Everything written reads back
// with the same values; chunks obey Prometheus's invariants; decoding then re-encoding gives the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CounterResetHint, histogramToFloat, type FloatHistogram, type Histogram, type Span } from '../../src/histogram/index.js';
import { histogramChunks, decodeHistogramChunk, type StoredHistogram } from '../../src/store/block/histogram-chunks.js';
import { CounterResetHeader, ENC_HISTOGRAM, counterResetHeaderOf } from '../../src/store/chunks/histogram-meta.js';
import { HistogramAppender } from '../../src/store/chunks/histogram.js';
import { FloatHistogramAppender } from '../../src/store/chunks/float-histogram.js';
import { STALE_NAN, isStaleNaN } from '../../src/storage/value.js';
import { bitsOf, rng } from './util.js';

type Op = 'grow' | 'add' | 'omit-empty' | 'reset' | 'relayout' | 'stale';
interface State {
  schema: number;
  zeroThreshold: number;
  zero: number;
  pos: Map<number, number>;
  neg: Map<number, number>;
  custom: number[];
}

const THRESHOLDS = [0, 2 ** -128, 0.001, 0.5];

function freshState(schema: number, rand: () => number): State {
  const custom: number[] = [];
  if (schema === -53) {
    let b = rand() < 0.5 ? -1 : 0;
    for (let k = 1 + Math.floor(rand() * 8); k > 0; k--) custom.push((b += rand() < 0.7 ? Math.ceil(rand() * 5000) / 1000 : rand() * 100));
  }
  const s: State = { schema, zeroThreshold: schema === -53 ? 0 : THRESHOLDS[Math.floor(rand() * 4)]!, zero: 0, pos: new Map(), neg: new Map(), custom };
  for (let k = Math.floor(rand() * 6); k > 0; k--) addBucket(s, rand);
  return s;
}

function addBucket(s: State, rand: () => number): void {
  const custom = s.schema === -53;
  const idx = custom ? Math.floor(rand() * (s.custom.length + 1)) : Math.floor(rand() * 41) - 20;
  const side = custom || rand() < 0.6 ? s.pos : s.neg;
  side.set(idx, (side.get(idx) ?? 0) + Math.floor(rand() * 4));
}

function step(s: State, op: Op, rand: () => number): State {
  const grow = (m: Map<number, number>): void => m.forEach((v, k) => m.set(k, v + Math.floor(rand() * 5)));
  switch (op) {
    case 'grow':
      grow(s.pos);
      grow(s.neg);
      if (s.schema !== -53) s.zero += Math.floor(rand() * 3);
      return s;
    case 'add':
      addBucket(s, rand);
      return s;
    case 'reset': {
      const half = (m: Map<number, number>): void => m.forEach((v, k) => m.set(k, Math.floor(v / 2)));
      half(s.pos);
      half(s.neg);
      s.zero = Math.floor(s.zero / 2);
      return s;
    }
    case 'relayout':
      return freshState(rand() < 0.2 ? -53 : Math.floor(rand() * 13) - 4, rand);
    default:
      return s;
  }
}

function spansOf(m: Map<number, number>, omitEmpty: boolean): { spans: Span[]; deltas: number[] } {
  const idx = [...m.keys()].filter((k) => !omitEmpty || m.get(k)! > 0).sort((a, b) => a - b);
  const spans: Span[] = [];
  const deltas: number[] = [];
  let last = 0;
  let prevCount = 0;
  for (const [i, k] of idx.entries()) {
    if (i > 0 && k === last + 1) spans[spans.length - 1]!.length++;
    else spans.push({ offset: i === 0 ? k : k - last - 1, length: 1 });
    last = k;
    deltas.push(m.get(k)! - prevCount);
    prevCount = m.get(k)!;
  }
  return { spans, deltas };
}

function histogramOf(s: State, omitEmpty: boolean, sum: number): Histogram {
  const p = spansOf(s.pos, omitEmpty);
  const n = spansOf(s.neg, omitEmpty);
  let count = s.zero;
  for (const v of [...s.pos.values(), ...s.neg.values()]) count += v;
  return {
    counterResetHint: CounterResetHint.Unknown, schema: s.schema, zeroThreshold: s.zeroThreshold, zeroCount: s.zero, count, sum,
    positiveSpans: p.spans, negativeSpans: n.spans, positiveBuckets: p.deltas, negativeBuckets: n.deltas, customValues: s.custom.slice(),
  };
}

/** Bucket index -> absolute count, zeros dropped: what a histogram says, whatever its (widened) layout. */
function bucketMap(spans: readonly Span[], counts: readonly number[]): string {
  const out: string[] = [];
  let idx = 0; // the index after the previous span's last bucket; a span's offset counts from there
  let k = 0;
  for (const s of spans) {
    idx += s.offset;
    for (let j = 0; j < s.length; j++, k++, idx++) if (counts[k] !== 0) out.push(`${idx}:${counts[k]}`);
  }
  return out.join(' ');
}

function meaning(t: number, h: FloatHistogram): string {
  if (isStaleNaN(h.sum)) return `${t} stale`;
  return [t, h.schema, h.zeroThreshold, h.zeroCount, h.count, bitsOf(h.sum), h.customValues.join(','),
    bucketMap(h.positiveSpans, h.positiveBuckets), bucketMap(h.negativeSpans, h.negativeBuckets)].join(' | ');
}

const floatOf = (s: StoredHistogram): FloatHistogram => (s.isFloat ? s.h : histogramToFloat(s.h));

const scenario = fc.record({
  seed: fc.integer(),
  schema: fc.oneof(fc.integer({ min: -4, max: 8 }), fc.constant(-53)),
  float: fc.boolean(),
  ops: fc.array(fc.constantFrom<Op>('grow', 'grow', 'grow', 'add', 'omit-empty', 'reset', 'relayout', 'stale'), { minLength: 1, maxLength: 300 }),
});

function build(sc: { seed: number; schema: number; float: boolean; ops: Op[] }): { samples: StoredHistogram[]; resets: Set<number> } {
  const rand = rng(sc.seed);
  let state = freshState(sc.schema, rand);
  let t = 1_700_000_000_000 + Math.floor(rand() * 1e6);
  const samples: StoredHistogram[] = [];
  const resets = new Set<number>();
  for (const op of sc.ops) {
    state = step(state, op, rand);
    t += 1 + Math.floor(rand() * 60_000);
    const sum = op === 'stale' ? STALE_NAN : Math.round(rand() * 1e6) / 100;
    const h = histogramOf(state, op === 'omit-empty', sum);
    if (op === 'reset' && samples.length > 0 && !isStaleNaN(samples[samples.length - 1]!.h.sum) && h.count < samples[samples.length - 1]!.h.count) resets.add(t);
    if (!sc.float) samples.push({ t, isFloat: false, h });
    else {
      const fh = histogramToFloat(h);
      const quarter = (v: number): number => v / 4; // non-integer counts, still exact
      samples.push({ t, isFloat: true, h: { ...fh, count: quarter(fh.count), zeroCount: quarter(fh.zeroCount),
        positiveBuckets: fh.positiveBuckets.map(quarter), negativeBuckets: fh.negativeBuckets.map(quarter) } });
    }
  }
  return { samples, resets };
}

test('random histogram sequences read back with the same values, chunk by chunk', () => {
  fc.assert(
    fc.property(scenario, (sc) => {
      const { samples, resets } = build(sc);
      const chunks = histogramChunks(samples);
      const back: StoredHistogram[] = [];
      for (const c of chunks) decodeHistogramChunk(c.encoding!, c.data, -Infinity, Infinity, back);
      assert.deepEqual(back.map((s) => meaning(s.t, floatOf(s))), samples.map((s) => meaning(s.t, floatOf(s))));
      let prevCount = 0;
      for (const c of chunks) {
        const got: StoredHistogram[] = [];
        decodeHistogramChunk(c.encoding!, c.data, -Infinity, Infinity, got);
        assert.ok(got.length <= 120 && got.length > 0);
        assert.equal(c.minT, got[0]!.t);
        assert.equal(c.maxT, got[got.length - 1]!.t);
        if (resets.has(c.minT) && prevCount < 120) assert.equal(counterResetHeaderOf(c.data), CounterResetHeader.CounterReset);
        assertMonotonic(got.map(floatOf));
        assertReencodes(c.encoding!, c.data, got);
        prevCount = got.length;
      }
    }),
    { numRuns: 150 },
  );
});

/** In a counter chunk no count or bucket ever decreases (the appender cut a new chunk instead). */
function assertMonotonic(hs: FloatHistogram[]): void {
  for (let i = 1; i < hs.length; i++) {
    const a = hs[i - 1]!;
    const b = hs[i]!;
    if (isStaleNaN(a.sum) || isStaleNaN(b.sum)) continue;
    assert.ok(b.count >= a.count && b.zeroCount >= a.zeroCount, 'counts never decrease inside a chunk');
    assert.deepEqual(b.positiveSpans, a.positiveSpans, 'one layout per chunk');
    for (let k = 0; k < a.positiveBuckets.length; k++) assert.ok(b.positiveBuckets[k]! >= a.positiveBuckets[k]!);
    for (let k = 0; k < a.negativeBuckets.length; k++) assert.ok(b.negativeBuckets[k]! >= a.negativeBuckets[k]!);
  }
}

/** Appending the decoded samples to a fresh chunk rebuilds the very same bytes. */
function assertReencodes(encoding: number, data: Uint8Array, got: StoredHistogram[]): void {
  const app = encoding === ENC_HISTOGRAM ? new HistogramAppender() : new FloatHistogramAppender();
  for (const s of got) (app as { appendRaw(t: number, h: Histogram): void }).appendRaw(s.t, s.h);
  app.setCounterResetHeader(counterResetHeaderOf(data));
  assert.deepEqual(Buffer.from(app.bytes()).toString('hex'), Buffer.from(data).toString('hex'));
}

test('a sample type switch (integer <-> float histogram) always starts a new chunk of the other encoding', () => {
  fc.assert(
    fc.property(scenario, fc.array(fc.boolean(), { minLength: 1, maxLength: 300 }), (sc, kinds) => {
      const { samples } = build({ ...sc, float: false });
      const mixed = samples.map((s, i) => (kinds[i % kinds.length] && !s.isFloat ? { t: s.t, isFloat: true as const, h: histogramToFloat(s.h) } : s));
      const chunks = histogramChunks(mixed);
      const back: StoredHistogram[] = [];
      for (const c of chunks) {
        const before = back.length;
        decodeHistogramChunk(c.encoding!, c.data, -Infinity, Infinity, back);
        assert.ok(back.slice(before).every((s) => s.isFloat === (c.encoding !== ENC_HISTOGRAM)));
      }
      assert.deepEqual(back.map((s) => meaning(s.t, floatOf(s))), mixed.map((s) => meaning(s.t, floatOf(s))));
    }),
    { numRuns: 60 },
  );
});
