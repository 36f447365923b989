// The probe's settings and decisions without a working path: --labels forms, validation messages, the exit
// rules (sum over codes, no requests fails), failure classification, and the CLI's exit 2 on bad flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/load.js';
import { ObservatoriumError } from '../../src/client/index.js';
import { clientFailure, httpFailure, networkFailure } from '../../src/probe/failure.js';
import { evaluateProbe, parseLabels, probeConfig, probeSelector, startProbe, summarize } from '../../src/probe/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { waitUntil } from '../../tools/testing/net.js';
import { startObspath } from '../../tools/testing/procs.js';

const base = { endpointWrite: 'http://127.0.0.1:1/api/v1/write' };

test('--labels: up form with Go-quoted values, raw and bare values, spaces, several flags adding up', () => {
  assert.deepEqual(parseLabels('a="b",c="d"'), { a: 'b', c: 'd' });
  assert.deepEqual(parseLabels('q="say \\"hi\\"\\n", u="\\u00e9\\x41\\101", t=`C:\\raw`'), { q: 'say "hi"\n', u: 'éAA', t: 'C:\\raw' });
  assert.deepEqual(parseLabels(' env = prod , team=kafka, '), { env: 'prod', team: 'kafka' });
  assert.deepEqual(parseLabels('comma="a,b"'), { comma: 'a,b' });
  assert.deepEqual(parseLabels(['a="1"', 'b="2"']), { a: '1', b: '2' });
  assert.deepEqual(parseLabels({ zone: 'x"y' }), { zone: 'x"y' });
  assert.deepEqual(parseLabels(''), {});
});

test('--labels: bad values name the label and the problem', () => {
  const bad: Array<[string | string[], RegExp]> = [
    ['a="b', /label a: its quoted value has no closing "/],
    ['1a="b"', /"1a" is not a valid label name/],
    ['a-b="c"', /"a-b" is not a valid label name/],
    ['a', /label a: expected a="value"/],
    ['a="b" c="d"', /label a: expected a comma after its value/],
    ['a="\\q"', /label a: unknown escape \\q/],
    ['a="\\u12"', /label a: bad escape/],
    ['a=b"c"', /a quote inside a bare value/],
    ['__name__="x"', /set with --name/],
    ['__meta="x"', /reserved/],
    [['a="1"', 'a="2"'], /label a is given twice/],
  ];
  for (const [input, re] of bad) assert.throws(() => parseLabels(input), re, JSON.stringify(input));
});

test('the read selector quotes values for PromQL', () => {
  assert.equal(probeSelector('obspath_probe', { z: 'a"b\\c', a: 'x\ny' }), '{__name__="obspath_probe", a="x\\ny", z="a\\"b\\\\c"}');
});

test('defaults: metric name obspath_probe, run until stopped, up\'s period/latency/threshold/listen', () => {
  const c = probeConfig(base);
  assert.equal(c.name, 'obspath_probe');
  assert.equal(c.duration, 0);
  assert.equal(c.period, 5000);
  assert.equal(c.latency, 15_000);
  assert.equal(c.initialQueryDelay, 5000);
  assert.equal(c.threshold, 0.9);
  assert.equal(c.listen, '127.0.0.1:8095');
  assert.equal(c.tenantHeader, 'tenant_id');
  assert.deepEqual(c.labels, {});
});

test('bad settings give clear errors', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{}, /endpointWrite/],
    [{ endpointWrite: 'ftp://x' }, /http:\/\/ or https:\/\//],
    [{ ...base, threshold: '1.5' }, /ratio between 0 and 1/],
    [{ ...base, threshold: 'most' }, /ratio between 0 and 1/],
    [{ ...base, period: 'often' }, /invalid duration "often"/],
    [{ ...base, latency: '10s', period: '5s', initialQueryDelay: '5s' }, /greater than --initial-query-delay \+ --period \(5s \+ 5s\)/],
    [{ ...base, endpointRead: 'http://r', duration: '5s', initialQueryDelay: '5s', latency: '20s' }, /shorter than --duration/],
    [{ ...base, duration: '1s', period: '5s' }, /at least one --period/],
    [{ ...base, name: 'bad-name' }, /valid metric name/],
    [{ ...base, labels: 'a="b' }, /no closing/],
    [{ ...base, token: 't', oidcIssuerUrl: 'http://i', oidcClientId: 'c', oidcClientSecret: 's' }, /give one way to get a token, not --token and --oidc.issuer-url/],
    [{ ...base, oidcIssuerUrl: 'http://i', oidcClientId: 'c' }, /oidcClientSecret.*required with --oidc.issuer-url/],
    [{ ...base, oidcClientId: 'c' }, /required when an --oidc/],
    [{ ...base, endpointType: 'logs' }, /only "metrics" is supported/],
  ];
  for (const [input, re] of cases) {
    assert.throws(() => probeConfig(input as never), (err: unknown) => err instanceof ConfigError && re.test(err.message), `${JSON.stringify(input)} -> ${re}`);
  }
});

