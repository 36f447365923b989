// Differential: Debian's Prometheus and `obspath store` load the same rule file and receive the same samples;
// /api/v1/rules and /api/v1/alerts must have the same shape (keys of groups, rules and alerts) and the same
// alert labels, annotations, state and value.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../../src/store/index.js';
import { freePort, httpOk, tempDir, waitUntil } from '../../tools/testing/net.js';
import { startObspath, startPrometheus, type Backend, type Proc } from '../../tools/testing/procs.js';

const RULES = `groups:
  - name: diff
    interval: 1s
    rules:
      - alert: ProbeFailing
        expr: probe_ok == 0
        for: 2s
        keep_firing_for: 1m
        labels: { severity: warning, team: "{{ $labels.job }}" }
        annotations: { summary: "{{ $labels.instance }} failing ({{ $value | humanize }})", runbook: "https://example.com/x" }
      - alert: NeverFires
        expr: probe_ok > 100
      - record: job:probe_ok:min
        expr: min by (job) (probe_ok)
        labels: { source: rules }
`;

const stops: Array<() => Promise<void>> = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});

type Json = Record<string, any>;
const keys = (o: Json) => Object.keys(o).sort();

test('Prometheus and obspath store answer /api/v1/rules and /api/v1/alerts alike', async () => {
  const dir = await tempDir();
  stops.push(() => dir.cleanup());
  const rulesFile = join(dir.path, 'rules.yaml');
  writeFileSync(rulesFile, RULES);
  const prom: Backend = await startPrometheus({ config: `global:\n  evaluation_interval: 1s\nrule_files:\n  - ${rulesFile}\n` });
  stops.push(() => prom.stop());
  const port = await freePort();
  const store: Proc = startObspath(['store', '--storage.path', join(dir.path, 'data'), '--web.listen', `127.0.0.1:${port}`, '--storage.fsync', 'off', '--rules.file', rulesFile, '--log.level', 'warn']);
  stops.push(() => store.stop());
  const storeUrl = `http://127.0.0.1:${port}`;
  await waitUntil(() => httpOk(`${storeUrl}/-/ready`), 20_000, `store ready\n${store.output()}`);
  const urls = { prometheus: prom.url, obspath: storeUrl };
  const writer = setInterval(() => {
    const body = new Uint8Array(encodeWriteRequest([{ labels: [{ name: '__name__', value: 'probe_ok' }, { name: 'job', value: 'probe' }, { name: 'instance', value: 'p-0' }], timestamps: [Date.now()], values: [0] }]));
    for (const u of Object.values(urls)) void fetch(`${u}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body }).catch(() => undefined);
  }, 500);
  try {
    const get = async (u: string, path: string) => ((await (await fetch(`${u}${path}`)).json()) as Json).data as Json;
    for (const u of Object.values(urls)) {
      await waitUntil(async () => (await get(u, '/api/v1/alerts')).alerts.some((a: Json) => a.state === 'firing'), 20_000, `firing at ${u}`);
    }
    const [pa, oa] = [(await get(prom.url, '/api/v1/alerts')).alerts as Json[], (await get(storeUrl, '/api/v1/alerts')).alerts as Json[]];
    assert.equal(oa.length, pa.length);
    assert.deepEqual(keys(oa[0]!), keys(pa[0]!));
    for (const f of ['labels', 'annotations', 'state', 'value']) assert.deepEqual(oa[0]![f], pa[0]![f], f);
    const [pr, or] = [await get(prom.url, '/api/v1/rules'), await get(storeUrl, '/api/v1/rules')];
    const [pg, og] = [pr.groups[0] as Json, or.groups[0] as Json];
    assert.deepEqual(keys(og), keys(pg), 'group keys');
    assert.deepEqual([og.name, og.interval, og.limit, og.file], [pg.name, pg.interval, pg.limit, pg.file]);
    assert.equal(og.rules.length, pg.rules.length);
    for (let i = 0; i < pg.rules.length; i++) {
      const [p, o] = [pg.rules[i] as Json, og.rules[i] as Json];
      assert.deepEqual(keys(o), keys(p), `keys of rule ${p.name}`);
      for (const f of ['name', 'query', 'duration', 'keepFiringFor', 'labels', 'annotations', 'health', 'type', 'state']) assert.deepEqual(o[f], p[f], `${p.name}.${f}`);
      if (p.alerts) assert.deepEqual(o.alerts.map((a: Json) => [keys(a), a.labels, a.annotations, a.state, a.value]), p.alerts.map((a: Json) => [keys(a), a.labels, a.annotations, a.state, a.value]));
    }
  } finally {
    clearInterval(writer);
  }
});
