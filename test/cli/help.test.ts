// Every command's --help ends with examples and fits 100 columns; --list-faults fits 120.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { OBSPATH_BIN } from '../../tools/testing/procs.js';

const COMMANDS = ['', 'up', 'issuer', 'token-refresher', 'api', 'fleet-manager', 'store', 'promqltest', 'probe', 'doctor', 'doctor serve'];

function obspath(args: string[]) {
  const r = spawnSync(process.execPath, [OBSPATH_BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, COLUMNS: '200' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const widest = (text: string) => text.split('\n').reduce((w, l) => (l.length > w.length ? l : w), '');

for (const name of COMMANDS) {
  test(`obspath ${name || '(no command)'} --help: an Examples block with 2-3 examples, no line over 100 columns`, () => {
    const r = obspath([...(name ? name.split(' ') : []), '--help']);
    assert.equal(r.code, 0, r.stderr);
    const examples = r.stdout.split('\nExamples:\n')[1];
    assert.ok(examples, `no Examples block:\n${r.stdout}`);
    // Each example: a "# what" line, then the command, starting with `npx obspath` or its env settings.
    const count = examples.split(/\n\n/).filter((e) => /^  # .+\n  (\S+=\S+ )*(npx obspath|\S+=\S+ \\$)/m.test(e)).length;
    assert.ok(count >= 2 && count <= 3, `expected 2-3 examples, found ${count}:\n${examples}`);
    assert.ok(widest(r.stdout).length <= 100, `a line of ${widest(r.stdout).length} columns: ${widest(r.stdout)}`);
  });
}

test('obspath up --list-faults: every fault, no line over 120 columns; --verbose and --describe-fault give the details', () => {
  const list = obspath(['up', '--list-faults']);
  assert.equal(list.code, 0, list.stderr);
  for (const f of ['wrong-url-host', 'issuer-slow', 'refresher-blackholed', 'rate-limited', 'audience-mismatch']) assert.match(list.stdout, new RegExp(`^${f} `, 'm'));
  assert.ok(widest(list.stdout).length <= 120, `a line of ${widest(list.stdout).length} columns: ${widest(list.stdout)}`);
  const verbose = obspath(['up', '--list-faults', '--verbose']);
  assert.equal(verbose.code, 0, verbose.stderr);
  assert.ok(widest(verbose.stdout).length <= 120, `a line of ${widest(verbose.stdout).length} columns: ${widest(verbose.stdout)}`);
  assert.match(verbose.stdout, /^refresher-down \(runbook step 4, hop token-refresher\)\n  injects +the refresher crashes at start/m);
  const one = obspath(['up', '--describe-fault', 'backend-slow']);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^backend-slow \(runbook step 5, hop backend\)$/m);
  assert.match(one.stdout, /^  alerts +ObservatoriumRequestsNon2xx, ObservatoriumProbeFailing$/m);
  assert.doesNotMatch(one.stdout, /wrong-url-host/);
  const unknown = obspath(['up', '--describe-fault', 'gremlins']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown fault "gremlins"/);
});
