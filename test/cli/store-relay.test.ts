// `obspath store` runs with its V8 flag (--max-semi-space-size) however it is started: a bare start re-runs
// itself with it and relays (src/cli/store-relay.ts); NODE_OPTIONS from `obspath up` or the operator runs in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { storeNodeOptions, storeSemiSpaceFlag } from '../../src/config/store-node-options.js';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { processGone, startObspath, type Proc } from '../../tools/testing/procs.js';

/** The node processes whose parent is `pid`, with their command lines. */
function childrenOf(pid: number): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && !processGone(Number(name))) out.push({ pid: Number(name), argv: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter((a) => a !== '') });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

async function startStore(env: NodeJS.ProcessEnv = {}): Promise<{ proc: Proc; url: string; dir: string; cleanup(): Promise<void> }> {
  const dir = await tempDir('obspath-relay-');
  const port = await freePort();
  const proc = startObspath(['store', '--storage.path', join(dir.path, 'data'), '--web.listen', `127.0.0.1:${port}`, '--log.level', 'info'], env);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(() => httpOk(`${url}/-/ready`), 30_000, `store ready\n${proc.output()}`);
  return { proc, url, dir: dir.path, cleanup: async () => { await proc.stop(); await dir.cleanup(); } };
}

test('the flag: 8 MB by default, the variable sets or turns it off, an operator\'s own flag wins', () => {
  assert.equal(storeSemiSpaceFlag({}, []), '--max-semi-space-size=8');
  assert.equal(storeSemiSpaceFlag({ OBSPATH_STORE_SEMI_SPACE_MB: '12' }, []), '--max-semi-space-size=12');
  assert.equal(storeSemiSpaceFlag({ OBSPATH_STORE_SEMI_SPACE_MB: 'off' }, []), undefined);
  assert.equal(storeSemiSpaceFlag({}, ['--max_semi_space_size=2']), undefined);
  assert.equal(storeSemiSpaceFlag({ NODE_OPTIONS: '--trace-gc --max-semi-space-size 4' }, []), undefined);
  assert.throws(() => storeSemiSpaceFlag({ OBSPATH_STORE_SEMI_SPACE_MB: '8MB' }, []), /OBSPATH_STORE_SEMI_SPACE_MB must be a whole number of MB/);
  assert.equal(storeNodeOptions({ NODE_OPTIONS: '--trace-warnings' }), '--max-semi-space-size=8 --trace-warnings');
  assert.equal(storeNodeOptions({ NODE_OPTIONS: '--max-semi-space-size=2' }), '--max-semi-space-size=2');
  assert.equal(storeNodeOptions({ OBSPATH_STORE_SEMI_SPACE_MB: 'off' }), undefined);
});

test('a bare `obspath store` relays to one store with the flag; SIGTERM stops it gracefully with its exit code', { timeout: 60_000 }, async () => {
  const s = await startStore();
  try {
    const children = childrenOf(s.proc.child.pid!);
    assert.equal(children.length, 1, JSON.stringify(children));
    assert.ok(children[0]!.argv.includes('--max-semi-space-size=8'), children[0]!.argv.join(' '));
    await s.proc.stop(10_000);
    assert.equal(s.proc.child.exitCode, 0, s.proc.output());
    assert.equal(s.proc.output().match(/"msg":"shutting down"/g)?.length, 1, `one signal reached the store:\n${s.proc.output()}`);
    assert.match(s.proc.output(), /"msg":"stopped"/);
    assert.ok(processGone(children[0]!.pid));
  } finally {
    await s.cleanup();
  }
});

test('SIGKILL of the relaying process kills the store at once, as a SIGKILL of the store would', { timeout: 60_000 }, async () => {
  const s = await startStore();
  try {
    const [store] = childrenOf(s.proc.child.pid!);
    assert.ok(store !== undefined);
    await s.proc.kill('SIGKILL');
    await waitUntil(() => processGone(store.pid), 10_000, 'the store dies with its relay');
    assert.doesNotMatch(s.proc.output(), /"msg":"shutting down"/);
  } finally {
    await s.cleanup();
  }
});

test('with the flag in NODE_OPTIONS, or turned off, the store runs in place (no second process)', { timeout: 60_000 }, async () => {
  for (const env of [{ NODE_OPTIONS: '--max-semi-space-size=4' }, { OBSPATH_STORE_SEMI_SPACE_MB: 'off' }]) {
    const s = await startStore(env);
    try {
      assert.deepEqual(childrenOf(s.proc.child.pid!), [], JSON.stringify(env));
    } finally {
      await s.cleanup();
    }
  }
});

test('a bad OBSPATH_STORE_SEMI_SPACE_MB is refused before the store starts, exit 2', { timeout: 60_000 }, async () => {
  const dir = await tempDir('obspath-relay-');
  try {
    const p = startObspath(['store', '--storage.path', join(dir.path, 'data'), '--web.listen', `127.0.0.1:${await freePort()}`], { OBSPATH_STORE_SEMI_SPACE_MB: '8MB' });
    await waitUntil(() => p.child.exitCode !== null, 30_000, 'exits');
    assert.equal(p.child.exitCode, 2);
    assert.match(p.output(), /obspath store: OBSPATH_STORE_SEMI_SPACE_MB must be a whole number of MB/);
    assert.deepEqual(readdirSync(dir.path), [], 'the data dir is not created');
  } finally {
    await dir.cleanup();
  }
});
