// decodeXorFast (the query path's XOR reader) against decodeXor (the reference): the same samples, bit for bit,
// over random chunks (every delta-of-delta bucket, every value window, NaN payloads), random windows, open and
// sealed chunks, and the same RangeError on a chunk cut short.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STALE_NAN } from '../../src/storage/value.js';
import { XorAppender, decodeXor, sealChunk, sealedBytes } from '../../src/store/chunks/xor.js';
import { decodeXorFast } from '../../src/store/chunks/xor-fast.js';
import { rng } from './util.js';

const f = new Float64Array(1);
const u = new Uint32Array(f.buffer);

function value(r: () => number, prev: number): number {
  const k = r();
  if (k < 0.2) return prev; // repeats: the '0' value path
  if (k < 0.3) return STALE_NAN;
  if (k < 0.55) return Math.floor(r() * 1000);
  if (k < 0.7) return prev + Math.floor(r() * 500); // close values: the reused window
  if (k < 0.85) return (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
  u[0] = (r() * 2 ** 32) >>> 0;
  u[1] = (r() * 2 ** 32) >>> 0;
  return f[0]!;
}

type Decoder = typeof decodeXor;
function run(decode: Decoder, bytes: Uint8Array, nbits: number, count: number, mint: number, maxt: number): string {
  const ts = new Float64Array(count + 2);
  const vals = new Float64Array(count + 2);
  try {
    const n = decode(bytes, nbits, count, mint, maxt, ts, new Uint32Array(vals.buffer), 1);
    return `${n} ${Buffer.from(ts.buffer).toString('hex')} ${Buffer.from(vals.buffer).toString('hex')}`;
  } catch (err) {
    return `throws ${(err as Error).name}: ${(err as Error).message}`;
  }
}

test('decodeXorFast decodes what decodeXor decodes, bit for bit, for 600 random chunks and windows', () => {
  for (let seed = 1; seed <= 600; seed++) {
    const r = rng(seed);
    const n = 1 + Math.floor(r() * 240);
    const app = new XorAppender();
    let t = Math.floor((r() - 0.5) * 2 ** 50);
    let v = 0;
    const first = t;
    for (let i = 0; i < n; i++) {
      v = value(r, v);
      f[0] = v;
      app.append(t, u[1]!, u[0]!);
      const g = r();
      t += g < 0.4 ? 15_000 : g < 0.7 ? 1 + Math.floor(r() * 30_000) : g < 0.9 ? 1 + Math.floor(r() * 2_000_000) : 1 + Math.floor(r() * 2 ** 40);
    }
    const span = t - first;
    const windows: Array<[number, number]> = [[-Infinity, Infinity], [first + r() * span, first + r() * span], [first + r() * span, Infinity], [-Infinity, first - 1]];
    const sealed = sealChunk(app);
    for (const [mint, maxt] of windows) {
      const open = run(decodeXor, app.bits.bytes, app.bits.pos, app.count, mint, maxt);
      assert.equal(run(decodeXorFast, app.bits.bytes, app.bits.pos, app.count, mint, maxt), open, `seed ${seed} open [${mint}, ${maxt}]`);
      assert.ok(!open.startsWith('throws'), `seed ${seed}: the reference decodes`);
      const bytes = sealedBytes(sealed);
      assert.equal(run(decodeXorFast, bytes, sealed.data.length * 8, sealed.count, mint, maxt), open, `seed ${seed} sealed`);
    }
    // Cut short: both refuse (or, when the cut spares every sample read, both agree).
    const cut = Math.floor(r() * app.bits.pos);
    const bytes = sealedBytes(sealed);
    assert.equal(run(decodeXorFast, bytes, cut, sealed.count, -Infinity, Infinity), run(decodeXor, bytes, cut, sealed.count, -Infinity, Infinity), `seed ${seed} cut at ${cut}`);
  }
});

test('decodeXorFast: delta-of-delta values at every bucket edge', () => {
  const dods = [8192, -8191, 8193, -8192, 65536, -65535, 65537, -65536, 524288, -524287, 524289, -524288, 0, 1, -1];
  const app = new XorAppender();
  let t = 1_700_000_000_000;
  let delta = 1_000_000;
  app.append(t, 0, 1);
  for (const [i, dod] of dods.entries()) {
    delta += dod;
    t += delta;
    app.append(t, 0, i);
  }
  const want = run(decodeXor, app.bits.bytes, app.bits.pos, app.count, -Infinity, Infinity);
  assert.equal(run(decodeXorFast, app.bits.bytes, app.bits.pos, app.count, -Infinity, Infinity), want);
});
