import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair } from 'jose';
import { scanLogs } from '../../src/doctor/logs/scan.js';
import { suspectsFromScan } from '../../src/doctor/checks/logs.js';
import { compareObservatoriumUrl, environmentOfUrl, urlShapeProblems } from '../../src/doctor/checks/observatorium-url.js';
import { compareTokenClaims } from '../../src/doctor/checks/token-claims.js';
import { readRefresherConfig, describeSource } from '../../src/doctor/refresher-config.js';
import { redactText } from '../../src/doctor/redact.js';

// Real-looking lines: obspath's pino JSON, the Go refresher (logfmt + Go's standard logger), KFM (glog).
const OBSPATH_REFRESHER = [
  '{"level":"info","time":"2024-05-02T10:00:00.000Z","component":"token-refresher","proxy":"http://0.0.0.0:8080","msg":"token refresher started"}',
  '{"level":"error","time":"2024-05-02T10:00:01.120Z","component":"token-refresher","reason":"invalid_client","consecutiveFailures":1,"holdingValidToken":false,"msg":"cannot obtain access token: issuer answered 401 invalid_client: Invalid client or Invalid client credentials"}',
  '{"level":"error","time":"2024-05-02T10:00:21.120Z","component":"token-refresher","reason":"invalid_client","consecutiveFailures":20,"holdingValidToken":false,"msg":"cannot obtain access token: issuer answered 401 invalid_client"}',
  '{"level":"warn","time":"2024-05-02T10:01:00.000Z","component":"token-refresher","reqId":"req-7","upstream":"observatorium-mst.api.stage.openshift.com","reason":"dns","code":"ENOTFOUND","msg":"upstream request failed: getaddrinfo ENOTFOUND observatorium-mst.api.stage.openshift.com"}',
  '{"level":"warn","time":"2024-05-02T10:01:05.000Z","component":"token-refresher","upstream":"observatorium-mst.api.stage.openshift.com","reason":"refused","code":"ECONNREFUSED","msg":"upstream request failed: connect ECONNREFUSED 10.0.0.1:443"}',
].join('\n');

const GO_REFRESHER = [
  'level=info ts=2024-05-02T09:59:58.1Z caller=main.go:151 name=token-refresher msg="starting token refresher"',
  'level=error ts=2024-05-02T09:59:58.9Z caller=main.go:189 name=token-refresher msg="OIDC provider initialization failed" err="Get \\"https://sso.redhat.com/auth/realms/redhat-external/.well-known/openid-configuration\\": dial tcp: lookup sso.redhat.com on 172.30.0.10:53: no such host"',
  '2024/05/02 10:02:00 http: proxy error: oauth2: "unauthorized_client" "Invalid client secret"',
  '2024/05/02 10:02:01 http: proxy error: oauth2: cannot fetch token: 401 Unauthorized',
  'Response: {"error":"unauthorized_client","error_description":"Invalid client secret"}',
  '2024/05/02 10:03:00 http: proxy error: Post "https://sso.redhat.com/auth/realms/redhat-external/protocol/openid-connect/token": dial tcp 23.1.2.3:443: i/o timeout',
  '2024/05/02 10:04:00 http: proxy error: dial tcp: lookup observatorium-mst.api.stage.openshfit.com on 172.30.0.10:53: no such host',
  '2024/05/02 10:05:00 http: proxy error: dial tcp 3.5.6.7:443: connect: connection refused',
  '2024/05/02 10:06:00 http: proxy error: context canceled',
].join('\n');

const GO_KFM = [
  'I0502 10:00:00.000000       1 server.go:62] Serving API on 0.0.0.0:8000',
  'E0502 10:07:00.000000       1 observatorium_service.go:48] failed to retrieve metrics: Post "http://token-refresher.managed-services-stage.svc.cluster.local/api/v1/query_range": dial tcp 172.30.4.5:80: i/o timeout',
  'E0502 10:07:30.000000       1 observatorium_service.go:48] failed to retrieve metrics: Post "http://token-refresher.managed-services-stage.svc.cluster.local/api/v1/query_range": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
  'E0502 10:08:00.000000       1 observatorium_service.go:48] failed to retrieve metrics: Post "http://token-refresher.managed-services-stage.svc.cluster.local/api/v1/query": dial tcp 172.30.4.5:80: connect: connection refused',
  'E0502 10:09:00.000000       1 observatorium_service.go:48] error getting metrics: server_error: server error: 502',
  'E0502 10:10:00.000000       1 observatorium_service.go:48] error getting metrics: client_error: client error: 401: {"status":"error","errorType":"observatorium-api","error":"tenant not found, have you registered it?"}',
  'E0502 10:11:00.000000       1 observatorium_service.go:48] error getting metrics: client_error: client error: 429',
  'E0502 10:12:00.000000       1 handler.go:10] something nobody has seen before',
].join('\n');

