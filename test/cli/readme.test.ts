// Every ```sh example of README.md, run as written (see readme-blocks.ts), all blocks at once, from a
// scratch directory that sees the repository's docs/ and test/ folders. `npx obspath` runs this
// checkout's bin; `npm ci` checks that the installed tree matches package.json instead of reinstalling,
// and `npm test` checks that the script exists instead of running the suite from inside itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitUntil } from '../../tools/testing/net.js';
import { OBSPATH_BIN, REPO_ROOT, processGroupMembers } from '../../tools/testing/procs.js';
import { blockScript, shellBlocks, type ReadmeBlock } from './readme-blocks.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const BLOCKS = shellBlocks(README);

/** `npx` and `npm` stand-ins on PATH, so the README's lines run unchanged. */
function writeShims(bin: string): void {
  const realNpm = spawnSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'npx'), `#!/usr/bin/env bash
[ "$1" = obspath ] || { echo "npx: only obspath is expected in README examples, got $1" >&2; exit 97; }
shift
exec "${process.execPath}" "${OBSPATH_BIN}" "$@"
`);
  writeFileSync(join(bin, 'npm'), `#!/usr/bin/env bash
cd "${REPO_ROOT}"
case "$*" in
  ci) exec "${realNpm}" ls --depth=0 >/dev/null ;;
  test) grep -q '"test": "bash scripts/test.sh"' package.json && test -f scripts/test.sh ;;
  *) echo "npm: unexpected in README examples: $*" >&2; exit 97 ;;
esac
`);
  for (const f of ['npx', 'npm']) chmodSync(join(bin, f), 0o755);
}

/** True once nothing of process group `pgid` runs any more, polled until `timeoutMs`. */
async function groupEnds(pgid: number, timeoutMs: number): Promise<boolean> {
  try {
    await waitUntil(() => processGroupMembers(pgid).length === 0, timeoutMs, `process group ${pgid} to end`);
    return true;
  } catch {
    return false;
  }
}

interface BlockResult { code: number | null; output: string; ms: number; stoppedBy: 'SIGINT' | 'SIGKILL'; leftRunning: number[] }

/** Runs one block in its own process group; whatever it left running is stopped when it ends. */
async function runBlock(block: ReadmeBlock, cwd: string, bin: string, logs: string): Promise<BlockResult> {
  const started = Date.now();
  const child = spawn('bash', ['-c', blockScript(block, 40)], {
    cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, LOGS: logs },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const pgid = child.pid!;
  const killGroup = (signal: NodeJS.Signals) => { try { process.kill(-pgid, signal); } catch { /* gone */ } };
  process.once('exit', () => killGroup('SIGKILL'));
  const timer = setTimeout(() => { output += '\n(block timed out after 90 s)'; killGroup('SIGKILL'); }, 90_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  const ms = Date.now() - started;
  // Stop the block's servers as Ctrl-C would and wait until they are gone (a server still draining holds its
  // ports); SIGKILL only what ignores that. `obspath up`'s components live in their own groups: up stops them
  // on SIGINT, and they stop themselves when up is SIGKILLed.
  killGroup('SIGINT');
  if (await groupEnds(pgid, 20_000)) return { code, output, ms, stoppedBy: 'SIGINT', leftRunning: [] };
  killGroup('SIGKILL');
  await groupEnds(pgid, 10_000);
  return { code, output, ms, stoppedBy: 'SIGKILL', leftRunning: processGroupMembers(pgid) };
}

test('README.md: the examples are found (both first commands, servers, one-shot commands)', () => {
  assert.ok(BLOCKS.length >= 6, `expected at least 6 sh blocks, found ${BLOCKS.length}`);
  assert.equal(BLOCKS[0]!.commands[0]!.text, 'npm ci && npx obspath up');
  assert.equal(BLOCKS[1]!.commands[0]!.text, 'npm ci && npm test');
  const all = BLOCKS.flatMap((b) => b.commands);
  for (const sub of ['issuer', 'store', 'api', 'token-refresher', 'fleet-manager']) {
    assert.ok(all.some((c) => c.server && c.text.includes(`npx obspath ${sub} `)), `a running ${sub} example`);
  }
  assert.ok(all.some((c) => /npx obspath doctor/.test(c.text)), 'a doctor example');
  assert.ok(/--log\.level warn/.test(README), 'the quiet `up` is mentioned');
});

test('README.md: every sh block runs as written', { timeout: 240_000 }, async () => {
  const dir = await tempDir('obspath-readme-');
  try {
    for (const shared of ['docs', 'test']) symlinkSync(join(REPO_ROOT, shared), join(dir.path, shared));
    const bin = join(dir.path, '.bin');
    const logs = join(dir.path, '.logs');
    mkdirSync(logs);
    writeShims(bin);
    const total = Date.now();
    // The blocks use ports that collide neither with each other nor with obspath up (the README says so),
    // so they run side by side; each one's commands run in order.
    const results = await Promise.all(BLOCKS.map((block) => runBlock(block, dir.path, bin, logs)));
    BLOCKS.forEach((block, i) => console.log(`README.md:${block.line}: ${block.commands.length} command(s), exit ${results[i]!.code}, ${(results[i]!.ms / 1000).toFixed(1)} s, stopped by ${results[i]!.stoppedBy} (${results[i]!.output.match(/^\+ .*$/gm)?.join(', ')})`));
    console.log(`README.md: ${BLOCKS.length} blocks in ${((Date.now() - total) / 1000).toFixed(1)} s`);
    BLOCKS.forEach((block, i) => assert.equal(results[i]!.code, 0, `README.md:${block.line} failed:\n${results[i]!.output}`));
    BLOCKS.forEach((block, i) => assert.deepEqual(results[i]!.leftRunning, [], `README.md:${block.line} left processes running after SIGKILL`));
  } finally {
    await dir.cleanup();
  }
});
