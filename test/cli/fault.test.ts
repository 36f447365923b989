// `obspath fault list|inject|clear` against a running `obspath up` (found through <data>/stack.json), and the
// clear errors without one: no stack.json, a stack.json whose stack is gone, an unknown fault name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAULTS } from '../../src/stack/index.js';
import { withFaultStack } from '../../tools/testing/fault-stack.js';
import { tempDir } from '../../tools/testing/net.js';
import { startObspath } from '../../tools/testing/procs.js';

/** Runs `obspath fault ...` without blocking this process (the stack under test answers from it). */
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

test('obspath fault list, inject, clear against a running stack; an unknown name exits 2 with the catalog', { timeout: 180_000 }, async () => {
  await withFaultStack([], async ({ stack, dataDir }) => {
    const list = await fault(['list', '--data', dataDir]);
    assert.equal(list.code, 0, list.stderr);
    for (const f of FAULTS) assert.match(list.stdout, new RegExp(`^${f.name} +- +${f.hop} `, 'm'));
    assert.match(list.stdout, /^active: none$/m);

    const pidsBefore = new Map(stack.supervisor.status().map((c) => [c.name, c.pid]));
    const injected = await fault(['inject', 'wrong-client-secret', '--data', dataDir]);
    assert.equal(injected.code, 0, injected.stderr);
    assert.match(injected.stdout, /^injected wrong-client-secret \(hop token-refresher\): restarted token-refresher$/m);
    assert.match(injected.stdout, /the fleet manager records 503; alerts: .*TokenRefresherDown.*; doctor verdict: invalid-client-credentials/);
    assert.deepEqual(stack.plan.faults, ['wrong-client-secret']);
    for (const c of stack.supervisor.status()) if (c.name !== 'token-refresher') assert.equal(c.pid, pidsBefore.get(c.name), `${c.name} kept running`);

    const again = await fault(['inject', 'wrong-client-secret', '--data', dataDir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already active since \d{4}-/);
    const json = await fault(['list', '--json', '--data', dataDir]);
    const body = JSON.parse(json.stdout) as { data: { faults: { name: string; active: boolean }[] } };
    assert.deepEqual(body.data.faults.filter((f) => f.active).map((f) => f.name), ['wrong-client-secret']);

    const conflict = await fault(['inject', 'wrong-url-path', '--data', dataDir]);
    assert.equal(conflict.code, 0, 'wrong-url-path combines with wrong-client-secret');
    const refused = await fault(['inject', 'wrong-url-host', '--data', dataDir]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /obspath fault: cannot inject wrong-url-host while wrong-url-path is active/);
    assert.equal((await fault(['clear', 'wrong-url-path', '--data', dataDir])).code, 0);

    const unknown = await fault(['inject', 'no-such-fault', '--data', dataDir]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, new RegExp(`unknown fault "no-such-fault"; known faults: ${FAULTS.map((f) => f.name).join(', ')}`));

    const cleared = await fault(['clear', 'wrong-client-secret', '--data', dataDir]);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /^cleared wrong-client-secret: restarted token-refresher$/m);
    assert.deepEqual(stack.plan.faults, []);
    assert.match((await fault(['clear', 'wrong-client-secret', '--data', dataDir])).stdout, /it was not active/);
  });
});
