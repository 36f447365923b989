// `obspath fault`'s clear errors without a running stack: no stack.json, a stack.json whose stack is gone, no
// fault name. Against a running stack it is tested in test/stack/live-faults.test.ts (one stack for both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../../tools/testing/net.js';
import { startObspath } from '../../tools/testing/procs.js';

/** Runs `obspath fault ...` as a user would. */
async function fault(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = startObspath(['fault', ...args]);
  let stdout = '';
  let stderr = '';
  proc.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)));
  await proc.kill(); // exited already: this only drops its exit hook
  return { code, stdout, stderr };
}

test('obspath fault: no stack in the data directory is a clear error naming it and what was tried (exit 1)', async () => {
  const dir = await tempDir();
  try {
    const missing = await fault(['list', '--data', dir.path]);
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, new RegExp(`no running obspath up in ${dir.path}: ${join(dir.path, 'stack.json')} does not exist; start one with \`obspath up --data ${dir.path}\``));
    // A stack.json left by a stack that is gone (Ctrl-C'd): its pid does not run any more.
    const gone = startObspath(['--version']);
    await new Promise((r) => gone.child.once('exit', r));
    await gone.kill();
    await writeFile(join(dir.path, 'stack.json'), JSON.stringify({ pid: gone.child.pid, consoleUrl: 'http://127.0.0.1:9' }));
    const stale = await fault(['inject', 'api-down', '--data', dir.path]);
    assert.equal(stale.code, 1, stale.stderr);
    assert.match(stale.stderr, new RegExp(`written by pid ${gone.child.pid}, which is not running`));
    const usage = await fault(['clear', '--data', dir.path]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /which fault\?/);
  } finally {
    await dir.cleanup();
  }
});
