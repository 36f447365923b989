// `obspath api` in front of each backend (the embedded store, Debian's Prometheus, Debian's
// VictoriaMetrics), with the real `obspath issuer` and two tenants: writes and reads through the API,
// promtool as a client (behind `obspath token-refresher`, since promtool 2.42 has no --http.config.file),
// and randomized tenant-isolation queries.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { tempDir } from '../../tools/testing/net.js';
import { startPrometheus, startVictoriaMetrics, type Backend } from '../../tools/testing/procs.js';
import { encodeTestWriteRequest, REMOTE_WRITE_HEADERS, type TestSeries } from '../../tools/testing/remote-write.js';
import { startIssuerProc, startRefresherProc, type IssuerProc, type RefresherProc } from '../../tools/testing/stack.js';
import { CLIENTS, SECRET, TENANT_A, TENANT_B, call, getToken, startApiProc, type ApiProc } from '../../tools/testing/api.js';

const run = promisify(execFile);
let dir: { path: string; cleanup: () => Promise<void> };
let issuer: IssuerProc;
let prom: Backend;
let vm: Backend;
const stops: Array<() => Promise<void>> = [];

interface Target {
  name: string;
  api: ApiProc;
  refresher: RefresherProc;
  flush: () => Promise<void>;
}
const targets = new Map<string, Target>();
const T0 = Date.now() - 120_000; // sample times: T0, T0+15s, ... (all within the last 2 minutes)
const STEPS = 8;

const A_SERIES = (): TestSeries[] => [
  ...[0, 1, 2].map((i) => ({ labels: { __name__: 'iso_shared', i: String(i), job: 'iso' }, samples: Array.from({ length: STEPS }, (_, k) => [T0 + k * 15_000, 1 + i + k] as [number, number]) })),
  ...[0, 1].map((i) => ({ labels: { __name__: 'iso_a', i: String(i), job: 'iso', tenant_id: 'bbbb-2222' }, samples: Array.from({ length: STEPS }, (_, k) => [T0 + k * 15_000, 10 + i + k] as [number, number]) })),
];
// Tenant B's data is unmistakable: 100 series, a `secret` label, values in the billions rising fast.
const B_SERIES = (): TestSeries[] =>
  Array.from({ length: 100 }, (_, i) => ({
    labels: { __name__: i % 2 === 0 ? 'iso_shared' : 'iso_b', i: String(100 + i), job: 'iso', secret: 'b-only' },
    samples: Array.from({ length: STEPS }, (_, k) => [T0 + k * 15_000, 1e9 * (k + 1) + i] as [number, number]),
  }));

async function write(t: Target, client: string, tenant: string, series: TestSeries[]) {
  const token = await getToken(issuer.issuerUrl, client);
  const r = await call(`${t.api.url}/api/metrics/v1/${tenant}/api/v1/receive`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body: encodeTestWriteRequest(series), token });
  assert.equal(r.status, 204, `${t.name}: write ${tenant}: ${r.text}`);
}

before(async () => {
  dir = await tempDir('obspath-api-');
  [issuer, prom, vm] = await Promise.all([startIssuerProc({ dir: dir.path, clients: CLIENTS }), startPrometheus(), startVictoriaMetrics()]);
  stops.push(() => issuer.stop(), () => prom.stop(), () => vm.stop());
  const configs: Array<[string, string[], () => Promise<void>]> = [
    ['embedded', ['--storage.path', join(dir.path, 'store')], async () => {}],
    ['prometheus', ['--metrics.read.endpoint', prom.url, '--metrics.write.endpoint', `${prom.url}/api/v1/write`], async () => {}],
    ['victoriametrics', ['--metrics.read.endpoint', vm.url, '--metrics.write.endpoint', `${vm.url}/api/v1/write`], async () => {
      await fetch(`${vm.url}/internal/force_flush`).then((r) => r.arrayBuffer());
    }],
  ];
  await Promise.all(configs.map(async ([name, args, flush]) => {
    const api = await startApiProc({ dir: dir.path, issuerUrl: issuer.issuerUrl, args });
    stops.push(() => api.stop());
    const refresher = await startRefresherProc({ issuerUrl: issuer.issuerUrl, clientId: 'alpha-writer', clientSecret: SECRET, upstreamUrl: `${api.url}/api/metrics/v1/${TENANT_A.name}` });
    stops.push(() => refresher.stop());
    const t = { name, api, refresher, flush };
    targets.set(name, t);
    await write(t, 'alpha-writer', TENANT_A.name, A_SERIES());
    await write(t, 'beta-writer', TENANT_B.name, B_SERIES());
    await flush();
  }));
});

after(async () => {
  await Promise.all(stops.map((s) => s()));
  await dir.cleanup();
});

