// The hop-state derivation, fed metrics text in the exposition format the components serve (prom-client's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CounterWindow, joined, parseMetrics, part, sumBy, type Counts } from '../../src/stack/status/counters.js';
import { deriveHops, HOP_IDS, type Observation, type ProcessView } from '../../src/stack/status/derive.js';
import { hopOfVerdict } from '../../src/stack/status/signals.js';
import { parseSince } from '../../src/stack/console/status-api.js';
import { HttpError } from '../../src/http/errors.js';

const fleetText = (codes: Record<string, number>, failures: Record<string, number> = {}) => [
  '# HELP kas_fleet_manager_observatorium_request_count number of requests to Observatorium',
  '# TYPE kas_fleet_manager_observatorium_request_count counter',
  ...Object.entries(codes).flatMap(([code, n]) => [
    `kas_fleet_manager_observatorium_request_count{code="${code}",method="POST",path="/api/v1/query"} ${n}`,
    `kas_fleet_manager_observatorium_request_count{code="${code}",method="GET",path="/api/v1/query_range"} ${n}`,
  ]),
  '# HELP kas_fleet_manager_observatorium_request_failures_total requests that got no response',
  '# TYPE kas_fleet_manager_observatorium_request_failures_total counter',
  ...Object.entries(failures).map(([reason, n]) => `kas_fleet_manager_observatorium_request_failures_total{path="/api/v1/query",reason="${reason}"} ${n}`),
  '',
].join('\n');

const refresherText = (o: { up: number; errors?: Record<string, number>; success?: number; upstream?: Record<string, number>; codes?: Record<string, number> }) => [
  '# HELP token_refresher_up 1 while a valid access token is held (the refresher is ready), else 0.',
  '# TYPE token_refresher_up gauge',
  `token_refresher_up ${o.up}`,
  '# TYPE token_refresher_token_refresh_total counter',
  `token_refresher_token_refresh_total{result="success"} ${o.success ?? 1}`,
  '# TYPE token_refresher_token_refresh_errors_total counter',
  ...Object.entries(o.errors ?? {}).map(([r, n]) => `token_refresher_token_refresh_errors_total{reason="${r}"} ${n}`),
  '# TYPE token_refresher_upstream_failures_total counter',
  ...Object.entries(o.upstream ?? {}).map(([r, n]) => `token_refresher_upstream_failures_total{reason="${r}"} ${n}`),
  '# TYPE http_requests_total counter',
  ...Object.entries(o.codes ?? { 200: 10 }).map(([c, n]) => `http_requests_total{code="${c}",handler="proxy",method="GET"} ${n}`),
  '',
].join('\n');

const apiText = (rejected: Record<string, number>) => [
  '# TYPE http_requests_total counter',
  'http_requests_total{group="metricsv1",handler="query",code="200",method="GET",tenant="managedkafka"} 40',
  '# TYPE observatorium_api_requests_rejected_total counter',
  ...Object.entries(rejected).map(([r, n]) => `observatorium_api_requests_rejected_total{reason="${r}",handler="query",tenant="managedkafka"} ${n}`),
  '',
].join('\n');

const running: ProcessView = { planned: true, running: true, crashLooping: false, restarts: 0, ready: true };
const allRunning = (): Observation['processes'] => ({ issuer: running, store: running, api: running, 'token-refresher': running, 'fleet-manager': running, probe: running });

/** What the watcher does with two readings of each text a second apart: the growth between them. */
function recentOf(before: string, after: string, split: (t: string) => Counts): Counts {
  const w = new CounterWindow(10_000, 60_000);
  w.observe(split(before), 1000);
  w.observe(split(after), 2000);
  return w.recent(2000);
}
const fleetSplit = (t: string) => { const s = parseMetrics(t)!; return joined({ code: sumBy(s, 'kas_fleet_manager_observatorium_request_count', 'code'), fail: sumBy(s, 'kas_fleet_manager_observatorium_request_failures_total', 'reason') }); };
const apiSplit = (t: string) => { const s = parseMetrics(t)!; return joined({ code: sumBy(s, 'http_requests_total', 'code'), rejected: sumBy(s, 'observatorium_api_requests_rejected_total', 'reason') }); };

