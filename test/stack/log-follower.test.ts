// LogFollower, as `obspath logs -f` uses it: opened before the history is read, so a line written between the
// two is followed once (neither lost nor printed twice), and a half-written line is followed whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../tools/testing/net.js';
import { LogFollower, readLogLines } from '../../src/stack/log-stream.js';

test('a line written after the follower opens and before the history is read: in the follow, not the history', async () => {
  const dir = await tempDir();
  try {
    const path = join(dir.path, 'api.log');
    writeFileSync(join(dir.path, 'api.log.1'), 'rotated\n');
    writeFileSync(path, 'old\n');
    const followed: string[] = [];
    const f = new LogFollower(path, (l) => followed.push(l), true);
    appendFileSync(path, 'between\n');
    assert.deepEqual(readLogLines(dir.path, 'api', f), ['rotated', 'old']);
    f.poll();
    assert.deepEqual(followed, ['between']);
    f.poll();
    assert.deepEqual(followed, ['between'], 'printed once');
    f.close();
  } finally {
    await dir.cleanup();
  }
});

test('a line half written when the follower opens is followed whole, not cut in two', async () => {
  const dir = await tempDir();
  try {
    const path = join(dir.path, 'api.log');
    writeFileSync(path, 'one\ntw');
    const followed: string[] = [];
    const f = new LogFollower(path, (l) => followed.push(l), true);
    assert.deepEqual(f.history(), ['one']);
    appendFileSync(path, 'o\nthree\n');
    f.poll();
    assert.deepEqual(followed, ['two', 'three']);
    f.close();
  } finally {
    await dir.cleanup();
  }
});
