// The doctor's socket probes on a stalled event loop: a peer that accepted (or answered) while this process was
// blocked is seen as such, not as dropped packets or a silent server; a peer that really never answers still
// ends the probe. The stall starts from the check phase, so the next loop iteration runs the probe's timer
// before the poll phase: the order in which a plain setTimeout deadline misread a listening peer every time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { probeDeadline, probeHttpServer, probeTcp } from '../../src/doctor/live/http-probe.js';

const TIMEOUT_MS = 50;
const STALL_MS = 200;

function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

/** Starts a probe from the check phase and blocks the event loop right after its connect was issued. */
function stalled<T>(start: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => setImmediate(() => {
    const p = start();
    process.nextTick(() => busy(STALL_MS));
    p.then(resolve, reject);
  }));
}

async function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((s) => {
    s.on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

let answering: { server: Server; url: string };
let silent: { server: Server; url: string };
const held: Socket[] = [];
before(async () => {
  answering = await listen((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  silent = await listen((s) => held.push(s));
});
after(() => {
  for (const s of held) s.destroy();
  answering.server.close();
  silent.server.close();
});

test('doctor probes, stalled event loop: a listening peer is accepted, not read as dropped packets', async () => {
  for (let i = 0; i < 10; i++) {
    const r = await stalled(() => probeTcp(answering.url, TIMEOUT_MS));
    assert.equal(r.outcome, 'accepted', `round ${i}: ${JSON.stringify(r)}`);
  }
});

test('doctor probes, stalled event loop: a server that answers is seen answering, not silent', async () => {
  for (let i = 0; i < 10; i++) {
    const r = await stalled(() => probeHttpServer(answering.url, TIMEOUT_MS));
    assert.equal(r.outcome, 'answers', `round ${i}: ${JSON.stringify(r)}`);
    assert.equal(r.statusLine, 'HTTP/1.1 400 Bad Request');
  }
});

test('doctor probes, stalled event loop: a server that never answers still ends the probe as silent', async () => {
  const r = await stalled(() => probeHttpServer(silent.url, TIMEOUT_MS));
  assert.equal(r.outcome, 'silent');
  assert.ok(r.ms >= STALL_MS, `${r.ms} ms`);
  const quiet = await probeHttpServer(silent.url, TIMEOUT_MS);
  assert.equal(quiet.outcome, 'silent');
});

test('probeDeadline: fires once when the loop runs freely, never once cleared', async () => {
  let fired = 0;
  probeDeadline(10, () => fired++);
  const cleared = probeDeadline(10, () => fired += 100);
  cleared.clear();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(fired, 1);
});