const AT = (T0 + (STEPS - 1) * 15_000) / 1000;

async function query(t: Target, tenant: string, client: string, q: string, extra = '') {
  const token = await getToken(issuer.issuerUrl, client);
  return call(`${t.api.url}/api/metrics/v1/${tenant}/api/v1/query?query=${encodeURIComponent(q)}&time=${AT}${extra}`, { token });
}

type Sample = { metric: Record<string, string>; value: [number, string] };

for (const name of ['embedded', 'prometheus', 'victoriametrics']) {
  describe(`api with the ${name} backend`, () => {
    const t = () => targets.get(name)!;

    test('reads see only the caller tenant\'s series, with the tenant label set on write', async () => {
      const a = await query(t(), TENANT_A.name, 'alpha-writer', '{__name__=~"iso_.*"}');
      assert.equal(a.status, 200, a.text);
      const res = a.json!.data.result as Sample[];
      assert.equal(res.length, 5, a.text);
      for (const s of res) assert.equal(s.metric.tenant_id, TENANT_A.id, 'caller-supplied tenant_id was overwritten on write');
      const b = await query(t(), TENANT_B.name, 'beta-writer', 'count(iso_shared)');
      assert.equal((b.json!.data.result as Sample[])[0]!.value[1], '50');
      // A caller's own tenant matcher is replaced, not honoured.
      const spoof = await query(t(), TENANT_A.name, 'alpha-writer', `count({__name__=~"iso_.*", tenant_id="${TENANT_B.id}"})`);
      assert.equal((spoof.json!.data.result as Sample[])[0]!.value[1], '5', spoof.text);
      // Form-encoded POST, as Grafana sends it.
      const token = await getToken(issuer.issuerUrl, 'alpha-writer');
      const post = await call(`${t().api.url}/api/metrics/v1/${TENANT_A.name}/api/v1/query_range`, {
        method: 'POST', token, headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: `sum(iso_shared{tenant_id="${TENANT_B.id}"})`, start: String(T0 / 1000), end: String(AT), step: '15' }).toString(),
      });
      assert.equal(post.status, 200, post.text);
      const series = post.json!.data.result as Array<{ values: [number, string][] }>;
      assert.equal(series.length, 1);
      assert.equal(series[0]!.values.at(-1)![1], String(1 + 2 + 3 + 3 * (STEPS - 1)));
    });

    test('series, labels and label values are limited to the tenant, GET and POST', async () => {
      const token = await getToken(issuer.issuerUrl, 'alpha-writer');
      const base = `${t().api.url}/api/metrics/v1/${TENANT_A.name}/api/v1`;
      const range = `start=${T0 / 1000 - 60}&end=${AT + 60}`;
      const series = await call(`${base}/series?match[]=${encodeURIComponent('{job="iso"}')}&${range}`, { token });
      assert.equal(series.status, 200, series.text);
      assert.equal((series.json!.data as unknown[]).length, 5);
      const seriesPost = await call(`${base}/series`, { method: 'POST', token, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `match[]=${encodeURIComponent('{secret="b-only"}')}&${range}` });
      assert.equal(seriesPost.status, 200, seriesPost.text);
      assert.deepEqual(seriesPost.json!.data, []);
      const labels = await call(`${base}/labels?${range}`, { token });
      assert.equal(labels.status, 200, labels.text);
      assert.ok(!(labels.json!.data as string[]).includes('secret'), labels.text);
      assert.ok((labels.json!.data as string[]).includes('tenant_id'));
      const values = await call(`${base}/label/__name__/values?${range}`, { token });
      assert.equal(values.status, 200, values.text);
      assert.deepEqual((values.json!.data as string[]).filter((v) => v.startsWith('iso_')), ['iso_a', 'iso_shared']);
      const ids = await call(`${base}/label/tenant_id/values?match[]=${encodeURIComponent(`{tenant_id="${TENANT_B.id}"}`)}&${range}`, { token });
      assert.deepEqual(ids.json!.data, [TENANT_A.id]);
      const bad = await call(`${base}/series?match[]=${encodeURIComponent('rate(up[5m])')}`, { token });
      assert.equal(bad.status, 400);
      assert.equal(bad.json!.errorType, 'bad_data');
      // RE2 regex syntax (case-insensitive flag) selects the same series on every backend.
      const folded = await call(`${base}/series?match[]=${encodeURIComponent('{job=~"(?i)ISO"}')}&${range}`, { token });
      assert.equal(folded.status, 200, folded.text);
      assert.equal((folded.json!.data as unknown[]).length, 5, folded.text);
      if (name !== 'victoriametrics') {
        const badRegex = await call(`${base}/series?match[]=${encodeURIComponent('{job=~"(.*"}')}&${range}`, { token });
        assert.equal(badRegex.status, 400, badRegex.text);
        assert.equal(badRegex.json!.errorType, 'bad_data');
        assert.match(badRegex.json!.error as string, /error parsing regexp: missing closing \)/);
      }
    });

    test('promtool (through obspath token-refresher) queries the API', async () => {
      const url = t().refresher.proxyUrl;
      const inst = await run('promtool', ['query', 'instant', '--time', String(AT), url, 'sum by (tenant_id) ({__name__=~"iso_.*"})']);
      assert.match(inst.stdout, new RegExp(`\\{tenant_id="${TENANT_A.id}"\\} => 62 @`));
      assert.doesNotMatch(inst.stdout, new RegExp(TENANT_B.id));
      const rng = await run('promtool', ['query', 'range', `--start=${T0 / 1000}`, `--end=${AT}`, '--step=15s', url, 'count(iso_shared)']);
      assert.match(rng.stdout, /3 @\[/);
      assert.doesNotMatch(rng.stdout, /50 @\[/);
      const ser = await run('promtool', ['query', 'series', '--match=iso_a', `--start=${T0 / 1000 - 60}`, `--end=${AT + 60}`, url]);
      assert.equal(ser.stdout.trim().split('\n').length, 2, ser.stdout);
      const lab = await run('promtool', ['query', 'labels', `--start=${T0 / 1000 - 60}`, `--end=${AT + 60}`, url, 'i']);
      assert.deepEqual(lab.stdout.trim().split('\n').sort(), ['0', '1', '2']);
      // Without a token, promtool gets the API's 401.
      await assert.rejects(run('promtool', ['query', 'instant', `${t().api.url}/api/metrics/v1/${TENANT_A.name}`, 'up']), /401|unauthorized|no bearer token/i);
    });

    test('randomized queries never return tenant B\'s series to tenant A', async () => {
      let seed = name.length * 7919;
      const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
      const pick = <T>(a: readonly T[]) => a[rnd(a.length)]!;
      const sel = () => pick(['iso_b', 'iso_shared', '{__name__=~"iso_.*"}', '{__name__=~".+"}', `{tenant_id="${TENANT_B.id}"}`, '{secret="b-only"}', `iso_shared{tenant_id!="${TENANT_A.id}"}`, '{job="iso", tenant_id=~".+"}']);
      const expr = (d: number): string => {
        if (d === 0) return sel();
        switch (rnd(10)) {
          case 0: return `sum(${expr(d - 1)})`;
          case 1: return `max_over_time(${sel()}[2m])`;
          case 2: return `${expr(d - 1)} or on() ${expr(d - 1)}`;
          case 3: return `max_over_time(sum(${expr(d - 1)})[2m:15s])`;
          case 4: return `label_replace(${expr(d - 1)}, "tenant_id", "x", "", "")`;
          case 5: return `rate(${sel()}[2m])`;
          case 6: return `count(${expr(d - 1)})`;
          case 7: return `max(${expr(d - 1)}) * on() group_left count(${sel()})`;
          case 8: return `topk(3, ${expr(d - 1)})`;
          default: return `avg by (job) (${expr(d - 1)})`;
        }
      };
      const fixed = ['{__name__=~".+"}', `{tenant_id="${TENANT_B.id}"}`, `{tenant_id!="${TENANT_A.id}"}`, 'count({secret="b-only"})', 'sum(rate({__name__=~"iso.*"}[2m]))', 'max_over_time(iso_b[5m:15s])'];
      const queries = [...fixed, ...Array.from({ length: 30 }, () => expr(1 + rnd(3)))];
      for (const q of queries) {
        const r = await query(t(), TENANT_A.name, 'alpha-writer', q);
        if (r.status !== 200) {
          assert.ok(r.status === 422 || r.status === 400, `${q}: ${r.status} ${r.text}`);
          continue;
        }
        const data = r.json!.data as { resultType: string; result: Sample[] | [number, string] };
        if (data.resultType !== 'vector') continue;
        for (const s of data.result as Sample[]) {
          assert.equal(s.metric.secret, undefined, `${q}: leaked ${JSON.stringify(s)}`);
          assert.ok(s.metric.tenant_id === undefined || s.metric.tenant_id === TENANT_A.id || s.metric.tenant_id === 'x', `${q}: ${JSON.stringify(s)}`);
          const v = Number(s.value[1]);
          assert.ok(Number.isNaN(v) || Math.abs(v) < 1e5, `${q}: value ${v} can only come from tenant B`);
        }
      }
      const absent = await query(t(), TENANT_A.name, 'alpha-writer', 'absent(iso_b)');
      assert.equal((absent.json!.data.result as Sample[]).length, 1, `absent(iso_b) for A: ${absent.text}`);
    });
  });
}
