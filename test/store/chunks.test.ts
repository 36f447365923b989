import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STALE_NAN, isStaleNaN } from '../../src/storage/value.js';
import { XorAppender, decodeXor, sealChunk, sealedBytes } from '../../src/store/chunks/xor.js';
import { bitsOf, rng } from './util.js';

const f = new Float64Array(1);
const u = new Uint32Array(f.buffer);

function roundTrip(ts: readonly number[], vals: Float64Array): { ts: Float64Array; vals: Float64Array } {
  const app = new XorAppender();
  for (let i = 0; i < ts.length; i++) {
    f[0] = vals[i]!;
    app.append(ts[i]!, u[1]!, u[0]!);
  }
  // Decode both the open chunk and its sealed (string) form: they must agree.
  const outTs = new Float64Array(ts.length);
  const outVals = new Float64Array(ts.length);
  const n = decodeXor(app.bits.bytes, app.bits.pos, app.count, -Infinity, Infinity, outTs, new Uint32Array(outVals.buffer), 0);
  assert.equal(n, ts.length);
  const sealed = sealChunk(app);
  const ts2 = new Float64Array(ts.length);
  const vals2 = new Float64Array(ts.length);
  decodeXor(sealedBytes(sealed), sealed.data.length * 8, sealed.count, -Infinity, Infinity, ts2, new Uint32Array(vals2.buffer), 0);
  assert.deepEqual(Buffer.from(ts2.buffer), Buffer.from(outTs.buffer));
  assert.deepEqual(Buffer.from(vals2.buffer), Buffer.from(outVals.buffer));
  return { ts: outTs, vals: outVals };
}

function assertBitsEqual(got: Float64Array, want: Float64Array, ctx: string): void {
  for (let i = 0; i < want.length; i++) {
    assert.equal(bitsOf(got[i]!), bitsOf(want[i]!), `${ctx}: value ${i}`);
  }
}

const EDGE: number[] = [
  0, -0, 1, -1, Infinity, -Infinity, NaN, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE,
  2 ** 53, -(2 ** 53), 2 ** 63, 1e-300, 0.1, 123456789.123, 4294967296, 4294967295,
];

function randomValue(r: () => number): number {
  const k = r();
  if (k < 0.15) return EDGE[Math.floor(r() * EDGE.length)]!;
  if (k < 0.2) return STALE_NAN;
  if (k < 0.45) return Math.floor(r() * 1000); // counters/gauges: small ints
  if (k < 0.6) return Math.floor((r() - 0.5) * 2 ** 53); // huge ints
  if (k < 0.75) return (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
  // random bit patterns (any NaN payload included)
  u[0] = (r() * 2 ** 32) >>> 0;
  u[1] = (r() * 2 ** 32) >>> 0;
  return f[0]!;
}

test('xor chunk: edge values keep their exact bits (stale NaN, NaN, ±Inf, -0)', () => {
  const vals = new Float64Array(EDGE.length + 3);
  EDGE.forEach((v, i) => (vals[i] = v));
  vals[EDGE.length] = STALE_NAN;
  vals[EDGE.length + 1] = STALE_NAN;
  vals[EDGE.length + 2] = 5;
  const ts = Array.from(vals, (_, i) => 1_700_000_000_000 + i * 15_000);
  const got = roundTrip(ts, vals);
  assertBitsEqual(got.vals, vals, 'edges');
  assert.ok(isStaleNaN(got.vals[EDGE.length]!), 'stale marker survives');
  assert.ok(!isStaleNaN(got.vals[EDGE.indexOf(NaN)]!), 'an ordinary NaN is not stale');
  assert.ok(Object.is(got.vals[1], -0));
  assert.deepEqual([...got.ts], ts);
});

test('xor chunk: random values and irregular timestamps round-trip bit-exactly (500 chunks)', () => {
  for (let seed = 1; seed <= 500; seed++) {
    const r = rng(seed);
    const n = 1 + Math.floor(r() * 240);
    const vals = new Float64Array(n);
    const ts: number[] = [];
    let t = Math.floor((r() - 0.5) * 2 ** 50); // negative timestamps too
    const mode = r();
    for (let i = 0; i < n; i++) {
      vals[i] = mode < 0.3 ? (i > 0 && r() < 0.5 ? vals[i - 1]! : randomValue(r)) : randomValue(r);
      ts.push(t);
      const g = r();
      // regular, jittered, and huge gaps (every dod bucket incl. the 64-bit one)
      t += g < 0.4 ? 15_000 : g < 0.7 ? 1 + Math.floor(r() * 30_000) : g < 0.9 ? 1 + Math.floor(r() * 2_000_000) : 1 + Math.floor(r() * 2 ** 40);
    }
    const got = roundTrip(ts, vals);
    assert.deepEqual([...got.ts], ts, `seed ${seed}: timestamps`);
    assertBitsEqual(got.vals, vals, `seed ${seed}`);
  }
});

test('xor chunk: window filter returns exactly the samples in [mint, maxt]', () => {
  const app = new XorAppender();
  const ts: number[] = [];
  for (let i = 0; i < 120; i++) {
    ts.push(1000 + i * 10);
    app.append(1000 + i * 10, 0, i);
  }
  const outTs = new Float64Array(120);
  const bits = new Uint32Array(240);
  const n = decodeXor(app.bits.bytes, app.bits.pos, app.count, 1055, 1100, outTs, bits, 0);
  assert.deepEqual([...outTs.subarray(0, n)], [1060, 1070, 1080, 1090, 1100]);
  assert.equal(bits[0], 6); // lo word of value 6's bits
});

test('xor chunk: regular scrape data compresses to under 2 bytes per sample', () => {
  const app = new XorAppender();
  let v = 1000;
  for (let i = 0; i < 120; i++) {
    v += Math.floor(Math.random() * 10);
    f[0] = v;
    app.append(1_700_000_000_000 + i * 15_000, u[1]!, u[0]!);
  }
  const bytes = app.bytes().length;
  assert.ok(bytes / 120 < 2, `${bytes / 120} bytes/sample`);
});
