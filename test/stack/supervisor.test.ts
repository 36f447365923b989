import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { LogMux } from '../../src/stack/log-stream.js';
import { Supervisor } from '../../src/stack/supervisor.js';
import { waitUntil } from '../helpers/net.js';

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
