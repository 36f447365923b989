// Differential sanity check against Debian's Prometheus 2.42: the same remote-write payloads, sent in
// the same order to both, must get the same accept/reject decision (2xx vs not). Where the issue asks
// for different behaviour on purpose, the case names the divergence and pins both status codes, so a
// change on either side shows up here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { Store, ingestRemoteWrite, encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../../src/store/index.js';
import { snappyCompress } from '../../src/remotewrite/encode.js';
import { startPrometheus, type Backend } from '../../tools/testing/procs.js';
import { tempDir } from '../../tools/testing/net.js';
import { f64, pbEncode, type PbSeries } from './util.js';

const T = Date.now() - 60_000; // near now: Prometheus rejects samples outside its head's window

type Lbl = { name: string; value: string };
const L = (name: string, extra: Record<string, string> = {}): Lbl[] => [
  { name: '__name__', value: name },
  ...Object.entries(extra).map(([k, v]) => ({ name: k, value: v })),
];
const rw = (labels: Lbl[], ts: number[], vs: Array<number | 'stale'>) => encodeWriteRequest([{ labels, timestamps: ts, values: f64(vs) }]);
const pb = (timeseries: PbSeries[]) => snappyCompress(pbEncode({ timeseries }));

interface Case {
  name: string;
  /** Requests sent before the checked one (must succeed on both). */
  setup?: Buffer[];
  body: Buffer;
  /** Expected statuses; `divergence` explains why they may differ in class. */
  prometheus: number;
  obspath: number;
  divergence?: string;
}

const CASES: Case[] = [
  { name: 'valid series', body: rw(L('d_valid', { job: 'a' }), [T, T + 1000], [1, 2]), prometheus: 204, obspath: 204 },
  { name: 'stale marker', body: rw(L('d_stale'), [T, T + 1000], [1, 'stale']), prometheus: 204, obspath: 204 },
  { name: 'unsorted labels on the wire', body: rw([{ name: 'job', value: 'x' }, { name: '__name__', value: 'd_unsorted' }], [T], [1]), prometheus: 204, obspath: 204 },
  { name: 'label with empty value', body: rw(L('d_emptyval', { a: '' }), [T], [1]), prometheus: 204, obspath: 204 },
  { name: 'exact duplicate resent', setup: [rw(L('d_dup'), [T], [5])], body: rw(L('d_dup'), [T], [5]), prometheus: 204, obspath: 204 },
  { name: 'duplicate timestamp, other value', setup: [rw(L('d_dupts'), [T], [5])], body: rw(L('d_dupts'), [T], [6]), prometheus: 400, obspath: 400 },
  { name: 'out of order across requests', setup: [rw(L('d_ooo'), [T + 5000], [1])], body: rw(L('d_ooo'), [T], [1]), prometheus: 400, obspath: 400 },
  {
    name: 'out of order, valid samples in the same request',
    setup: [rw(L('d_ooo2'), [T + 5000], [1])],
    body: encodeWriteRequest([
      { labels: L('d_ooo2_ok'), timestamps: [T], values: f64([1]) },
      { labels: L('d_ooo2'), timestamps: [T], values: f64([1]) },
    ]),
    prometheus: 400,
    obspath: 400,
  },
  { name: 'out of bounds (2 h older than the newest sample)', body: rw(L('d_oob'), [T - 2 * 3600_000], [1]), prometheus: 400, obspath: 400 },
  { name: 'empty request', body: snappyCompress(new Uint8Array(0)), prometheus: 204, obspath: 204 },
  { name: 'not snappy', body: Buffer.from('definitely not snappy'), prometheus: 400, obspath: 400 },
  { name: 'truncated protobuf', body: snappyCompress(pbEncode({ timeseries: [{ labels: L('d_trunc'), samples: [{ value: 1, timestamp: T }] }] }).subarray(0, 20)), prometheus: 400, obspath: 400 },
  {
    name: 'out of order inside one request',
    body: rw(L('d_ooo_in'), [T + 2000, T + 1000], [1, 2]),
    prometheus: 204,
    obspath: 400,
    divergence: 'Prometheus 2.42 checks samples against committed data only and drops the later out-of-order one silently at commit; the issue asks us to report it',
  },
  {
    name: 'invalid label name',
    body: rw(L('d_badlabel', { 'in-valid': 'x' }), [T], [1]),
    prometheus: 204,
    obspath: 400,
    divergence: 'Prometheus 2.42 does not validate label names on remote write (later versions do); the issue asks for 400',
  },
  {
    name: 'invalid metric name',
    body: rw(L('1bad'), [T], [1]),
    prometheus: 204,
    obspath: 400,
    divergence: 'Prometheus 2.42 does not validate metric names on remote write; the issue asks for 400',
  },
  {
    name: 'no metric name',
    body: rw([{ name: 'job', value: 'x' }], [T], [1]),
    prometheus: 204,
    obspath: 400,
    divergence: 'Prometheus 2.42 stores series without __name__; the issue asks for 400 (empty metric name)',
  },
  {
    name: 'duplicate label names',
    body: pb([{ labels: [...L('d_duplabel', { a: '1' }), { name: 'a', value: '2' }], samples: [{ value: 1, timestamp: T }] }]),
    prometheus: 500,
    obspath: 400,
  },
  {
    name: 'native histogram, invalid (count 1, no bucket holds it)',
    body: pb([{ labels: L('d_hist'), samples: [], histograms: [{ count_int: 1, sum: 1, schema: 0, zero_threshold: 0, timestamp: T }] }]),
    prometheus: 500,
    obspath: 400,
  },
  {
    name: 'native histogram, valid',
    body: pb([{ labels: L('d_hist_ok'), samples: [], histograms: [{ count_int: 1, sum: 1, schema: 0, zero_threshold: 0, zero_count_int: 1, timestamp: T }] }]),
    prometheus: 500,
    obspath: 204,
    divergence: 'Prometheus 2.42 refuses native histograms unless started with --enable-feature=native-histograms (see native-histograms-prometheus.test.ts); the issue asks us to store them',
  },
];

