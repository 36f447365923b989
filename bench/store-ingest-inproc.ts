// In-process ingest loop (no HTTP), for profiling the decode -> append -> WAL path:
//   PROFILE=ingest.cpuprofile node --expose-gc --import tsx bench/store-ingest-inproc.ts [series] [batch] [samples] [fsync]
// PROFILE profiles only the ingest loop (not the request building).
import { Store } from '../src/store/store.js';
import { ingestRemoteWrite } from '../src/store/remote-write/ingest.js';
import { encodeWriteRequest, type SeriesToWrite } from '../src/remotewrite/encode.js';
import { Session } from 'node:inspector/promises';
import { writeFile } from 'node:fs/promises';
import { tempDir } from '../tools/testing/net.js';
import { benchSeriesLabels } from './lib/series.js';

const [seriesArg, batchArg, samplesArg, fsyncArg] = process.argv.slice(2);
const SERIES = Number(seriesArg ?? 10_000);
const BATCH = Number(batchArg ?? 1000);
const SAMPLES = Number(samplesArg ?? 2_000_000);

const dir = await tempDir('obspath-prof-');
const store = await Store.open({ dir: dir.path, fsync: (fsyncArg ?? 'batch') as 'batch', maintenanceIntervalMs: 0 });
const t0 = Date.now() - 30 * 60_000;
const last = new Float64Array(SERIES);
const vals = new Float64Array(SERIES);
const bodies: Buffer[] = [];
const perSeries = Math.max(1, Math.floor(BATCH / SERIES));
const seriesPerReq = Math.min(SERIES, BATCH);
let next = 0;
for (let sent = 0; sent < SAMPLES; sent += seriesPerReq * perSeries) {
  const series: SeriesToWrite[] = [];
  for (let k = 0; k < seriesPerReq; k++) {
    const i = (next + k) % SERIES;
    const ts = new Float64Array(perSeries);
    const vs = new Float64Array(perSeries);
    for (let j = 0; j < perSeries; j++) {
      last[i] = last[i]! + 1000;
      vals[i] = vals[i]! + Math.floor(Math.random() * 100);
      ts[j] = t0 + last[i]!;
      vs[j] = vals[i]!;
    }
    series.push({
      labels: benchSeriesLabels(i, `pod-${(i * 7919) % 100_000}`),
      timestamps: ts,
      values: vs,
    });
  }
  next = (next + seriesPerReq) % SERIES;
  bodies.push(encodeWriteRequest(series));
}
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const heap0 = process.memoryUsage().heapUsed;
const session = process.env.PROFILE ? new Session() : null;
if (session !== null) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}
const start = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
let n = 0;
for (const b of bodies) {
  const r = await ingestRemoteWrite(store, b, {});
  if (r.status !== 204) throw new Error(r.body);
  n += r.result!.accepted;
}
const secs = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuNsPerSample = ((cpu.user + cpu.system) * 1000) / n;
if (session !== null) {
  const { profile } = await session.post('Profiler.stop');
  await writeFile(process.env.PROFILE!, JSON.stringify(profile));
}
gc?.();
const st = store.stats();
console.log(
  `${n} samples in ${secs.toFixed(2)} s = ${(n / secs / 1e6).toFixed(2)}M samples/s, CPU ${cpuNsPerSample.toFixed(0)} ns/sample; series ${st.series}, chunks ${st.chunks}, ` +
    `WAL ${(st.walBytes / 1e6).toFixed(1)} MB, heap delta/series ${((process.memoryUsage().heapUsed - heap0) / st.series).toFixed(0)} B`,
);
await store.close();
await dir.cleanup();
