// Prometheus itself as the writing client: it scrapes the API's own /metrics and remote-writes them
// through the API with its oauth2 client-credentials config against `obspath issuer`; the samples are
// then read back through the API, carrying the tenant label.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir, waitUntil } from '../../tools/testing/net.js';
import { startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { startIssuerProc, type IssuerProc } from '../../tools/testing/stack.js';
import { CLIENTS, SECRET, TENANT_A, TENANT_B, call, getToken, startApiProc, type ApiProc } from '../../tools/testing/api.js';

let dir: { path: string; cleanup: () => Promise<void> };
let issuer: IssuerProc;
let store: Backend;
let writer: Backend;
let api: ApiProc;

before(async () => {
  dir = await tempDir('obspath-api-rw-');
  [issuer, store] = await Promise.all([startIssuerProc({ dir: dir.path, clients: CLIENTS }), startPrometheus()]);
  api = await startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, args: ['--metrics.read.endpoint', store.url, '--metrics.write.endpoint', `${store.url}/api/v1/write`] });
  const target = new URL(api.internalUrl).host;
  writer = await startPrometheus({
    config: `global:
  scrape_interval: 1s
scrape_configs:
  - job_name: obspath-api
    static_configs: [{ targets: ['${target}'] }]
remote_write:
  - url: ${api.url}/api/metrics/v1/${TENANT_A.name}/api/v1/receive
    oauth2:
      client_id: alpha-writer
      client_secret: ${SECRET}
      token_url: ${issuer.issuerUrl}/token
    queue_config: { batch_send_deadline: 500ms, min_backoff: 100ms, max_backoff: 1s }
`,
  });
});

after(async () => {
  await writer?.stop();
  await api?.stop();
  await Promise.all([issuer?.stop(), store?.stop()]);
  await dir.cleanup();
});

test('Prometheus remote-writes through the API with oauth2 and the data reads back for its tenant only', async () => {
  const token = await getToken(issuer.issuerUrl, 'alpha-writer');
  const q = (tenant: string, tok: string) => call(`${api.url}/api/metrics/v1/${tenant}/api/v1/query?query=${encodeURIComponent('up{job="obspath-api"}')}`, { token: tok });
  await waitUntil(async () => ((await q(TENANT_A.name, token)).json?.data?.result?.length ?? 0) > 0, 30_000, `remote-written samples visible\n${writer.proc.output().slice(-2000)}`);
  const r = await q(TENANT_A.name, token);
  const s = r.json!.data.result[0] as { metric: Record<string, string>; value: [number, string] };
  assert.equal(s.metric.tenant_id, TENANT_A.id);
  assert.equal(s.value[1], '1');
  // The API counted Prometheus's writes; tenant B sees none of it.
  const m = (await call(`${api.internalUrl}/metrics`)).text;
  assert.match(m, new RegExp(`http_requests_total\\{group="metricsv1",handler="receive",code="204",method="POST",tenant="${TENANT_A.id}"\\} [1-9]`));
  const b = await q(TENANT_B.name, await getToken(issuer.issuerUrl, 'beta-writer'));
  assert.equal(b.status, 200);
  assert.deepEqual(b.json!.data.result, []);
  // Directly in the store, every written series carries tenant A's label.
  const direct = await call(`${store.url}/api/v1/query?query=${encodeURIComponent('count by (tenant_id) ({job="obspath-api"})')}`);
  assert.deepEqual((direct.json!.data.result as Array<{ metric: Record<string, string> }>).map((x) => x.metric.tenant_id), [TENANT_A.id]);
});
