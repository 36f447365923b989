// Native histograms remote-written through the Observatorium API (`obspath api` in front of `obspath store`, both
// real processes): tenant enforcement sets the tenant label and passes the histograms through byte for byte, so
// each tenant's histograms land in the store under that tenant's label only, identical to what was sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, type Proc } from '../../tools/testing/procs.js';
import { startIssuerProc, type IssuerProc } from '../../tools/testing/stack.js';
import { CLIENTS, TENANT_A, TENANT_B, call, getToken, startApiProc, type ApiProc } from '../../tools/testing/api.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../../src/remotewrite/encode.js';
import type { WireHistogram } from '../../src/remotewrite/histogram-proto.js';
import { histogramToFloat } from '../../src/histogram/convert.js';
import { Store } from '../../src/store/store.js';
import { rng } from '../store/util.js';
import { wireSeries } from '../store/histogram-util.js';

let dir: { path: string; cleanup: () => Promise<void> };
let issuer: IssuerProc;
let store: Proc;
let api: ApiProc;

before(async () => {
  dir = await tempDir('obspath-api-hist-');
  const port = await freePort();
  const storeUrl = `http://127.0.0.1:${port}`;
  store = startObspath(['store', '--storage.path', join(dir.path, 'data'), '--web.listen', `127.0.0.1:${port}`, '--storage.fsync', 'off', '--log.level', 'warn']);
  issuer = await startIssuerProc({ dir: dir.path, clients: CLIENTS });
  await waitUntil(() => httpOk(`${storeUrl}/-/ready`), 20_000, `store ready\n${store.output()}`);
  api = await startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, args: ['--metrics.read.endpoint', storeUrl, '--metrics.write.endpoint', `${storeUrl}/api/v1/write`] });
});

after(async () => {
  await api?.stop();
  await store?.stop();
  await issuer?.stop();
  await dir?.cleanup();
});

test('a histogram remote-written through the API lands in the store for that tenant only, unchanged', { timeout: 60_000 }, async () => {
  const r = rng(11);
  const now = Date.now() - 30_000;
  const sent = new Map<string, WireHistogram[]>();
  for (const [tenant, client, kind] of [[TENANT_A, 'alpha-writer', 'int'], [TENANT_B, 'beta-writer', 'float']] as const) {
    const hs = wireSeries(r, [now, now + 15_000], kind);
    sent.set(tenant.id, hs);
    // A caller's own tenant label is replaced by the API.
    const body = encodeWriteRequest([{ labels: [{ name: '__name__', value: 'api_h' }, { name: 'tenant_id', value: 'forged' }], timestamps: [], values: [], histograms: hs }]);
    const w = await call(`${api.url}/api/metrics/v1/${tenant.name}/api/v1/receive`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: new Uint8Array(body), token: await getToken(issuer.issuerUrl, client) });
    assert.equal(w.status, 204, w.text);
  }
  // An invalid histogram comes back from the store through the API as a 400 naming the series.
  const bad = sent.get(TENANT_A.id)![0]!;
  const badBody = encodeWriteRequest([{ labels: [{ name: '__name__', value: 'api_h_bad' }], timestamps: [], values: [], histograms: [{ ...bad, timestamp: now, histogram: { ...bad.histogram, count: bad.histogram.count + 1 } } as WireHistogram] }]);
  const rejected = await call(`${api.url}/api/metrics/v1/${TENANT_A.name}/api/v1/receive`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: new Uint8Array(badBody), token: await getToken(issuer.issuerUrl, 'alpha-writer') });
  assert.equal(rejected.status, 400, rejected.text);
  assert.match(rejected.text, /invalid native histogram.*api_h_bad\{tenant_id=\\"aaaa-1111\\"\}/);

  // Read back through the API: each tenant sees its own histogram series only.
  for (const [tenant, client] of [[TENANT_A, 'alpha-writer'], [TENANT_B, 'beta-writer']] as const) {
    const q = await call(`${api.url}/api/metrics/v1/${tenant.name}/api/v1/query?query=api_h&time=${(now + 20_000) / 1000}`, { token: await getToken(issuer.issuerUrl, client) });
    assert.equal(q.status, 200, q.text);
    const result = q.json!.data.result as Array<{ metric: Record<string, string>; histogram?: [number, { count: string }] }>;
    assert.equal(result.length, 1, q.text);
    assert.equal(result[0]!.metric.tenant_id, tenant.id);
    assert.equal(Number(result[0]!.histogram![1].count), sent.get(tenant.id)![1]!.histogram.count);
  }

  await store.stop(); // a clean shutdown; the store's data directory is then read in process
  const s = await Store.open({ dir: join(dir.path, 'data'), fsync: 'off', maintenanceIntervalMs: 0 });
  try {
    const got = s.select([{ type: '=', name: '__name__', value: 'api_h' }], -Infinity, Infinity);
    assert.equal(got.length, 2);
    for (const g of got) {
      const tenant = g.labels.find((l) => l.name === 'tenant_id')!.value;
      const want = sent.get(tenant);
      assert.ok(want !== undefined, `unexpected tenant label ${tenant}`);
      assert.deepEqual(Array.from(g.histograms!.timestamps), want.map((h) => h.timestamp));
      assert.deepEqual(g.histograms!.values, want.map((h) => (h.float ? h.histogram : histogramToFloat(h.histogram))), tenant);
    }
  } finally {
    await s.close();
  }
});