test('exit rule: success ratio summed over every code, both writes and reads must reach the threshold', () => {
  assert.equal(evaluateProbe({ success: 9, error: 1 }, { success: 18, error: 2 }, 0.9).exitCode, 0);
  const low = evaluateProbe({ success: 9, error: 1 }, { success: 17, error: 3 }, 0.9);
  assert.equal(low.exitCode, 1);
  assert.match(low.problems.join('\n'), /reads: 17 of 20 succeeded \(85\.0%\), below the threshold of 90\.0%/);
  assert.equal(evaluateProbe({ success: 10, error: 0 }, { success: 0, error: 1 }, 1).exitCode, 1);
  assert.equal(evaluateProbe({ success: 10, error: 0 }, undefined, 1).exitCode, 0, 'without a read endpoint only writes decide');
  assert.equal(summarize(low), 'writes 9/10 (90.0%), reads 17/20 (85.0%)');
});

test('exit rule: no requests at all fails (up passed on NaN)', () => {
  const none = evaluateProbe({ success: 0, error: 0 }, { success: 0, error: 0 }, 0.9);
  assert.equal(none.exitCode, 1);
  assert.deepEqual(none.problems, ['no writes ran', 'no reads ran: the run ended before --initial-query-delay passed']);
  assert.equal(evaluateProbe({ success: 5, error: 0 }, { success: 0, error: 0 }, 0).exitCode, 1, 'threshold 0 still needs reads');
});

test('failures name the answering hop from our error bodies; untyped answers are "unknown"; no answer is "none"', () => {
  const refresher = httpFailure('write', 503, JSON.stringify({ status: 'error', errorType: 'token_unavailable', error: 'no token', hop: 'token-refresher', reason: 'invalid_client' }));
  assert.deepEqual([refresher.hop, refresher.reason, refresher.cause, refresher.httpCode], ['token-refresher', 'token_unavailable', 'invalid_client', 503]);
  const backend = httpFailure('write', 502, JSON.stringify({ status: 'error', errorType: 'upstream_unreachable', error: 'x', hop: 'backend', reason: 'refused' }));
  assert.deepEqual([backend.hop, backend.reason], ['backend', 'upstream_unreachable']);
  const plain = httpFailure('write', 400, 'out of order sample\n');
  assert.deepEqual([plain.hop, plain.reason], ['unknown', 'client_error']);
  assert.match(plain.message, /out of order sample/);
  const refused = networkFailure('write', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), false, 'http://x');
  assert.deepEqual([refused.hop, refused.reason, refused.httpCode], ['none', 'refused', 0]);
  assert.equal(networkFailure('write', new Error('aborted'), true, 'http://x').reason, 'timeout', 'our deadline is a timeout');
  const viaClient = clientFailure('query', new ObservatoriumError(
    { kind: 'http', status: 401, errorType: 'unauthorized', hop: 'auth', reason: 'wrong_audience', target: 'api', method: 'POST', path: '/api/v1/query', durationMs: 1, timeoutMs: 1000 }, 'x'));
  assert.deepEqual([viaClient.hop, viaClient.reason, viaClient.cause, viaClient.httpCode], ['auth', 'unauthorized', 'wrong_audience', 401]);
  const noAnswer = clientFailure('query_range', new ObservatoriumError(
    { kind: 'network', status: 0, errorType: 'timeout', hop: 'token-refresher', reason: 'timeout', target: 'token-refresher', method: 'POST', path: '/api/v1/query_range', durationMs: 1, timeoutMs: 1000 }, 'x'));
  assert.deepEqual([noAnswer.hop, noAnswer.reason, noAnswer.httpCode], ['none', 'timeout', 0]);
});