function observation(o: { fleet?: [string, string]; api?: [string, string]; refresher?: string; lastTokenError?: string; processes?: Partial<Observation['processes']>; user?: Counts }): Observation {
  const f = recentOf(...(o.fleet ?? [fleetText({ 200: 10 }), fleetText({ 200: 12 })]), fleetSplit);
  const a = recentOf(...(o.api ?? [apiText({}), apiText({})]), apiSplit);
  const r = parseMetrics(o.refresher ?? refresherText({ up: 1 }))!;
  return {
    processes: { ...allRunning(), ...o.processes },
    fleet: { codes: part(f, 'code'), failures: part(f, 'fail') },
    refresher: { tokenErrors: {}, upstreamFailures: sumBy(r, 'token_refresher_upstream_failures_total', 'reason'), codes: {}, up: r.find((s) => s.name === 'token_refresher_up')!.value, lastTokenError: o.lastTokenError },
    api: { codes: part(a, 'code'), rejected: part(a, 'rejected') },
    probeSuccess: 1,
    user: o.user ?? { 200: 4 },
  };
}

const notOk = (hops: ReturnType<typeof deriveHops>) => HOP_IDS.filter((h) => hops[h].state !== 'ok').map((h) => `${h}=${hops[h].state}`);

test('a healthy stack: every hop ok, each with the reason that shows it', () => {
  const hops = deriveHops(observation({}));
  assert.deepEqual(notOk(hops), []);
  assert.match(hops['fleet-manager'].reason, /4 of 4 Observatorium requests answered 2xx/);
  assert.match(hops.user.reason, /succeed/);
});

test('fleet manager requests that time out (code 0, reason timeout): the network hop is down, the refresher ok', () => {
  const hops = deriveHops(observation({ fleet: [fleetText({ 200: 10, 0: 1 }, { timeout: 1 }), fleetText({ 200: 10, 0: 3 }, { timeout: 3 })], user: { 200: 1, 500: 3 } }));
  assert.equal(hops.network.state, 'down');
  assert.match(hops.network.reason, /time out/);
  assert.equal(hops['token-refresher'].state, 'ok');
  assert.equal(hops.user.state, 'degraded');
  assert.deepEqual(notOk(hops), ['user=degraded', 'network=down']);
});

test('a hung refresher (not ready) explains the timeouts: the refresher is down, the network is not blamed', () => {
  const hops = deriveHops(observation({
    fleet: [fleetText({ 0: 1 }, { timeout: 1 }), fleetText({ 0: 3 }, { timeout: 3 })],
    processes: { 'token-refresher': { ...running, ready: false, readyDetail: 'no answer' } },
  }));
  assert.equal(hops['token-refresher'].state, 'down');
  assert.equal(hops.network.state, 'ok');
});

test('a crash-looping refresher is down, with the exit code', () => {
  const hops = deriveHops(observation({ processes: { 'token-refresher': { planned: true, running: false, crashLooping: true, restarts: 4, lastExitCode: 1 } }, fleet: [fleetText({ 0: 2 }, { refused: 2 }), fleetText({ 0: 5 }, { refused: 5 })] }));
  assert.equal(hops['token-refresher'].state, 'down');
  assert.match(hops['token-refresher'].reason, /crash loop: .* 4 time\(s\), last exit code 1/);
  assert.equal(hops.network.state, 'ok');
});

test('the issuer refuses the refresher (invalid_client): the refresher is down, the issuer ok', () => {
  const hops = deriveHops(observation({ refresher: refresherText({ up: 0, errors: { invalid_client: 7 }, success: 0 }), lastTokenError: 'invalid_client', processes: { 'token-refresher': { ...running, ready: false } } }));
  assert.equal(hops['token-refresher'].state, 'down');
  assert.match(hops['token-refresher'].reason, /invalid_client/);
  assert.equal(hops.issuer.state, 'ok');
});

