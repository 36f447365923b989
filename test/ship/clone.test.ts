// A user's first run: `git clone` of this repository's HEAD into an empty folder (nothing beside it), `npm ci` (whose
// `prepare` builds dist/), `npx obspath --help`, and the tests that once read files outside the repository, run in the clone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../../tools/testing/net.js';
import { REPO_ROOT } from '../../tools/testing/procs.js';

const run = promisify(execFile);

test('a fresh clone with nothing beside it: npm ci builds a runnable CLI and the conformance and deploy tests pass there', async () => {
  const dir = await tempDir('obspath-clone-');
  try {
    const parent = join(dir.path, 'src');
    mkdirSync(parent);
    const clone = join(parent, 'obspath');
    const head = (await run('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT })).stdout.trim();
    await run('git', ['clone', '--quiet', '--no-checkout', REPO_ROOT, clone]);
    await run('git', ['checkout', '--quiet', '--detach', head], { cwd: clone });
    assert.deepEqual(readdirSync(parent), ['obspath'], 'the clone is alone in its folder');

    // The node test runner's own variables would make the child runner report to us instead of printing.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('NODE_TEST')));
    await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, env, maxBuffer: 16 << 20 });
    assert.ok(existsSync(join(clone, 'dist', 'cli', 'main.js')), 'prepare built dist/');
    const help = await run('npx', ['--no-install', 'obspath', '--help'], { cwd: clone, env });
    assert.match(help.stdout, /Usage: obspath/);

    const files = ['test/promql/conformance.test.ts', 'test/promql/format.test.ts', 'test/doctor/live-units.test.ts', 'test/deploy/deploy.test.ts', 'test/deploy/manifests.test.ts'];
    const res = await run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { cwd: clone, env, maxBuffer: 32 << 20, timeout: 600_000 })
      .catch((e: { stdout: string; stderr: string }) => e);
    assert.match(res.stdout, /^# fail 0$/m, `${res.stdout.slice(-6000)}\n${res.stderr.slice(-2000)}`);
    assert.match(res.stdout, /^# pass [1-9]\d*$/m);
  } finally {
    await dir.cleanup();
  }
});
