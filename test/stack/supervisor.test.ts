import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import { LogMux } from '../../src/stack/log-stream.js';
import { Supervisor } from '../../src/stack/supervisor.js';
import { freePortRange, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { OBSPATH_BIN, REPO_ROOT } from '../../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS } from '../../tools/testing/remote-write.js';

function sink() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  return { out, text: () => text };
}

test('logs of several components are merged line by line with aligned prefixes', async () => {
  const s = sink();
  const mux = new LogMux(s.out, false);
  const a = new PassThrough();
  const b = new PassThrough();
  mux.attach('api', a);
  mux.attach('token-refresher', b);
  a.write('{"msg":"one"}\n{"msg":"tw');
  b.write('hello\n');
  a.write('o"}\n');
  a.end('tail-without-newline');
  await new Promise((r) => setImmediate(r));
  const lines = s.text().split('\n').filter(Boolean);
  assert.deepEqual(new Set(lines), new Set([
    'token-refresher | hello',
    'api             | {"msg":"one"}',
    'api             | {"msg":"two"}',
    'api             | tail-without-newline',
  ]));
  assert.equal(lines.length, 4);
  assert.match(s.text(), /^api {13}\| \{"msg":"one"\}$/m);
});

test('a crashing component is restarted with growing backoff and reported as crash looping; stopAll ends everything', async () => {
  const s = sink();
  const sup = new Supervisor(new LogMux(s.out, false));
  sup.start({ name: 'steady', command: process.execPath, args: ['-e', 'console.log("up"); setInterval(() => {}, 1000)'], restart: true });
  sup.start({ name: 'crasher', command: process.execPath, args: ['-e', 'console.error("bad config"); process.exit(2)'], restart: true });
  await waitUntil(() => (sup.status().find((c) => c.name === 'crasher')?.restarts ?? 0) >= 2, 10_000, 'two restarts');
  const crasher = sup.status().find((c) => c.name === 'crasher')!;
  assert.equal(crasher.crashLooping, true);
  assert.equal(crasher.lastExit?.code, 2);
  const steady = sup.status().find((c) => c.name === 'steady')!;
  assert.equal(steady.running, true);
  assert.equal(steady.restarts, 0);
  assert.match(s.text(), /crasher +\| bad config/);
  assert.match(s.text(), /supervisor +\| crasher exited \(code 2, signal -\); restart 1 in 1000 ms \(crash loop\)/);
  assert.match(s.text(), /restart 2 in 2000 ms/);
  await sup.stopAll(2000);
  assert.ok(sup.status().every((c) => !c.running));
});

/** `obspath up` as a terminal runs it: the leader of its own process group, so Ctrl-C can go to the group. */
function startUpInGroup(base: number, dataDir: string): { child: ChildProcess; output: () => string; exited: Promise<void> } {
  // --verbose: the components' and the supervisor's lines on stdout, where this test reads them.
  const child = spawn(process.execPath, [OBSPATH_BIN, 'up', '--verbose', '--ports', String(base), '--data', dataDir], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  process.once('exit', killGroup);
  void exited.then(() => process.off('exit', killGroup));
  return { child, output: () => out, exited };
}

async function storeValue(storeUrl: string, selector: string): Promise<string | undefined> {
  const res = await fetch(`${storeUrl}/api/v1/query?query=${encodeURIComponent(selector)}`);
  const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
  return body.data?.result?.[0]?.value[1];
}

test('Ctrl-C on obspath up: one signal per child, in-flight requests drained, exit 0, data kept across a restart', async () => {
  const dir = await tempDir('obspath-ctrlc-');
  const base = await freePortRange(13);
  const storeUrl = `http://127.0.0.1:${base + 1}`;
  const now = Date.now();
  const written = encodeTestWriteRequest([{ labels: { __name__: 'ctrlc_before', run: 'a' }, samples: [[now, 42]] }]);
  const inFlight = encodeTestWriteRequest([{ labels: { __name__: 'ctrlc_in_flight', run: 'a' }, samples: [[now, 7]] }]);
  let up = startUpInGroup(base, dir.path);
  try {
    await waitUntil(() => /obspath up: ready in/.test(up.output()), 30_000, `up ready\n${up.output()}`);
    // Under load `up` may report before every child listens; Ctrl-C is tested on a stack that runs.
    const listening = [base + 3, base + 5, base + 7, base + 8].map((p) => `http://127.0.0.1:${p}/metrics`);
    await waitUntil(async () => (await Promise.all(listening.map(httpOk))).every(Boolean), 60_000, 'every component listening');
    const w = await fetch(`${storeUrl}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: written });
    assert.equal(w.status, 204);
    assert.equal(await storeValue(storeUrl, 'ctrlc_before'), '42');

    // A remote write whose headers are in but whose body is not: in flight when Ctrl-C comes.
    const answer = new Promise<number>((resolve, reject) => {
      const req = request(`${storeUrl}/api/v1/write`, { method: 'POST', headers: { ...REMOTE_WRITE_HEADERS, 'content-length': String(inFlight.length) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(inFlight.subarray(0, 3));
      setTimeout(() => {
        process.kill(-up.child.pid!, 'SIGINT'); // what the terminal does on Ctrl-C: the whole foreground group
        setTimeout(() => req.end(inFlight.subarray(3)), 300);
      }, 200);
    });
    assert.equal(await answer, 204, 'the request in flight at Ctrl-C is served');
    await Promise.race([up.exited, new Promise((r) => setTimeout(r, 20_000))]);
    const out = up.output();
    assert.equal(up.child.exitCode, 0, `up exit code\n${out.slice(-3000)}`);
    assert.doesNotMatch(out, /second signal/, 'no component took Ctrl-C for a second signal');
    for (const c of ['issuer', 'store', 'api', 'token-refresher', 'fleet-manager', 'probe']) {
      assert.match(out, new RegExp(`^supervisor +\\| ${c} stopped \\(code 0, signal -\\)`, 'm'), `${c} exits 0 on the supervisor's SIGTERM`);
    }
    assert.match(out, /^\{.*"component":"up","signal":"SIGINT","msg":"shutting down"/m, 'up took the Ctrl-C');
    assert.doesNotMatch(out, /^[a-z-]+ +\| .*"signal":"SIGINT"/m, 'no child saw the terminal\'s SIGINT');

    up = startUpInGroup(base, dir.path);
    await waitUntil(() => /obspath up: ready in/.test(up.output()), 30_000, `up ready again\n${up.output()}`);
    assert.equal(await storeValue(storeUrl, 'ctrlc_before'), '42', 'written before Ctrl-C, present after the restart');
    assert.equal(await storeValue(storeUrl, 'ctrlc_in_flight'), '7', 'written during Ctrl-C, present after the restart');
  } finally {
    if (up.child.exitCode === null) process.kill(-up.child.pid!, 'SIGINT');
    await Promise.race([up.exited, new Promise((r) => setTimeout(r, 20_000))]);
    await dir.cleanup();
  }
});
