// `obspath logs` on log files written here: one component raw, all interleaved by time with a prefix, -n,
// an unknown component, and -f following across appends, rotation (<name>.log -> <name>.log.1) and truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, type Proc } from '../../tools/testing/procs.js';

const line = (component: string, time: string, msg: string) => JSON.stringify({ level: 'info', time, component, msg });

async function run(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = startObspath(args);
  await waitUntil(() => p.child.exitCode !== null, 15_000, `obspath ${args.join(' ')} exits`);
  return { code: p.child.exitCode, out: p.output() };
}

async function withLogs(fn: (data: string, logs: string) => Promise<void>): Promise<void> {
  const dir = await tempDir();
  const logs = join(dir.path, 'logs');
  mkdirSync(logs);
  try {
    await fn(dir.path, logs);
  } finally {
    await dir.cleanup();
  }
}

test('obspath logs: one component as written, all interleaved by time with a prefix, -n, unknown names refused', async () => {
  await withLogs(async (data, logs) => {
    writeFileSync(join(logs, 'api.log'), `${line('api', '2026-01-01T10:00:01.000Z', 'a1')}\n${line('api', '2026-01-01T10:00:03.000Z', 'a2')}\n`);
    writeFileSync(join(logs, 'token-refresher.log.1'), `${line('token-refresher', '2026-01-01T10:00:00.000Z', 'r0')}\n`);
    writeFileSync(join(logs, 'token-refresher.log'), `${line('token-refresher', '2026-01-01T10:00:02.000Z', 'r1')}\n`);
    const one = await run(['logs', 'api', '--data', data]);
    assert.equal(one.code, 0, one.out);
    assert.deepEqual(one.out.trimEnd().split('\n').map((l) => JSON.parse(l).msg), ['a1', 'a2']);
    const all = await run(['logs', '--data', data]);
    assert.equal(all.code, 0, all.out);
    const rows = all.out.trimEnd().split('\n');
    assert.deepEqual(rows.map((l) => /^(\S+) +\| /.exec(l)?.[1]), ['token-refresher', 'api', 'token-refresher', 'api']);
    assert.deepEqual(rows.map((l) => JSON.parse(l.slice(l.indexOf('| ') + 2)).msg), ['r0', 'a1', 'r1', 'a2'], 'the rotated file first, merged by time');
    const last = await run(['logs', 'api', '-n', '1', '--data', data]);
    assert.deepEqual(last.out.trimEnd().split('\n').map((l) => JSON.parse(l).msg), ['a2']);
    const bad = await run(['logs', 'gremlins', '--data', data]);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /obspath logs: unknown component "gremlins"; known components: issuer, store, api, token-refresher, fleet-manager, probe, doctor/);
    const none = await run(['logs', '--data', join(data, 'nope')]);
    assert.equal(none.code, 1);
    assert.match(none.out, /no logs in .*nope.logs/);
  });
});

test('obspath logs -f: new lines, a rotated file read to its end, a truncated one read again, a new component joining', async () => {
  await withLogs(async (data, logs) => {
    const api = join(logs, 'api.log');
    writeFileSync(api, `${line('api', '2026-01-01T10:00:00.000Z', 'old')}\n`);
    let p: Proc | undefined;
    try {
      p = startObspath(['logs', '-f', '--data', data]);
      const seen = (msg: string) => p!.output().includes(`"msg":"${msg}"`);
      await waitUntil(() => seen('old'), 10_000, `history\n${p.output()}`);
      appendFileSync(api, `${line('api', '2026-01-01T10:00:01.000Z', 'appended')}\n`);
      await waitUntil(() => seen('appended'), 10_000, `an appended line\n${p.output()}`);
      // As LogMux rotates: a last line into the old file, renamed to .1, a new file at the same path.
      appendFileSync(api, `${line('api', '2026-01-01T10:00:02.000Z', 'before-rotation')}\n`);
      renameSync(api, `${api}.1`);
      writeFileSync(api, `${line('api', '2026-01-01T10:00:03.000Z', 'after-rotation')}\n`);
      await waitUntil(() => seen('after-rotation'), 10_000, `after rotation\n${p.output()}`);
      assert.ok(seen('before-rotation'), 'the old file was read to its end');
      // A new run of the stack truncates the file in place.
      writeFileSync(api, `${line('api', '2026-01-01T11:00:00.000Z', 'new-run')}\n`);
      await waitUntil(() => seen('new-run'), 10_000, `after truncation\n${p.output()}`);
      writeFileSync(join(logs, 'probe.log'), `${line('probe', '2026-01-01T11:00:01.000Z', 'probe-joined')}\n`);
      await waitUntil(() => seen('probe-joined'), 10_000, `a new component\n${p.output()}`);
      assert.match(p.output(), /^probe +\| \{.*"msg":"probe-joined"/m);
      const order = ['old', 'appended', 'before-rotation', 'after-rotation', 'new-run'].map((m) => p!.output().indexOf(`"msg":"${m}"`));
      assert.deepEqual([...order].sort((a, b) => a - b), order, 'lines in the order written');
      assert.equal(p.output().split('"msg":"appended"').length, 2, 'no line printed twice');
    } finally {
      await p?.kill('SIGINT');
    }
  });
});
