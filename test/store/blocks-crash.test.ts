// Crash safety of blocks: a child cuts a store's head into blocks, compacts them and deletes old ones
// while being SIGKILLed at random points. Every reopen must succeed with no overlapping blocks and hold
// exactly the samples it should: all of them, or (with retention) all from some block boundary on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import type { SeriesSamples } from '../../src/storage/interface.js';
import { tempDir } from '../../tools/testing/net.js';
import { synthSeries } from './blocks-util.js';
import { bitsOfArray, rng } from './util.js';

const FIXTURE = new URL('./fixtures/compact-crasher.ts', import.meta.url).pathname;
const HOUR = 3600_000;
const START = Math.floor((Date.now() - 20 * HOUR) / HOUR) * HOUR;
const END = START + 14 * HOUR;
const TRIALS = Number(process.env.CRASH_TRIALS ?? 6);
const ALL = [{ type: '=~' as const, name: '__name__', value: 'blk_.*' }];

/** Runs the child; kills it `killAfterMs` after READY (or lets it finish when null). Returns ms READY -> DONE. */
function runChild(dir: string, retentionMs: number, killAfterMs: number | null): Promise<{ doneMs: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, String(END), String(retentionMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = () => process.kill(child.pid!, 'SIGKILL');
    process.once('exit', killer);
    let out = '';
    let readyAt = 0;
    let doneMs: number | null = null;
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      const text = d.toString();
      if (text.includes('READY')) {
        readyAt = performance.now();
        setTimeout(() => child.kill('SIGKILL'), killAfterMs ?? 60_000);
      }
      if (text.includes('DONE')) {
        doneMs = performance.now() - readyAt;
        if (killAfterMs === null) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      process.off('exit', killer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself: ${out}`));
      else resolve({ doneMs, output: out });
    });
  });
}

async function blockDirs(dir: string): Promise<{ blocks: number; tmp: number }> {
  const names = await readdir(dir);
  return { blocks: names.filter((n) => /^[0-9A-Z]{26}$/.test(n)).length, tmp: names.filter((n) => n.includes('.tmp-for-')).length };
}

function text(series: readonly SeriesSamples[], from: number): string[] {
  const out: string[] = [];
  for (const s of series) {
    const idx: number[] = [];
    for (let i = 0; i < s.timestamps.length; i++) if (s.timestamps[i]! >= from) idx.push(i);
    if (idx.length === 0) continue;
    const bits = bitsOfArray(s.values);
    out.push(`${JSON.stringify(s.labels)} ${idx.map((i) => s.timestamps[i]).join(',')} ${idx.map((i) => bits[i]).join(',')}`);
  }
  return out.sort();
}

async function template(dir: string, data: readonly SeriesSamples[]): Promise<void> {
  const store = await Store.open({ dir, now: () => END, fsync: 'off', maintenanceIntervalMs: 0, retentionMs: 365 * 24 * HOUR });
  for (let t = START; t < END; t += 10 * 60_000) {
    const batch = data.map((s) => {
      const idx: number[] = [];
      for (let i = 0; i < s.timestamps.length; i++) if (s.timestamps[i]! >= t && s.timestamps[i]! < t + 10 * 60_000) idx.push(i);
      const values = new Float64Array(idx.length);
      idx.forEach((i, k) => values.set((s.values as Float64Array).subarray(i, i + 1), k));
      return { labels: s.labels, timestamps: idx.map((i) => s.timestamps[i]!), values };
    });
    assert.equal((await store.append(batch)).rejected, 0);
  }
  await store.close();
}

for (const [mode, retentionMs] of [['compaction', 365 * 24 * HOUR], ['compaction and retention', 5 * HOUR]] as const) {
  test(`blocks survive SIGKILL during ${mode} (${TRIALS} kills)`, { timeout: 300_000 }, async () => {
    const data = synthSeries(10, START, 14 * HOUR, 21);
    const base = await tempDir('obspath-blkcrash-');
    try {
      const pristine = join(base.path, 'pristine');
      await template(pristine, data);
      const calib = join(base.path, 'calib');
      await cp(pristine, calib, { recursive: true });
      const { doneMs, output } = await runChild(calib, retentionMs, null);
      assert.ok(doneMs !== null, `the child finished its compaction: ${output}`);
      const finalBlocks = await blockDirs(calib);
      let midway = 0;
      const r = rng(4242 + retentionMs % 97);
      for (let trial = 0; trial < TRIALS; trial++) {
        const dir = join(base.path, `t${trial}`);
        await cp(pristine, dir, { recursive: true });
        const killAfter = Math.floor(r() * doneMs * 1.2);
        await runChild(dir, retentionMs, killAfter);
        const onDisk = await blockDirs(dir);
        if (onDisk.tmp > 0 || (onDisk.blocks > 0 && onDisk.blocks !== finalBlocks.blocks)) midway++;
        const warnings: string[] = [];
        const store = await Store.open({ dir, now: () => END, fsync: 'off', maintenanceIntervalMs: 0, retentionMs, onWarning: (m) => warnings.push(m) });
        try {
          const ranges = store.blockRanges();
          for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i]![0] >= ranges[i - 1]![1], `trial ${trial} (kill at ${killAfter} ms): overlapping blocks ${JSON.stringify(ranges)}`);
          assert.deepEqual(warnings, [], `trial ${trial}`);
          const got = new Map(store.select(ALL, -Infinity, Infinity).map((x) => [JSON.stringify(x.labels), x]));
          for (const want of data) {
            const have = got.get(JSON.stringify(want.labels));
            // Without retention: every sample. With it: a tail of the series (whole chunks or blocks go),
            // never missing a sample newer than the retention cutoff.
            const from: number = retentionMs > 24 * HOUR ? -Infinity : (have?.timestamps[0] ?? Infinity);
            if (retentionMs <= 24 * HOUR) assert.ok(from <= END - retentionMs, `trial ${trial}: samples newer than retention lost (from ${from})`);
            const ctx: string = `trial ${trial} (kill at ${killAfter} ms of ${doneMs.toFixed(0)}), ${JSON.stringify(want.labels)}`;
            assert.deepEqual(text(have === undefined ? [] : [have], -Infinity), text([want], from), ctx);
          }
          const leftovers = (await readdir(dir)).filter((n) => n.includes('.tmp'));
          assert.deepEqual(leftovers, [], 'temp directories removed at open');
        } finally {
          await store.close();
        }
      }
      assert.ok(midway > 0, 'some kill landed in the middle of the block work');
    } finally {
      await base.cleanup();
    }
  });
}
