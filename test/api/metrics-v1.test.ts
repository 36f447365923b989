// The metrics v1 handlers in-process (fastify inject, a fake backend): the method guard, parameter
// merging, enforcement + backend for reads and writes, rules filtering and the local endpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import snappy from 'snappyjs';
import { decodeWriteRequest } from '../../src/remotewrite/decode.js';
import { encodeTestWriteRequest } from '../../tools/testing/remote-write.js';
import { bearer, fakeBackend, startHarness } from './chain-harness.js';

const BASE = '/api/metrics/v1/alpha/api/v1';
const rw = bearer('ok-w:writers');

test('method guard: 405 with Allow, before the tenant or the token is looked at', async () => {
  const h = await startHarness();
  for (const [method, path, allow] of [['PUT', '/query', 'GET, POST'], ['POST', '/rules', 'GET'], ['GET', '/receive', 'POST'], ['DELETE', '/parse_query', 'GET, POST']] as const) {
    const r = await h.app.inject({ method, url: `/api/metrics/v1/nope/api/v1${path}` });
    assert.equal(r.statusCode, 405, `${method} ${path}`);
    assert.equal(r.headers.allow, allow);
    assert.equal(r.json().error, `api: ${method} is not allowed on /api/v1${path}; use ${allow}`);
  }
  assert.equal(await h.rejected('bad_request'), 4);
  await h.app.close();
});

test('reads: the tenant matcher is enforced, GET and form parameters merged, and the answer passed on', async () => {
  const h = await startHarness();
  const r = await h.app.inject({ method: 'POST', url: `${BASE}/query?time=10`, headers: { ...rw, 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'ua/1', cookie: 'secret' }, payload: 'query=up{tenant_id="bbbb"}' });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().status, 'success');
  const call = h.backend.reads[0]!;
  assert.equal(call.endpoint, 'query');
  assert.equal(call.method, 'POST');
  assert.equal(call.tenantId, 'aaaa-1111');
  assert.equal(call.params.get('query'), 'up{tenant_id="aaaa-1111"}');
  assert.equal(call.params.get('time'), '10');
  assert.deepEqual(call.headers, { 'x-request-id': r.headers['x-request-id'], 'user-agent': 'ua/1' });
  const lv = await h.app.inject({ url: `${BASE}/label/job/values`, headers: rw });
  assert.equal(lv.statusCode, 200);
  assert.equal(h.backend.reads[1]!.labelName, 'job');
  await h.app.close();
});

test('reads: bad input is the API\'s 4xx and never reaches the backend', async () => {
  const h = await startHarness();
  const series = await h.app.inject({ url: `${BASE}/series`, headers: rw });
  assert.equal(series.statusCode, 400);
  assert.equal(series.json().error, 'no match[] parameter provided');
  const syntax = await h.app.inject({ url: `${BASE}/query?query=sum(`, headers: rw });
  assert.equal(syntax.statusCode, 400);
  assert.equal(syntax.json().hop, 'api');
  const json = await h.app.inject({ method: 'POST', url: `${BASE}/query`, headers: { ...rw, 'content-type': 'application/json' }, payload: '{"query":"up"}' });
  assert.equal(json.statusCode, 415);
  assert.equal(json.json().error, 'api: POST parameters must be application/x-www-form-urlencoded');
  assert.equal(h.backend.reads.length, 0);
  assert.equal(await h.rejected('bad_request'), 3);
  await h.app.close();
});

test('reads: backend errors are wrapped naming whose answer it is; large bodies are streamed', async () => {
  const h = await startHarness({ backend: fakeBackend('embedded') });
  h.backend.answer = { status: 422, headers: { 'content-type': 'application/json' }, body: '{"status":"error","errorType":"execution","error":"too many samples"}' };
  const err = await h.app.inject({ url: `${BASE}/query?query=up`, headers: rw });
  assert.equal(err.statusCode, 422);
  assert.equal(err.json().hop, 'store');
  assert.equal(err.json().error, 'too many samples');
  const big = 'x'.repeat(200_000);
  h.backend.answer = { status: 200, headers: { 'content-type': 'text/plain' }, body: Readable.from([Buffer.from(big.slice(0, 100_000)), Buffer.from(big.slice(100_000))]) };
  const streamed = await h.app.inject({ url: `${BASE}/query?query=up`, headers: rw });
  assert.equal(streamed.statusCode, 200);
  assert.equal(streamed.body.length, 200_000);
  const sizes = (await h.metrics.http.responseSize.get()).values.filter((v) => v.metricName === 'http_response_size_bytes_sum' && v.labels.code === '200');
  assert.equal(sizes[0]!.value, 200_000, 'a streamed body of unknown length is counted as sent');
  await h.app.close();
});