const OBSPATH_KFM = [
  '{"level":"warn","component":"fleet-manager","errorType":"token_unavailable","hop":"token-refresher","reason":"invalid_target","status":503,"msg":"token_unavailable: the issuer refuses audience observatorium-telemeter"}',
  '{"level":"warn","component":"fleet-manager","errorType":"unreachable","hop":"token-refresher","reason":"refused","status":0,"msg":"cannot reach token refresher"}',
  '{"level":"warn","component":"fleet-manager","errorType":"timeout","hop":"token-refresher","reason":"timeout","status":0,"msg":"no answer within 120s"}',
].join('\n');

function counts(text: string, component: 'token-refresher' | 'fleet-manager'): Record<string, number> {
  const s = scanLogs([{ component, source: 'pod-x', text }]);
  return Object.fromEntries(s.hits.map((h) => [h.signature.id, h.count]));
}

test('logs: obspath refresher JSON lines are grouped by errorType/reason', () => {
  assert.deepEqual(counts(OBSPATH_REFRESHER, 'token-refresher'), {
    'obspath.token.invalid-client': 2, 'obspath.upstream.dns': 1, 'obspath.upstream.unreachable': 1,
  });
});

test('logs: Go refresher lines map to the issuer, the credentials and Observatorium', () => {
  assert.deepEqual(counts(GO_REFRESHER, 'token-refresher'), {
    'go.refresher.invalid-client': 3, // the oauth2 error, the 401 line and its Response: continuation line
    'go.refresher.oidc-init': 1,
    'go.refresher.issuer-network': 1,
    'go.refresher.proxy-dns': 1,
    'go.refresher.proxy-network': 1,
    'go.refresher.proxy-other': 1,
  });
});

test('logs: Go fleet-manager lines; the same text means something else on the client side', () => {
  const s = scanLogs([{ component: 'fleet-manager', source: 'kfm', text: GO_KFM }]);
  const byId = Object.fromEntries(s.hits.map((h) => [h.signature.id, h.count]));
  assert.deepEqual(byId, {
    'go.kfm.dial-timeout': 1, 'go.kfm.timeout': 1, 'go.kfm.refused': 1, 'go.kfm.502': 1, 'api.tenant-not-found': 1, 'api.rate-limited': 1,
  });
  assert.equal(s.unmatchedErrors[0]?.count, 1);
  const causes = suspectsFromScan(s).map((x) => x.cause).sort();
  assert.deepEqual(causes, ['client-timeout', 'network-policy-blocks', 'rate-limited', 'refresher-unreachable', 'tenant-not-registered']);
});

test('logs: obspath fleet-manager JSON lines', () => {
  assert.deepEqual(counts(OBSPATH_KFM, 'fleet-manager'), {
    'obspath.token.invalid-audience': 1, 'obspath.client.refresher-refused': 1, 'obspath.client.refresher-timeout': 1,
  });
});

test('logs: samples keep the first and the latest line, redacted', () => {
  const lines = Array.from({ length: 5 }, (_, i) => `2024/05/02 10:0${i}:00 http: proxy error: dial tcp 3.5.6.7:443: connect: connection refused (Authorization: Bearer abcdefghijklmnop${i})`);
  const s = scanLogs([{ component: 'token-refresher', source: 'p', text: lines.join('\n') }]);
  assert.equal(s.hits[0]!.count, 5);
  assert.equal(s.hits[0]!.samples.length, 2);
  assert.match(s.hits[0]!.samples[0]!, /10:00:00/);
  assert.match(s.hits[0]!.samples[1]!, /10:04:00/);
  assert.ok(!s.hits[0]!.samples.join().includes('abcdefghijklmnop'));
});

test('url: the right URLs pass, each kind of difference is named', () => {
  const stage = 'https://observatorium-mst.api.stage.openshift.com/api/metrics/v1/managedkafka';
  const prod = 'https://observatorium-mst.api.openshift.com/api/metrics/v1/managedkafka';
  assert.deepEqual(compareObservatoriumUrl(stage, 'stage'), []);
  assert.deepEqual(compareObservatoriumUrl(prod, 'production'), []);
  const parts = (u: string, env: 'stage' | 'production') => compareObservatoriumUrl(u, env).map((d) => d.part);
  assert.deepEqual(parts(prod, 'stage'), ['environment']);
  assert.deepEqual(parts(stage, 'production'), ['stage']);
  assert.deepEqual(parts(stage.replace('https', 'http'), 'stage'), ['scheme']);
  assert.deepEqual(parts(stage.replace('managedkafka', 'managed-kafka'), 'stage'), ['tenant']);
  assert.deepEqual(parts(stage.replace('/api/metrics/v1/managedkafka', ''), 'stage'), ['path']);
  assert.deepEqual(parts(`${stage}/api/v1/query`, 'stage'), ['path']);
  assert.deepEqual(parts(`${stage} \n`, 'stage'), ['whitespace']);
  assert.deepEqual(parts(stage.replace('openshift', 'openshfit'), 'stage'), ['host']);
  assert.match(compareObservatoriumUrl(stage.replace('openshift', 'openshfit'), 'stage')[0]!.text, /a typo\?/);
  assert.deepEqual(parts(stage.replace('.com/', '.com:8443/'), 'stage'), ['port']);
  assert.deepEqual(compareObservatoriumUrl(`${stage}/`, 'stage').map((d) => [d.part, d.harmless]), [['trailing-slash', true]]);
  assert.deepEqual(parts('observatorium-mst/api', 'stage'), ['invalid']);
  assert.equal(environmentOfUrl(prod), 'production');
  assert.equal(environmentOfUrl('http://localhost:8090/api/metrics/v1/managedkafka'), undefined);
  assert.deepEqual(urlShapeProblems('http://127.0.0.1:8090/api/metrics/v1/managedkafka'), []);
});

