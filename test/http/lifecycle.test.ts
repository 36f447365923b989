// ComponentServers: the one server lifecycle of every component (listen naming the flag, stop in order,
// a failed start cleaned up, a request in flight drained on close).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { ComponentServers } from '../../src/http/lifecycle.js';
import { createHttpApp, ListenError } from '../../src/http/server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { createRegistry } from '../../src/telemetry/metrics.js';

const logger = createLogger({ component: 'test', level: 'silent' });

test('main and internal servers listen in order; close runs stopBefore, drains the servers, then releaseAfter, once', async () => {
  const steps: string[] = [];
  const servers = new ComponentServers({
    stopBefore: () => void steps.push('stop'),
    releaseAfter: async () => void steps.push('release'),
  });
  const main = createHttpApp({ logger, hop: 'api' });
  main.get('/x', async () => 'main');
  main.addHook('onClose', async () => void steps.push('main closed'));
  const { mainUrl, internalUrl } = await servers.start(async () => ({
    mainUrl: await servers.listen(main, '127.0.0.1:0', '--web.listen'),
    internalUrl: await servers.listenInternal({ logger, registry: createRegistry(), component: 'api', readiness: () => ({ ready: false, reason: 'warming_up' }) }, '127.0.0.1:0', '--web.internal.listen'),
  }));
  assert.equal(await (await fetch(`${mainUrl}/x`)).text(), 'main');
  const ready = await fetch(`${internalUrl}/ready`);
  assert.equal(ready.status, 503);
  assert.equal((await ready.json()).reason, 'warming_up');
  assert.equal((await fetch(`${internalUrl}/live`)).status, 200);
  const [a, b] = [servers.close(), servers.close()];
  assert.equal(a, b, 'a second close shares the first');
  await a;
  assert.deepEqual(steps, ['stop', 'main closed', 'release']);
  await assert.rejects(fetch(`${mainUrl}/x`));
  await assert.rejects(fetch(`${internalUrl}/live`));
});

test('a taken address fails the start with a ListenError naming the flag, and what had started is stopped', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  const steps: string[] = [];
  const servers = new ComponentServers({ stopBefore: () => void steps.push('stop'), releaseAfter: () => void steps.push('release') });
  let mainUrl = '';
  const err = await servers.start(async () => {
    mainUrl = await servers.listen(createHttpApp({ logger, hop: 'fleet-manager' }), '127.0.0.1:0', '--api-server-bindaddress');
    await servers.listenInternal({ logger, registry: createRegistry(), component: 'fleet-manager', readiness: () => ({ ready: true }) }, `127.0.0.1:${port}`, '--metrics-server-bindaddress');
  }).catch((e: unknown) => e);
  assert.ok(err instanceof ListenError, String(err));
  assert.equal(err.message, `cannot listen on 127.0.0.1:${port} (--metrics-server-bindaddress): address already in use`);
  assert.deepEqual(steps, ['stop', 'release']);
  await assert.rejects(fetch(`${mainUrl}/`), 'the main server that had started is closed');
  taken.close();
});

test('an invalid address names its flag too', async () => {
  const servers = new ComponentServers();
  const err = await servers.start(() => servers.listen(createHttpApp({ logger, hop: 'probe' }), 'nonsense', '--listen')).catch((e: unknown) => e);
  assert.ok(err instanceof ListenError);
  assert.match(err.message, /^cannot listen on nonsense \(--listen\): invalid address/);
});

test('close drains a request in flight: it is answered, with Connection: close', async () => {
  const servers = new ComponentServers();
  const app = createHttpApp({ logger, hop: 'api' });
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const inHandler = new Promise<void>((r) => (arrived = r));
  app.get('/slow', async () => {
    arrived();
    await held;
    return 'done';
  });
  const url = await servers.listen(app, '127.0.0.1:0', '--web.listen');
  const pending = fetch(`${url}/slow`);
  await inHandler;
  const closed = servers.close();
  // Once the listener is closed the server is draining (its preClose hook has run).
  while (app.server.listening) await new Promise((r) => setImmediate(r));
  release();
  const res = await pending;
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'done');
  assert.equal(res.headers.get('connection'), 'close');
  await closed;
});