test('the refresher cannot reach the issuer (issuer_timeout): the issuer is down, the refresher degraded', () => {
  const hops = deriveHops(observation({ refresher: refresherText({ up: 0, errors: { issuer_timeout: 3 } }), lastTokenError: 'issuer_timeout', processes: { 'token-refresher': { ...running, ready: false } } }));
  assert.equal(hops.issuer.state, 'down');
  assert.equal(hops['token-refresher'].state, 'degraded');
});

test('the API rejects tokens, rate limits, or answers 404: the api hop, from its rejected counter', () => {
  const auth = deriveHops(observation({ api: [apiText({ auth: 2 }), apiText({ auth: 6 })] }));
  assert.equal(auth.api.state, 'down');
  assert.match(auth.api.reason, /401, 4 lately/);
  const limited = deriveHops(observation({ api: [apiText({ ratelimit: 2 }), apiText({ ratelimit: 3 })] }));
  assert.equal(limited.api.state, 'degraded');
  const notFound = deriveHops(observation({ api: [apiText({}), apiText({ not_found: 1 })] }));
  assert.equal(notFound.api.state, 'down');
});

test('the store gone: the store is down; the API, not ready because of it, only degraded', () => {
  const hops = deriveHops(observation({ processes: { store: undefined, api: { ...running, ready: false, readyDetail: 'backend unreachable' } } }));
  assert.equal(hops.store.state, 'down');
  assert.match(hops.store.reason, /not running/);
  assert.equal(hops.api.state, 'degraded');
});

test('failing codes no direct signal explains are blamed on the hop that answers them', () => {
  const five = deriveHops(observation({ fleet: [fleetText({ 500: 1 }), fleetText({ 500: 4 })] }));
  assert.equal(five.api.state, 'down');
  assert.match(five.api.reason, /get 500/);
  const slow = deriveHops(observation({ fleet: [fleetText({ 504: 1 }), fleetText({ 504: 2 })] }));
  assert.equal(slow.store.state, 'degraded');
  const refused = deriveHops(observation({ fleet: [fleetText({ 0: 1 }, { refused: 1 }), fleetText({ 0: 2 }, { refused: 2 })] }));
  assert.equal(refused['token-refresher'].state, 'down');
});

test("the refresher's upstream answers nothing while the API is fine: its Observatorium URL is wrong", () => {
  const hops = deriveHops(observation({ refresher: refresherText({ up: 1, upstream: { refused: 3 } }), fleet: [fleetText({ 502: 1 }), fleetText({ 502: 3 })] }));
  assert.equal(hops['token-refresher'].state, 'down');
  assert.match(hops['token-refresher'].reason, /OBSERVATORIUM_URL/);
  assert.equal(hops.api.state, 'ok');
});

