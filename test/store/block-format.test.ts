// Block format round trips: what BlockWriter writes, Block reads back bit-exact; Debian's promtool lists
// and dumps our blocks with exactly our samples; blocks promtool itself creates open and read the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Block } from '../../src/store/block/block.js';
import { newBlockCaches } from '../../src/store/block/caches.js';
import { encodePromXor, decodePromXor } from '../../src/store/block/xor-chunk.js';
import { crc32c } from '../../src/store/block/encoding.js';
import { STALE_NAN } from '../../src/storage/value.js';
import { tempDir } from '../../tools/testing/net.js';
import { bitsOfArray } from './util.js';
import { goG, labelsText, synthSeries, writeSynthBlock } from './blocks-util.js';

const run = promisify(execFile);
const HOUR = 3600_000;

test('CRC32 Castagnoli matches the standard check value', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('the XOR chunk round-trips timestamps and value bits (NaN payloads, negative times, big gaps)', () => {
  const ts = [-5000, -1, 0, 1, 60_000, 60_001, 10 ** 12, 10 ** 12 + 15_000, 10 ** 12 + 30_000];
  const vals = new Float64Array([1, -2.5, NaN, Infinity, -Infinity, 0, -0, 1e300, 0]);
  vals[8] = STALE_NAN;
  const bits = new Uint32Array(vals.buffer);
  const data = encodePromXor(ts, bits, 0, ts.length);
  assert.equal(data.readUInt16BE(0), ts.length);
  const outTs = new Float64Array(ts.length);
  const outVals = new Float64Array(ts.length);
  assert.equal(decodePromXor(data, -Infinity, Infinity, outTs, new Uint32Array(outVals.buffer), 0), ts.length);
  assert.deepEqual([...outTs], ts);
  assert.deepEqual(bitsOfArray(outVals), bitsOfArray(vals));
});

test('a written block reads back bit-exact through matchers and time windows', async () => {
  const dir = await tempDir('obspath-block-');
  try {
    const start = 1_700_000_000_000;
    const series = synthSeries(40, start, 2 * HOUR, 7);
    const blockDir = await writeSynthBlock(dir.path, series, start, start + 2 * HOUR);
    const names = (await readdir(blockDir)).sort();
    assert.deepEqual(names, ['chunks', 'index', 'meta.json', 'tombstones']);
    assert.deepEqual(await readdir(join(blockDir, 'chunks')), ['000001']);
    const b = new Block(blockDir, newBlockCaches({ postingsBytes: 1024, seriesBytes: 1024, chunkBytes: 4096 })); // tiny caches: evictions happen
    try {
      assert.equal(b.meta.stats.numSeries, 40);
      const all = b.select([{ type: '=~', name: '__name__', value: 'blk_.*' }], -Infinity, Infinity);
      assert.equal(all.length, 40);
      for (let i = 0; i < 40; i++) {
        assert.deepEqual(all[i]!.labels, series[i]!.labels);
        assert.deepEqual(Array.from(all[i]!.timestamps), Array.from(series[i]!.timestamps));
        assert.deepEqual(bitsOfArray(all[i]!.values), bitsOfArray(series[i]!.values));
      }
      const mint = start + 30 * 60_000;
      const maxt = start + 31 * 60_000;
      const part = b.select([{ type: '=', name: 'job', value: 'db' }, { type: '!=', name: '__name__', value: 'blk_metric_1' }], mint, maxt);
      const want = series.filter((s) => s.labels[2]!.value === 'db' && s.labels[0]!.value !== 'blk_metric_1');
      assert.equal(part.length, want.length);
      for (const [i, s] of part.entries()) {
        const w = want[i]!;
        const keep = Array.from(w.timestamps).filter((t) => t >= mint && t <= maxt);
        assert.deepEqual(Array.from(s.timestamps), keep);
      }
      assert.deepEqual(b.labelNames([], -Infinity, Infinity), ['__name__', 'instance', 'job']);
      assert.deepEqual(b.labelValues('job', [], -Infinity, Infinity), ['api', 'db']);
      assert.deepEqual(b.labelValues('job', [{ type: '=', name: 'instance', value: 'host-3' }], -Infinity, Infinity), ['db']);
      assert.deepEqual(b.select([{ type: '=', name: 'nope', value: 'x' }], -Infinity, Infinity), []);
    } finally {
      b.close();
    }
  } finally {
    await dir.cleanup();
  }
});

test('promtool tsdb list and dump read our block and dump exactly our samples', async () => {
  const dir = await tempDir('obspath-block-');
  try {
    const start = 1_700_000_000_000;
    const series = synthSeries(30, start, 2 * HOUR, 11);
    const blockDir = await writeSynthBlock(dir.path, series, start, start + 2 * HOUR);
    const ulid = blockDir.slice(dir.path.length + 1);
    const list = await run('promtool', ['tsdb', 'list', dir.path]);
    const row = list.stdout.split('\n').find((l) => l.startsWith(ulid));
    assert.ok(row, `promtool list shows ${ulid}:\n${list.stdout}${list.stderr}`);
    const samples = series.reduce((n, s) => n + s.timestamps.length, 0);
    assert.match(row, new RegExp(`^${ulid}\\s+${start}\\s+${start + 2 * HOUR}\\s+2h0m0s\\s+${samples}\\s+\\d+\\s+30\\s`));
    await mkdir(join(dir.path, 'wal')); // promtool 2.42 opens the WAL too (our store always has one)
    const dump = await run('promtool', ['tsdb', 'dump', dir.path], { maxBuffer: 256 << 20 });
    const want: string[] = [];
    for (const s of series) {
      for (let i = 0; i < s.timestamps.length; i++) want.push(`${labelsText(s.labels)} ${goG(s.values[i]!)} ${s.timestamps[i]}`);
    }
    assert.deepEqual(dump.stdout.trimEnd().split('\n'), want);
    const analyze = await run('promtool', ['tsdb', 'analyze', dir.path, ulid]);
    assert.match(analyze.stdout, /Series: 30\b/);
  } finally {
    await dir.cleanup();
  }
});

test('a block promtool created from OpenMetrics opens and reads the same samples', async () => {
  const dir = await tempDir('obspath-block-');
  try {
    const start = 1_700_000_000_000;
    const lines: string[] = ['# TYPE om_gauge gauge'];
    const expected = new Map<string, Array<[number, number]>>();
    for (let i = 0; i < 5; i++) {
      const pts: Array<[number, number]> = [];
      for (let k = 0; k < 300; k++) pts.push([start + k * 15_000, i * 1000 + k * 0.25]);
      expected.set(`host-${i}`, pts);
    }
    for (let k = 0; k < 300; k++) {
      for (let i = 0; i < 5; i++) {
        const [t, v] = expected.get(`host-${i}`)![k]!;
        lines.push(`om_gauge{instance="host-${i}"} ${v} ${t / 1000}`);
      }
    }
    lines.push('# EOF');
    const src = join(dir.path, 'in.om');
    await writeFile(src, lines.join('\n') + '\n');
    const out = join(dir.path, 'blocks');
    await run('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', src, out]);
    const ulids = (await readdir(out)).filter((n) => /^[0-9A-Z]{26}$/.test(n));
    assert.ok(ulids.length >= 1, 'promtool wrote a block');
    const got = new Map<string, Array<[number, number]>>();
    for (const u of ulids) {
      const b = new Block(join(out, u));
      try {
        for (const s of b.select([{ type: '=', name: '__name__', value: 'om_gauge' }], -Infinity, Infinity)) {
          const inst = s.labels.find((l) => l.name === 'instance')!.value;
          const pts = got.get(inst) ?? [];
          for (let i = 0; i < s.timestamps.length; i++) pts.push([s.timestamps[i]!, s.values[i]!]);
          got.set(inst, pts);
        }
      } finally {
        b.close();
      }
    }
    for (const pts of got.values()) pts.sort((a, b) => a[0] - b[0]);
    assert.deepEqual(got, expected);
  } finally {
    await dir.cleanup();
  }
});
