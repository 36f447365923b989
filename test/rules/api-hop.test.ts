// /api/v1/rules and /api/v1/alerts through the Observatorium API: `obspath api` proxies them to `obspath store`
// (which evaluates the rules) and each tenant sees only the alerts carrying its tenant label.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, type Proc } from '../../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS } from '../../tools/testing/remote-write.js';
import { startIssuerProc, type IssuerProc } from '../../tools/testing/stack.js';
import { CLIENTS, TENANT_A, TENANT_B, call, getToken, startApiProc, type ApiProc } from '../../tools/testing/api.js';

let dir: { path: string; cleanup: () => Promise<void> };
let issuer: IssuerProc;
let store: Proc;
let api: ApiProc;

before(async () => {
  dir = await tempDir();
  writeFileSync(join(dir.path, 'rules.yaml'), `groups:
  - name: tenants
    interval: 1s
    rules:
      - alert: QueueTooLong
        expr: queue_length > 10
        annotations: { summary: "queue of tenant {{ $labels.tenant_id }} holds {{ $value }}" }
      # A tenant's own rule carries its tenant label (the API shows a tenant only its rules).
      - alert: AlphaQueueTooLong
        expr: queue_length{tenant_id="${TENANT_A.id}"} > 10
        labels: { tenant_id: "${TENANT_A.id}" }
`);
  const port = await freePort();
  const storeUrl = `http://127.0.0.1:${port}`;
  store = startObspath(['store', '--storage.path', join(dir.path, 'data'), '--web.listen', `127.0.0.1:${port}`, '--storage.fsync', 'off', '--rules.file', join(dir.path, 'rules.yaml'), '--log.level', 'warn']);
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

test('each tenant reads its own firing alerts and rules through the API', async () => {
  for (const [tenant, client, value] of [[TENANT_A, 'alpha-writer', 50], [TENANT_B, 'beta-writer', 70]] as const) {
    const token = await getToken(issuer.issuerUrl, client);
    const now = Date.now();
    const body = encodeTestWriteRequest([{ labels: { __name__: 'queue_length', queue: 'q1' }, samples: [[now - 1000, value], [now, value]] }]);
    const w = await call(`${api.url}/api/metrics/v1/${tenant.name}/api/v1/receive`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body, token });
    assert.equal(w.status, 204, w.text);
  }
  const token = await getToken(issuer.issuerUrl, 'alpha-writer');
  let alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string>; state: string }> = [];
  await waitUntil(async () => {
    const r = await call(`${api.url}/api/metrics/v1/${TENANT_A.name}/api/v1/alerts`, { token });
    alerts = r.json?.data?.alerts ?? [];
    return r.status === 200 && alerts.length > 0;
  }, 15_000, 'alpha\'s alert through the API');
  await waitUntil(async () => ((await call(`${api.url}/api/metrics/v1/${TENANT_A.name}/api/v1/alerts`, { token })).json?.data?.alerts ?? []).length === 2, 10_000, 'both of alpha\'s alerts');
  alerts = (await call(`${api.url}/api/metrics/v1/${TENANT_A.name}/api/v1/alerts`, { token })).json!.data.alerts;
  assert.deepEqual(alerts.map((a) => [a.labels.alertname, a.labels.tenant_id, a.state]).sort(), [['AlphaQueueTooLong', TENANT_A.id, 'firing'], ['QueueTooLong', TENANT_A.id, 'firing']]);
  assert.equal(alerts.find((a) => a.labels.alertname === 'QueueTooLong')!.annotations.summary, `queue of tenant ${TENANT_A.id} holds 50`);
  const rules = await call(`${api.url}/api/metrics/v1/${TENANT_A.name}/api/v1/rules`, { token });
  assert.equal(rules.status, 200, rules.text);
  const shown = rules.json!.data.groups.flatMap((g: { rules: Array<{ name: string; alerts: unknown[] }> }) => g.rules);
  assert.deepEqual(shown.map((r: { name: string }) => r.name), ['AlphaQueueTooLong'], 'only the rule carrying alpha\'s tenant label');
  assert.equal(shown[0].alerts.length, 1);
  const betaToken = await getToken(issuer.issuerUrl, 'beta-writer');
  let beta: Array<{ labels: Record<string, string> }> = [];
  await waitUntil(async () => {
    beta = (await call(`${api.url}/api/metrics/v1/${TENANT_B.name}/api/v1/alerts`, { token: betaToken })).json?.data?.alerts ?? [];
    return beta.length > 0;
  }, 10_000, 'beta\'s alert through the API');
  assert.deepEqual(beta.map((a) => [a.labels.alertname, a.labels.tenant_id]), [['QueueTooLong', TENANT_B.id]], 'beta sees its own alert only');
});