async function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = startObspath(['probe', ...args]);
  const code = await new Promise<number | null>((resolve) => proc.child.once('exit', (c) => resolve(c)));
  return { code, out: proc.output() };
}

test('CLI: bad flags exit 2 with the flag and the problem; up\'s single-dash flags are accepted', async () => {
  const [labels, latency, missing, dash] = await Promise.all([
    runCli(['--endpoint-write', 'http://127.0.0.1:1/w', '--labels', 'env="prod', '--listen', '']),
    runCli(['--endpoint-write', 'http://127.0.0.1:1/w', '--latency', '1s', '--listen', '']),
    runCli(['--listen', '']),
    // Single-dash forms parse (the error is about the value, not an unknown option).
    runCli(['-endpoint-write', 'http://127.0.0.1:1/w', '-period=1s', '-threshold', '2', '-listen', '']),
  ]);
  assert.equal(labels.code, 2, labels.out);
  assert.match(labels.out, /--labels \(flag --labels\): label env: its quoted value has no closing "/);
  assert.equal(latency.code, 2, latency.out);
  assert.match(latency.out, /--latency \(flag --latency\): must be greater than --initial-query-delay \+ --period/);
  assert.equal(missing.code, 2, missing.out);
  assert.match(missing.out, /--endpoint-write \(not set: use --endpoint-write or env PROBE_ENDPOINT_WRITE\)/);
  assert.equal(dash.code, 2, dash.out);
  assert.match(dash.out, /--threshold \(flag --threshold\): must be a ratio between 0 and 1, got "2"/);
  assert.doesNotMatch(dash.out, /unknown option/);
});

test('CLI: a --duration run where nothing answers exits 1 and says why', async () => {
  const r = await runCli(['--endpoint-write', 'http://127.0.0.1:1/api/v1/write', '--endpoint-read', 'http://127.0.0.1:1', '--duration', '600ms', '--period', '200ms', '--initial-query-delay', '100ms', '--latency', '1s', '--listen', '']);
  assert.equal(r.code, 1, r.out);
  const lines = r.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const writeFail = lines.find((l) => l.op === 'write');
  assert.equal(writeFail?.hop, 'none');
  assert.equal(writeFail?.reason, 'refused');
  const verdict = lines.find((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('probe failed'));
  // How many rounds fit in 600 ms depends on the machine's load; that none succeeded does not.
  assert.match(String(verdict?.msg), /writes 0\/[1-9]\d* \(0\.0%\), reads 0\/[1-9]\d* \(0\.0%\)/);
});

test('its own OIDC client with the issuer down: writes fail against hop issuer (token_unavailable), /ready is 503', async () => {
  const p = await startProbe(probeConfig({
    endpointWrite: 'http://127.0.0.1:1/api/v1/write', oidcIssuerUrl: 'http://127.0.0.1:1/auth/realms/x', oidcClientId: 'probe', oidcClientSecret: 'probe-secret-1234',
    period: '200ms', listen: '127.0.0.1:0', oidcTimeout: '200ms',
  }), createLogger({ component: 'probe', level: 'silent' }));
  try {
    await waitUntil(() => p.stats().writes.error >= 2, 5000, 'write failures');
    const f = p.stats().lastFailure.write!;
    assert.deepEqual([f.httpCode, f.hop, f.reason, f.cause], [0, 'issuer', 'token_unavailable', 'issuer_unreachable'], JSON.stringify(f));
    const ready = await fetch(`${p.url}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { reason: string }).reason, 'token_unavailable');
    assert.match(await p.registry.metrics(), /up_probe_failures_total\{op="write",hop="issuer",reason="token_unavailable"\} [1-9]/);
  } finally {
    await p.close();
  }
});
