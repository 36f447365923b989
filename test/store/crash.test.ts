// Crash safety: a child ingests under load and is SIGKILLed at random points. After each kill the
// store is reopened: every acknowledged batch must be there, and anything else present must be from a
// batch that was sent (its ack may have been lost), never garbage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../../tools/testing/net.js';
import { rng } from './util.js';

const FIXTURE = new URL('./fixtures/crash-writer.ts', import.meta.url).pathname;
const SERIES = 10;
const TRIALS = Number(process.env.CRASH_TRIALS ?? 24);

interface Trial {
  sent: Set<number>;
  acked: Set<number>;
  output: string;
}

function runAndKill(dir: string, first: number, t0: number, killAfterMs: number, fsync: string): Promise<Trial> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, String(first), String(t0), String(SERIES), fsync], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const sent = new Set<number>();
    const acked = new Set<number>();
    let out = '';
    let buf = '';
    let timer: NodeJS.Timeout | null = null;
    const killer = () => process.kill(child.pid!, 'SIGKILL');
    process.once('exit', killer);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'READY') timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        else if (line.startsWith('S ')) sent.add(Number(line.slice(2)));
        else if (line.startsWith('A ')) acked.add(Number(line.slice(2)));
        else out += line + '\n';
      }
    });
    child.on('error', reject);
    // 'close', not 'exit': only then has all of the child's stdout been read (lines can trail the exit).
    child.on('close', (code, signal) => {
      process.off('exit', killer);
      if (timer !== null) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited by itself (code ${code}): ${out}`));
      else resolve({ sent, acked, output: out });
    });
  });
}

test(`crash safety: ${TRIALS} SIGKILLs at random points lose no acknowledged sample and add no garbage`, { timeout: 120_000 }, async (t) => {
  const dir = await tempDir('obspath-crash-');
  const r = rng(Number(process.env.CRASH_SEED ?? 20240611));
  const t0 = Date.now();
  const sent = new Set<number>();
  const acked = new Set<number>();
  let next = 0;
  let totalAcked = 0;
  let tornTails = 0;
  const unackedPresent = new Set<number>();
  try {
    for (let trial = 0; trial < TRIALS; trial++) {
      const killAfter = Math.floor(r() * 400);
      // Alternate the two ack paths: after fdatasync (group commit), and after a synchronous write.
      const res = await runAndKill(dir.path, next, t0, killAfter, trial % 2 === 0 ? 'always' : 'batch');
      for (const b of res.sent) sent.add(b);
      for (const b of res.acked) acked.add(b);
      totalAcked += res.acked.size;
      next = Math.max(next, ...res.sent) + 1;

      const store = await Store.open({ dir: dir.path, fsync: 'always', maintenanceIntervalMs: 0, retentionMs: 365 * 24 * 3600_000, onWarning: () => tornTails++ });
      try {
        const present = new Map<number, number>(); // batch -> series seen
        for (const s of store.select([{ type: '=', name: '__name__', value: 'crash_test' }], -Infinity, Infinity)) {
          const i = Number(s.labels.find((l) => l.name === 'i')!.value);
          for (let k = 0; k < s.timestamps.length; k++) {
            const v = s.values[k]!;
            const b = Math.floor(v / 1000);
            const ctx = `trial ${trial}: series ${i} sample t=${s.timestamps[k]} v=${v}`;
            assert.equal(v - b * 1000, i, `${ctx}: value from another series`);
            assert.equal(s.timestamps[k], t0 + b * 10, `${ctx}: timestamp does not match its batch`);
            assert.ok(sent.has(b), `${ctx}: batch ${b} was never sent`);
            present.set(b, (present.get(b) ?? 0) + 1);
          }
        }
        for (const b of present.keys()) if (!acked.has(b)) unackedPresent.add(b);
        for (const b of acked) assert.equal(present.get(b), SERIES, `trial ${trial}: acknowledged batch ${b} is missing (${present.get(b) ?? 0}/${SERIES} series)`);
      } finally {
        await store.close();
      }
    }
    t.diagnostic(`${totalAcked} batches acknowledged, ${sent.size} sent, ${tornTails} torn WAL tails repaired, ${unackedPresent.size} unacknowledged batches found present`);
    assert.ok(totalAcked > TRIALS * 5, `the writer made little progress (${totalAcked} acks): the test would prove nothing`);
  } finally {
    await dir.cleanup();
  }
});