test("the doctor's verdict names the cause on its broken hop (the catalog maps it), and never breaks an ok hop", () => {
  assert.equal(hopOfVerdict('backend-down'), 'store');
  assert.equal(hopOfVerdict('network-policy-blocks'), 'network');
  assert.equal(hopOfVerdict('stale-signing-key', 'issuer'), 'issuer');
  assert.equal(hopOfVerdict('unknown', 'unknown'), undefined);
  const stale = observation({});
  stale.verdict = { cause: 'network-policy-blocks', hop: 'network' };
  assert.equal(deriveHops(stale).network.state, 'ok', 'a verdict outliving its fault (alerts still firing) does not hold the hop down');
  const broken = observation({ fleet: [fleetText({ 0: 1 }, { timeout: 1 }), fleetText({ 0: 3 }, { timeout: 3 })] });
  broken.verdict = { cause: 'network-policy-blocks', hop: 'network' };
  const hops = deriveHops(broken);
  assert.equal(hops.network.state, 'down');
  assert.match(hops.network.reason, /the doctor's verdict: network-policy-blocks$/);
});

test('failures of a hop that just recovered are not blamed on its neighbours', () => {
  const o = observation({ refresher: refresherText({ up: 1, upstream: { refused: 3 } }) });
  o.recentlyNotOk = new Set(['api']);
  assert.equal(deriveHops(o)['token-refresher'].state, 'ok');
  const one401 = observation({ api: [apiText({ auth: 0 }), apiText({ auth: 1 })] });
  one401.api!.codes = { 200: 9, 401: 1 };
  assert.equal(deriveHops(one401).api.state, 'degraded', 'a stray 401 among answered requests is no outage');
});

test('counter windows: growth per label, a reset counts from zero, recent outcomes age out but the last one holds', () => {
  const w = new CounterWindow(10_000, 60_000);
  w.observe({ a: 5 }, 0);
  w.observe({ a: 7, b: 1 }, 1000);
  assert.deepEqual(w.recent(1000), { a: 2, b: 1 });
  w.observe({ a: 2, b: 1 }, 2000); // a restarted process: 0 -> 2
  assert.deepEqual(w.recent(2000), { a: 4, b: 1 });
  w.observe(undefined, 3000); // unreachable: no reading
  w.observe({ a: 2, b: 1 }, 20_000);
  assert.deepEqual(w.recent(20_000), { a: 2 }, 'nothing in the window: the last growth seen stands');
  assert.deepEqual(w.recent(100_000), {}, 'and is forgotten after the hold');
});

test('events?since=: a non-negative integer or absent; anything else is a 400 naming the parameter', () => {
  assert.equal(parseSince(undefined), 0);
  assert.equal(parseSince('42'), 42);
  for (const junk of ['-1', 'abc', '1.5', '', ['1', '2']]) {
    assert.throws(() => parseSince(junk), (e: unknown) => e instanceof HttpError && e.statusCode === 400 && e.errorType === 'bad_data' && /since/.test(e.message) && e.fields.hop === 'console');
  }
});

test('the API not ready because its backend does not answer: the store is down, the API degraded', () => {
  const hops = deriveHops(observation({ processes: { api: { ...running, ready: false, readyDetail: 'api: not ready: backend 127.0.0.1:1 unreachable: timeout' } } }));
  assert.equal(hops.store.state, 'down');
  assert.match(hops.store.reason, /cannot reach it: .*timeout/);
  assert.equal(hops.api.state, 'degraded');
});

test("the API's requests to the store all fail: the store is down; some of them: degraded", () => {
  const allFail = observation({ api: [apiText({ backend: 1 }), apiText({ backend: 4 })] });
  allFail.api!.codes = { 504: 3 };
  assert.equal(deriveHops(allFail).store.state, 'down');
  const some = observation({ api: [apiText({ backend: 1 }), apiText({ backend: 2 })] });
  some.api!.codes = { 200: 5, 504: 1 };
  assert.equal(deriveHops(some).store.state, 'degraded');
  const hung = observation({ api: [apiText({ backend: 1 }), apiText({ backend: 4 })], processes: { api: { ...running, ready: false, readyDetail: 'no answer' } } });
  hung.api!.codes = {};
  const hops = deriveHops(hung);
  assert.equal(hops.api.state, 'degraded', 'the API not ready while its store fails: the store explains it');
  assert.equal(hops.store.state, 'down');
});

test('a process that exited quickly once and has run fine since has left the crash loop', () => {
  const crashed: ProcessView = { planned: true, running: true, crashLooping: true, restarts: 1, lastExitCode: null, ready: true };
  assert.equal(deriveHops(observation({ processes: { probe: { ...crashed, lastExitAgoMs: 3000 } } })).probe.state, 'down');
  assert.equal(deriveHops(observation({ processes: { probe: { ...crashed, lastExitAgoMs: 25_000 } } })).probe.state, 'ok');
  assert.equal(deriveHops(observation({ processes: { probe: { ...crashed, running: false, lastExitAgoMs: 25_000 } } })).probe.state, 'down');
});

test('a hop blamed for failing codes stays blamed while they last (its own recent state does not excuse it)', () => {
  const o = observation({ fleet: [fleetText({ 404: 1 }), fleetText({ 404: 4 })] });
  o.recentlyNotOk = new Set(['api']);
  assert.equal(deriveHops(o).api.state, 'down');
  o.recentlyNotOk = new Set(['token-refresher']);
  assert.equal(deriveHops(o).api.state, 'ok', 'a neighbour that just broke explains them');
});