let prom: Backend;
let store: Store;
let dir: { path: string; cleanup: () => Promise<void> };

before(async () => {
  prom = await startPrometheus();
  dir = await tempDir('obspath-diff-');
  store = await Store.open({ dir: dir.path, fsync: 'off', maintenanceIntervalMs: 0 });
});
after(async () => {
  await store?.close();
  await prom?.stop();
  await dir?.cleanup();
});

async function sendProm(body: Buffer): Promise<{ status: number; text: string }> {
  const res = await request(`${prom.url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body });
  return { status: res.statusCode, text: await res.body.text() };
}

test('same accept/reject decisions as Prometheus 2.42 for the remote-write case table', async (t) => {
  const rows: string[] = [];
  for (const c of CASES) {
    for (const s of c.setup ?? []) {
      assert.equal((await sendProm(s)).status, 204, `${c.name}: setup on Prometheus`);
      assert.equal((await ingestRemoteWrite(store, s, REMOTE_WRITE_HEADERS)).status, 204, `${c.name}: setup on obspath`);
    }
    const p = await sendProm(c.body);
    const o = await ingestRemoteWrite(store, c.body, REMOTE_WRITE_HEADERS);
    rows.push(`${c.name}: prometheus ${p.status} ${p.text.trim().slice(0, 80)} | obspath ${o.status} ${o.body.split('\n')[0]!.slice(0, 80)}`);
    const accepts = (s: number) => s >= 200 && s < 300;
    if (c.divergence === undefined) assert.equal(accepts(o.status), accepts(p.status), `${c.name}: decisions differ (prometheus ${p.status}: ${p.text})`);
    assert.equal(p.status, c.prometheus, `${c.name}: Prometheus said ${p.status} ${p.text}`);
    assert.equal(o.status, c.obspath, `${c.name}: obspath said ${o.status} ${o.body}`);
  }
  for (const r of rows) t.diagnostic(r);
});

test('a rejected sample rolls back the whole request in Prometheus 2.42, but not in obspath (on purpose)', async () => {
  // Runs after the table: "out of order, valid samples in the same request" sent d_ooo2_ok with a bad sample.
  const res = await request(`${prom.url}/api/v1/series?match[]=d_ooo2_ok`);
  const json = (await res.body.json()) as { data: unknown[] };
  assert.equal(json.data.length, 0, 'Prometheus kept part of a rejected request');
  assert.equal(store.series([{ type: '=', name: '__name__', value: 'd_ooo2_ok' }], -Infinity, Infinity).length, 1);
});
