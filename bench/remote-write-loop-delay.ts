// How long one remote-write request at the 64 MiB decompressed limit holds the event loop, in the
// store's ingest and in the API's tenant-label rewrite (in-process, no HTTP):
//   node --import tsx bench/remote-write-loop-delay.ts [rounds] [series] [samplesPerSeries]
// Cases: (a) junk: 64 MiB of `0x28 0x00` (an unknown varint field, legal proto3), about 3 MiB of
// snappy; (b) a legitimate body near the limit. Prints per case the wall time of one request and the
// largest event-loop delay seen (perf_hooks.monitorEventLoopDelay, 1 ms resolution) while it ran,
// and the longest garbage-collection pause in that time (the store's heap, not this code, decides it).
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import snappy from 'snappyjs';
import { Store } from '../src/store/store.js';
import { ingestRemoteWrite } from '../src/store/remote-write/ingest.js';
import { encodeWriteRequestProto, snappyCompress, type SeriesToWrite } from '../src/remotewrite/encode.js';
import { rewriteRemoteWrite } from '../src/api/enforcement/remote-write.js';
import { tempDir } from '../tools/testing/net.js';
import { benchSeriesLabels } from './lib/series.js';

const [roundsArg, seriesArg, samplesArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg ?? 3);
const SERIES = Number(seriesArg ?? 100_000);
const SAMPLES = Number(samplesArg ?? 29);
const LIMIT = 64 << 20;

function junkBody(): Buffer {
  const raw = Buffer.alloc(LIMIT);
  for (let i = 0; i < raw.length; i += 2) raw[i] = 0x28;
  return snappyCompress(raw);
}

/** SERIES series of 5 labels with SAMPLES samples each, stamped from `t0` on (one per 10 s). */
function legitBody(t0: number): Buffer {
  const series: SeriesToWrite[] = [];
  for (let i = 0; i < SERIES; i++) {
    const ts = new Float64Array(SAMPLES);
    const vs = new Float64Array(SAMPLES);
    for (let j = 0; j < SAMPLES; j++) (ts[j] = t0 + j * 10_000), (vs[j] = i + j);
    series.push({
      labels: benchSeriesLabels(i, `pod-${i}`),
      timestamps: ts,
      values: vs,
    });
  }
  const raw = encodeWriteRequestProto(series);
  if (raw.length > LIMIT) throw new Error(`legit body is ${raw.length} bytes, over the ${LIMIT} limit: lower the series or samples`);
  return snappyCompress(raw);
}

let longestGc = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longestGc = Math.max(longestGc, e.duration);
}).observe({ entryTypes: ['gc'] });

/** Runs `run` ROUNDS times, each on what `setup` gives (set up and torn down outside the measurement). */
async function measure<T>(what: string, setup: () => Promise<T>, run: (x: T) => Promise<void>, teardown: (x: T) => Promise<void>): Promise<void> {
  const walls: number[] = [];
  const maxes: number[] = [];
  const gcs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const x = await setup();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    longestGc = 0;
    const t0 = performance.now();
    await run(x);
    walls.push(performance.now() - t0);
    // Let the histogram's timer fire once more, so a block at the very end is counted.
    await new Promise((resolve) => setTimeout(resolve, 5));
    h.disable();
    // The GC observer is told in a later task.
    await new Promise((resolve) => setImmediate(resolve));
    maxes.push(h.max / 1e6);
    gcs.push(longestGc);
    await teardown(x);
  }
  const f = (xs: number[]) => xs.map((x) => x.toFixed(0)).join('/');
  console.log(`${what.padEnd(38)} wall ${f(walls)} ms; max event-loop delay ${f(maxes)} ms (longest GC pause ${f(gcs)} ms)`);
}

const junk = junkBody();
const now = Date.now() - 3600_000;
const legit = legitBody(now);
const legitRaw = snappy.uncompress(legit);
console.log(`junk: ${junk.length} B snappy -> ${LIMIT} B; legit: ${SERIES} series x ${SAMPLES} samples, ${legit.length} B snappy -> ${legitRaw.length} B`);

const idle = monitorEventLoopDelay({ resolution: 1 });
idle.enable();
await new Promise((resolve) => setTimeout(resolve, 1000));
idle.disable();
console.log(`idle second: max event-loop delay ${(idle.max / 1e6).toFixed(0)} ms (the machine's own noise)`);

const dir = await tempDir('obspath-delay-');
try {
  let k = 0;
  const openStore = () => Store.open({ dir: `${dir.path}/s${k++}`, fsync: 'off', maintenanceIntervalMs: 0 });
  const closeStore = (s: Store) => s.close();
  const ingest = (body: Buffer) => async (store: Store) => {
    const r = await ingestRemoteWrite(store, body, {});
    if (r.status !== 204) throw new Error(`${r.status} ${r.body.slice(0, 300)}`);
  };
  await measure('store ingest, (a) junk', openStore, ingest(junk), closeStore);
  await measure('store ingest, (b) legit (fresh store)', openStore, ingest(legit), closeStore);
  const none = async () => undefined;
  const rewrite = (body: Buffer) => async () => void (await rewriteRemoteWrite(body, 'tenant_id', 'bench', LIMIT));
  await measure('api rewrite, (a) junk', none, rewrite(junk), none);
  await measure('api rewrite, (b) legit', none, rewrite(legit), none);
} finally {
  await dir.cleanup();
}