test('token claims: aud and iss compared as the API does, token never echoed', async () => {
  const { privateKey } = await generateKeyPair('RS256');
  const sign = (claims: Record<string, unknown>, exp = '5m') => new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setIssuedAt().setExpirationTime(exp).sign(privateKey);
  const expect = { audience: 'observatorium-telemeter', issuer: 'https://sso.redhat.com/auth/realms/redhat-external' };
  const good = await sign({ iss: expect.issuer, aud: ['observatorium-telemeter', 'account'] });
  assert.deepEqual(compareTokenClaims(good, expect).findings, []);
  const wrongAud = compareTokenClaims(await sign({ iss: expect.issuer, aud: 'account' }), expect);
  assert.deepEqual(wrongAud.findings.map((f) => f.cause), ['audience-mismatch']);
  const slash = compareTokenClaims(await sign({ iss: `${expect.issuer}/`, aud: 'observatorium-telemeter' }), expect);
  assert.match(slash.findings[0]!.text, /trailing slash/);
  const expired = compareTokenClaims(await sign({ iss: expect.issuer, aud: 'observatorium-telemeter' }, '1s'), expect, new Date(Date.now() + 60_000));
  assert.deepEqual(expired.findings.map((f) => f.cause), ['issuer-unreachable']);
  assert.ok(!JSON.stringify(wrongAud).includes(good.split('.')[2]!));
  assert.deepEqual(compareTokenClaims('not-a-jwt', expect).findings.map((f) => f.cause), ['invalid-client-credentials']);
});

test('refresher config: the Go template (command with $(VAR) flags) and ours (args + env)', () => {
  const goTemplate = readRefresherConfig({
    name: 'token-refresher',
    command: ['/bin/token-refresher', '--web.listen=0.0.0.0:8080', '--oidc.audience=observatorium-telemeter', '--oidc.client-id=$(CLIENT_ID)', '--oidc.client-secret=$(CLIENT_SECRET)', '--oidc.issuer-url=$(ISSUER_URL)', '--url=$(OBSERVATORIUM_URL)'],
    env: [
      { name: 'CLIENT_ID', valueFrom: { secretKeyRef: { name: 'kas-fleet-manager-observatorium-configuration-red-hat-sso', key: 'grafana.clientId' } } },
      { name: 'CLIENT_SECRET', valueFrom: { secretKeyRef: { name: 'kas-fleet-manager-observatorium-configuration-red-hat-sso', key: 'grafana.clientSecret' } } },
      { name: 'ISSUER_URL', value: 'https://sso.redhat.com/auth/realms/redhat-external' },
      { name: 'OBSERVATORIUM_URL', value: 'https://observatorium-mst.api.stage.openshift.com/api/metrics/v1/managedkafka' },
    ],
  });
  assert.equal(goTemplate.clientSecret.kind, 'secret');
  assert.equal(goTemplate.observatoriumUrl.kind === 'literal' && goTemplate.observatoriumUrl.value, 'https://observatorium-mst.api.stage.openshift.com/api/metrics/v1/managedkafka');
  assert.equal(goTemplate.audience.kind === 'literal' && goTemplate.audience.value, 'observatorium-telemeter');
  const inline = readRefresherConfig({ name: 'x', args: ['token-refresher', '--oidc.client-secret', 'hunter2-secret'], env: [{ name: 'URL', value: 'http://a' }] });
  assert.equal(inline.clientSecret.kind, 'literal');
  assert.ok(!describeSource('clientSecret', inline.clientSecret).includes('hunter2'));
  assert.equal(inline.observatoriumUrl.kind === 'literal' && inline.observatoriumUrl.value, 'http://a');
  assert.equal(inline.issuerUrl.kind, 'missing');
});

test('redaction: known values and secret shapes', () => {
  const out = redactText('secret=s3cr3t-value Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig client_secret=abc123 mine: topsecretvalue', ['topsecretvalue']);
  assert.ok(!/s3cr3t|eyJhbGci|abc123|topsecretvalue/.test(out.replace('secret=', '')), out);
});