test('rules and alerts: 404 on a backend without them; otherwise filtered to the tenant', async () => {
  const none = await startHarness({ backend: fakeBackend('embedded', false) });
  const r = await none.app.inject({ url: `${BASE}/rules`, headers: rw });
  assert.equal(r.statusCode, 404);
  assert.equal(r.json().error, 'api: the embedded backend has no /api/v1/rules');
  await none.app.close();
  const h = await startHarness();
  h.backend.answer = { status: 200, headers: { 'content-type': 'application/json', 'content-length': '999' }, body: JSON.stringify({ status: 'success', data: { alerts: [{ labels: { tenant_id: 'aaaa-1111', a: '1' } }, { labels: { tenant_id: 'bbbb', a: '2' } }] } }) };
  const alerts = await h.app.inject({ url: `${BASE}/alerts`, headers: rw });
  assert.equal(alerts.statusCode, 200);
  assert.deepEqual(alerts.json().data.alerts.map((a: { labels: { a: string } }) => a.labels.a), ['1']);
  await h.app.close();
});

test('local endpoints: parse_query and format_query are answered by the API, errors as 400', async () => {
  const h = await startHarness();
  const f = await h.app.inject({ url: `${BASE}/format_query?query=${encodeURIComponent('sum(rate(up[5m]))by(job)')}`, headers: rw });
  assert.equal(f.statusCode, 200, f.body);
  assert.equal(f.json().data, 'sum by (job) (rate(up[5m]))');
  const bad = await h.app.inject({ url: `${BASE}/parse_query?query=sum(`, headers: rw });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().hop, 'api');
  assert.equal(bad.json().reason, 'bad_query');
  assert.equal(h.backend.reads.length, 0);
  await h.app.close();
});

test('receive: remote write 1.0 gets the tenant label on every series; 2.0, other encodings and empty bodies are refused', async () => {
  const h = await startHarness();
  const body = Buffer.from(encodeTestWriteRequest([{ labels: { __name__: 'up', tenant_id: 'bbbb' }, samples: [[1000, 1]] }]));
  const headers = { ...rw, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' };
  const ok = await h.app.inject({ method: 'POST', url: `${BASE}/receive`, headers, payload: body });
  assert.equal(ok.statusCode, 204, ok.body);
  const w = h.backend.writes[0]!;
  assert.equal(w.headers['x-prometheus-remote-write-version'], '0.1.0');
  assert.deepEqual(decodeWriteRequest(Buffer.from(snappy.uncompress(w.body))).timeseries[0]!.labels, [{ name: '__name__', value: 'up' }, { name: 'tenant_id', value: 'aaaa-1111' }]);
  const overwritten = (await h.metrics.writeOverwritten.get()).values[0]!;
  assert.deepEqual([overwritten.labels.tenant, overwritten.value], ['aaaa-1111', 1]);
  const v2 = await h.app.inject({ method: 'POST', url: `${BASE}/receive`, headers: { ...headers, 'content-type': 'application/x-protobuf;proto=io.prometheus.write.v2.Request' }, payload: body });
  assert.equal(v2.statusCode, 415);
  const gzip = await h.app.inject({ method: 'POST', url: `${BASE}/receive`, headers: { ...headers, 'content-encoding': 'gzip' }, payload: body });
  assert.equal(gzip.statusCode, 415);
  const empty = await h.app.inject({ method: 'POST', url: `${BASE}/receive`, headers });
  assert.equal(empty.statusCode, 400);
  assert.equal(empty.json().reason, 'empty_body');
  const garbage = await h.app.inject({ method: 'POST', url: `${BASE}/receive`, headers, payload: Buffer.from('not snappy at all') });
  assert.equal(garbage.statusCode, 400);
  assert.equal(garbage.json().reason, 'bad_remote_write');
  assert.equal(h.backend.writes.length, 1);
  await h.app.close();
});
