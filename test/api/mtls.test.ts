// mTLS tenants end to end (observatorium/api's `mTLS: {caPath}`): the API serves TLS, the caller is the client
// certificate's first email SAN, RBAC applies to it; remote write and query by our client and by Prometheus 2.42
// (remote_write tls_config with a client certificate); promtool 2.42 as a TLS client of the refresher.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { CLIENTS, RBAC_YAML, SECRET, TENANT_A, startApiProc, tenantsYaml, type ApiProc } from '../../tools/testing/api.js';
import { tempDir, waitUntil } from '../../tools/testing/net.js';
import { startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { REMOTE_WRITE_HEADERS, encodeTestWriteRequest } from '../../tools/testing/remote-write.js';
import { startIssuerProc, startRefresherProc, type IssuerProc } from '../../tools/testing/stack.js';
import { issueCert, loopbackServerCert, makeCa, type Ca, type CertFiles } from '../../tools/testing/tls.js';

let dir: { path: string; cleanup: () => Promise<void> };
let ca: Ca;
let clientCa: Ca;
let server: CertFiles;
let issuer: IssuerProc;
let api: ApiProc;
let base: string;

const GAMMA = { name: 'gamma', id: 'gggg-3333' };

before(async () => {
  dir = await tempDir('obspath-mtls-');
  ca = makeCa(dir.path, 'server-ca');
  clientCa = makeCa(dir.path, 'client-ca');
  server = loopbackServerCert(ca, 'api');
  issuer = await startIssuerProc({ dir: dir.path, clients: CLIENTS });
  const caPath = join(dir.path, 'gamma-ca.crt');
  await writeFile(caPath, clientCa.cert);
  const tenants = `${tenantsYaml(issuer.issuerUrl)}  - name: ${GAMMA.name}\n    id: ${GAMMA.id}\n    mTLS:\n      caPath: ${caPath}\n`;
  const rbac = RBAC_YAML.replace('roleBindings:\n', `  - name: gamma-rw\n    resources: [metrics]\n    tenants: [gamma]\n    permissions: [read, write]\nroleBindings:\n  - name: gamma-rw\n    roles: [gamma-rw]\n    subjects: [{ name: writer@example.com, kind: user }, { name: team-w, kind: group }]\n`);
  api = await startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, tenants, rbac, args: ['--storage.path', join(dir.path, 'store'), '--tls.server.cert-file', server.certFile, '--tls.server.key-file', server.keyFile] });
  base = `${api.url.replace('http:', 'https:')}/api/metrics/v1/${GAMMA.name}`;
});
after(async () => {
  await api?.stop();
  await issuer?.stop();
  await dir.cleanup();
});

async function call(path: string, client: CertFiles | undefined, init: { method?: 'GET' | 'POST'; body?: Uint8Array; headers?: Record<string, string> } = {}) {
  const agent = new Agent({ connect: { ca: ca.cert, ...(client ? { cert: client.cert, key: client.key } : {}) } });
  try {
    const res = await request(`${base}${path}`, { method: init.method ?? 'GET', body: init.body, headers: init.headers, dispatcher: agent });
    const text = await res.body.text();
    return { status: res.statusCode, text, json: (() => { try { return JSON.parse(text) as Record<string, any>; } catch { return undefined; } })() };
  } finally {
    await agent.close();
  }
}

