// The Alertmanager notifier against real HTTP servers on loopback: batches of at most maxBatchSize posted to
// every Alertmanager, a slow one cut by the per-call timeout (counted as errors, the other still gets them),
// alerts dropped (and counted) when no Alertmanager takes them or the queue overflows, external labels added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { Notifier, type PostableAlert } from '../../src/rules/index.js';
import { waitUntil } from '../../tools/testing/net.js';

async function receiver(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const bodies: PostableAlert[][] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/api/v2/alerts') bodies.push(JSON.parse(body) as PostableAlert[]);
      handle(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, bodies, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const alert = (i: number): PostableAlert => ({ labels: { alertname: 'A', i: String(i) }, annotations: {}, startsAt: new Date(0).toISOString(), endsAt: new Date(60_000).toISOString(), generatorURL: 'http://store/graph' });

async function metric(reg: Registry, name: string, labels = ''): Promise<number> {
  const line = (await reg.metrics()).split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name}{`)));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

test('batches to every Alertmanager, with external labels; a slow one times out and counts errors', async () => {
  const ok = await receiver((_q, res) => res.writeHead(200).end());
  const slow = await receiver(() => { /* never answers */ });
  const reg = new Registry();
  const n = new Notifier({ alertmanagerUrls: [ok.url, `${slow.url}/`], maxBatchSize: 4, timeoutMs: 300, externalLabels: { cluster: 'c1', i: 'never-overrides' }, registry: reg });
  try {
    n.send(Array.from({ length: 10 }, (_, i) => alert(i)));
    await waitUntil(async () => (await metric(reg, 'obspath_notifications_errors_total', `{alertmanager="${slow.url}/"}`)) === 10, 10_000, 'slow Alertmanager timed out on every batch');
    assert.deepEqual(ok.bodies.map((b) => b.length), [4, 4, 2], 'at most maxBatchSize per post');
    assert.deepEqual(ok.bodies.flat().map((a) => [a.labels.i, a.labels.cluster]), Array.from({ length: 10 }, (_, i) => [String(i), 'c1']));
    assert.equal(await metric(reg, 'obspath_notifications_sent_total', `{alertmanager="${ok.url}"}`), 10);
    assert.equal(await metric(reg, 'obspath_notifications_dropped_total'), 0, 'one Alertmanager took them: nothing dropped');
    assert.equal(n.queueLength, 0);
  } finally {
    await ok.close();
    await slow.close();
  }
});

test('alerts no Alertmanager accepts are dropped and counted; a full queue drops its oldest', async () => {
  const failing = await receiver((_q, res) => res.writeHead(500).end('boom'));
  const reg = new Registry();
  const warnings: string[] = [];
  const n = new Notifier({ alertmanagerUrls: [failing.url], queueCapacity: 5, maxBatchSize: 100, registry: reg, warn: (m) => warnings.push(m) });
  try {
    // The first send starts posting at once (its batch leaves the queue); the next ones queue up behind it.
    n.send([alert(0)]);
    n.send(Array.from({ length: 8 }, (_, i) => alert(i + 1)));
    assert.equal(n.queueLength, 5);
    assert.equal(await metric(reg, 'obspath_notifications_dropped_total'), 3, 'queue overflow drops the oldest');
    await n.flush();
    await waitUntil(async () => (await metric(reg, 'obspath_notifications_dropped_total')) === 9, 5000, 'failed batches dropped');
    assert.deepEqual(failing.bodies.map((b) => b.map((a) => a.labels.i)), [['0'], ['4', '5', '6', '7', '8']], 'the newest 5 were kept');
    assert.equal(await metric(reg, 'obspath_notifications_errors_total', `{alertmanager="${failing.url}"}`), 6);
    assert.ok(warnings.some((w) => /bad response status 500: boom/.test(w)), warnings.join('\n'));
  } finally {
    await failing.close();
  }
});
