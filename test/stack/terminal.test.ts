// `obspath up` on a real terminal (Debian's tmux): start-up progress, then the banner, which stays on screen for a
// minute on a healthy stack (one line per change, no component logs); Ctrl-C stops it cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePortRange, tempDir, waitUntil } from '../../tools/testing/net.js';
import { OBSPATH_BIN, REPO_ROOT } from '../../tools/testing/procs.js';

const SOCKET = `obspath-terminal-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
/** What the terminal shows now (the visible pane, not its scrollback). */
const screen = (): string => tmux('capture-pane', '-p', '-t', 'up');

test('obspath up in tmux: progress, then the banner stays on screen for a minute; no JSON log line', async () => {
  const dir = await tempDir();
  const base = await freePortRange(13);
  const command = `'${process.execPath}' '${OBSPATH_BIN}' up --ports ${base} --data '${dir.path}'; echo "[up exited $?]"; sleep 300`;
  tmux('new-session', '-d', '-s', 'up', '-x', '160', '-y', '50', '-c', REPO_ROOT, command);
  try {
    await waitUntil(() => /Changes \(component logs/.test(screen()), 60_000, `the banner\n${screen()}`);
    const first = screen();
    assert.match(first, /^ {2}store ready after \d+\.\d s$/m, 'start-up progress, one line per component ready');
    assert.ok(first.indexOf('ready after') < first.indexOf('obspath up: ready in'), 'progress before the banner');
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 60_000));
    const later = screen();
    console.log(`after ${((Date.now() - t0) / 1000).toFixed(0)} s the screen shows:\n${later.trimEnd()}`);
    assert.match(later, /^obspath up: ready in \d+\.\d s$/m, 'the ready line is still on screen');
    assert.match(later, new RegExp(`^ {2}console +http://127\\.0\\.0\\.1:${base + 9}/$`, 'm'), 'the console URL is still on screen');
    assert.match(later, /^Changes \(component logs: obspath logs \[component\] \[-f\]\):$/m);
    const jsonLines = later.split('\n').filter((l) => /^\s*\{/.test(l) || /"level":/.test(l));
    assert.deepEqual(jsonLines, [], 'no component log line on the terminal');
    const changes = later.slice(later.indexOf('Changes (')).split('\n').slice(1).filter((l) => l.trim());
    for (const c of changes) assert.match(c, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}\S/, 'each change line starts with its time');
    assert.ok(existsSync(join(dir.path, 'logs', 'api.log')) && existsSync(join(dir.path, 'logs', 'up.log')), 'the logs went to <data>/logs/');
    tmux('send-keys', '-t', 'up', 'C-c');
    await waitUntil(() => /\[up exited 0\]/.test(screen()), 20_000, `up exits 0 on Ctrl-C\n${screen()}`);
  } finally {
    try { tmux('kill-server'); } catch { /* already gone */ }
    await dir.cleanup();
  }
});