test('an mTLS tenant: written and read with a client certificate; 401 without one or from another CA; RBAC on the email subject', async () => {
  const writer = issueCert(clientCa, 'writer', { cn: 'writer', emails: ['writer@example.com'], usage: 'client' });
  const byGroup = issueCert(clientCa, 'by-group', { cn: 'cn-only', ou: ['team-w'], usage: 'client' });
  const nobody = issueCert(clientCa, 'nobody', { cn: 'nobody', emails: ['nobody@example.com'], usage: 'client' });
  const stranger = issueCert(ca, 'stranger', { cn: 'writer', emails: ['writer@example.com'], usage: 'client' });
  const expired = issueCert(clientCa, 'old', { cn: 'old', emails: ['writer@example.com'], usage: 'client', notBefore: new Date('2020-01-01'), notAfter: new Date('2020-01-02') });

  const now = Date.now();
  const body = encodeTestWriteRequest([{ labels: { __name__: 'mtls_written', job: 'mtls' }, samples: [[now, 42]] }]);
  const w = await call('/api/v1/receive', writer, { method: 'POST', body, headers: REMOTE_WRITE_HEADERS });
  assert.ok(w.status >= 200 && w.status < 300, `${w.status} ${w.text}`);
  const q = await call('/api/v1/query?query=mtls_written', byGroup);
  assert.equal(q.status, 200, q.text);
  assert.equal(q.json!.data.result.length, 1);
  assert.equal(q.json!.data.result[0].metric.tenant_id, GAMMA.id);
  assert.equal(q.json!.data.result[0].value[1], '42');

  const none = await call('/api/v1/query?query=1', undefined);
  assert.equal(none.status, 401);
  assert.equal(none.json!.hop, 'auth');
  assert.equal(none.json!.reason, 'no_client_certificate');
  for (const c of [stranger, expired]) {
    const r = await call('/api/v1/query?query=1', c);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json!.reason, 'untrusted_certificate');
  }
  const denied = await call('/api/v1/query?query=1', nobody);
  assert.equal(denied.status, 403, denied.text);
  assert.match(denied.json!.error, /subject "nobody@example.com" has no "read" permission on metrics of tenant "gamma"/);
  // The OIDC tenant beside it still wants its token, certificate or not.
  const alpha = await request(`${api.url.replace('http:', 'https:')}/api/metrics/v1/${TENANT_A.name}/api/v1/query?query=1`, { dispatcher: new Agent({ connect: { ca: ca.cert, cert: writer.cert, key: writer.key } }) });
  assert.equal(alpha.statusCode, 401);
  await alpha.body.dump();
});

test('Prometheus 2.42 remote-writes to the mTLS tenant with tls_config (CA, client certificate)', async () => {
  const prom = issueCert(clientCa, 'prometheus', { cn: 'prometheus', emails: ['writer@example.com'], usage: 'client' });
  let p: Backend | undefined;
  try {
    p = await startPrometheus({
      config: `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs: [{ targets: ['127.0.0.1:1'] }]\nremote_write:\n  - url: ${base}/api/v1/receive\n    tls_config:\n      ca_file: ${ca.certFile}\n      cert_file: ${prom.certFile}\n      key_file: ${prom.keyFile}\n    queue_config: { batch_send_deadline: 1s }\n`,
    });
    await waitUntil(async () => {
      const r = await call('/api/v1/query?query=up{job="self"}', prom);
      return r.status === 200 && r.json!.data.result.length === 1;
    }, 60_000, 'Prometheus\'s up{job="self"} arrived in tenant gamma over mTLS');
  } finally {
    await p?.stop();
  }
});

test('promtool 2.42 queries through the refresher over TLS, trusting the CA by SSL_CERT_FILE (it has no --http.config.file)', async () => {
  const refCert = loopbackServerCert(ca, 'refresher');
  const refresher = await startRefresherProc({
    issuerUrl: issuer.issuerUrl, clientId: 'alpha-writer', clientSecret: SECRET, upstreamUrl: `${api.url.replace('http:', 'https:')}/api/metrics/v1/${TENANT_A.name}`,
    args: ['--upstream.ca-file', ca.certFile, '--tls.server.cert-file', refCert.certFile, '--tls.server.key-file', refCert.keyFile, '--log.level', 'warn'],
  });
  try {
    const url = refresher.proxyUrl.replace('http:', 'https:');
    const run = promisify(execFile);
    const ok = await run('promtool', ['query', 'instant', url, 'vector(7)'], { env: { ...process.env, SSL_CERT_FILE: ca.certFile } });
    assert.match(ok.stdout, /=> 7 @/);
    await assert.rejects(run('promtool', ['query', 'instant', url, 'vector(7)'], { env: { ...process.env, SSL_CERT_FILE: clientCa.certFile } }), /certificate signed by unknown authority/);
  } finally {
    await refresher.stop();
  }
});
