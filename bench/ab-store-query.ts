// In-process interleaved A/B of two checkouts' store query paths (parse -> select -> evaluate -> JSON text) over
// the same Kafka-like data, each checkout with its own embedded store: CPU µs per case, rounds in alternating
// order, and the per-round ratio B/A. Each answer is counted up to its bytes (what a server sends). Less load-sensitive than bench:store's wall clock on a shared machine.
//   TREES=<checkout A>,<checkout B> SIZE=10000 ITER=40 ROUNDS=5 [ONLY=0,1,2,3] node --import tsx bench/ab-store-query.ts
// A checkout is an absolute directory path holding src/ and tools/ (e.g. a `git worktree add` of the base commit).
const TREES = (process.env.TREES ?? '').split(',').filter(Boolean);
if (TREES.length !== 2) {
  console.error('usage: TREES=<checkout A>,<checkout B> node --import tsx bench/ab-store-query.ts');
  process.exit(2);
}
const SIZE = Number(process.env.SIZE ?? 10000);
const ITER = Number(process.env.ITER ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ONLY = (process.env.ONLY ?? '0,1,2,3').split(',').map(Number);
const setups = [];
for (const tree of TREES) {
  const { buildQueries } = await import(`${tree}/src/kafka-metrics/catalog.ts`);
  const { kafkaInstanceSeries, samplesBetween } = await import(`${tree}/src/stack/kafka-data.ts`);
  const { Engine } = await import(`${tree}/src/promql/engine.ts`);
  const { handleRead, handleReadBytes } = await import(`${tree}/src/promapi/index.ts`);
  // The answer as the bytes a server sends: a checkout with handleReadBytes writes them, an older one's text is
  // encoded (as its server did), so both sides pay for the whole answer.
  const answer = handleReadBytes
    ? (ctx: unknown, ep: string, u: URLSearchParams) => handleReadBytes(ctx, ep, u, 'ab')
    : (ctx: unknown, ep: string, u: URLSearchParams) => { const r = handleRead(ctx, ep, u); return { status: r.status, body: Buffer.from(r.body) }; };
  const { encodeWriteRequest, REMOTE_WRITE_HEADERS } = await import(`${tree}/src/remotewrite/encode.ts`);
  const { ingestRemoteWrite } = await import(`${tree}/src/store/remote-write/ingest.ts`);
  const { Store } = await import(`${tree}/src/store/store.ts`);
  const { tempDir } = await import(`${tree}/tools/testing/net.ts`);
  const perInstance = kafkaInstanceSeries({ id: 'probe' }).length;
  const instances = Math.max(1, Math.round(SIZE / perInstance));
  const now = Math.floor(Date.now() / 30_000) * 30_000;
  const from = now - 60 * 60_000;
  const series = Array.from({ length: instances }, (_, i) => kafkaInstanceSeries({ id: `k${i.toString(36).padStart(5, '0')}` })).flat();
  const dir = await tempDir('obspath-ab-');
  const store = await Store.open({ dir: dir.path, fsync: 'batch', maintenanceIntervalMs: 0 });
  for (let t = from; t < now; t += 10 * 60_000) {
    const batch = samplesBetween(series, t, t + 10 * 60_000).filter((s: any) => s.timestamps.length > 0);
    for (let i = 0; i < batch.length; i += 5000) await ingestRemoteWrite(store, encodeWriteRequest(batch.slice(i, i + 5000)), REMOTE_WRITE_HEADERS);
  }
  const groups = buildQueries('kafka-k00000');
  const dashboard = 'sum by (topic) (rate(kafka_server_brokertopicmetrics_bytes_in_total[5m]))';
  const cases = [
    ['query', groups.map((g: any) => ({ query: g.query, time: String(now / 1000) }))],
    ['query_range', groups.map((g: any) => ({ query: g.query, start: String(from / 1000), end: String(now / 1000), step: '30' }))],
    ['query', [{ query: dashboard, time: String(now / 1000) }]],
    ['query_range', [{ query: dashboard, start: String(from / 1000), end: String(now / 1000), step: '60' }]],
  ].map(([ep, ps]: any) => ({ ep, urls: ps.map((p: any) => new URLSearchParams(p)) }));
  setups.push({ tree, run: (c: number) => { for (const u of cases[c]!.urls) { const r = answer({ querier: store, engine: new Engine() }, cases[c]!.ep, u); if (r.status !== 200) throw new Error(String(r.body)); } }, store, dir });
}
const names = ['7 sel instant', '7 sel range', 'dash instant', 'dash range'];
for (const c of ONLY) {
  for (const s of setups) for (let i = 0; i < 30; i++) s.run(c);
  const cpu: Record<string, number[]> = {};
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? setups : [...setups].reverse();
    for (const s of order) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < ITER; i++) s.run(c);
      const d = process.cpuUsage(c0);
      (cpu[s.tree] ??= []).push((d.user + d.system) / ITER);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const ratios = cpu[TREES[1]!]!.map((b, i) => b / cpu[TREES[0]!]![i]!);
  console.log(`${names[c]}: ${TREES.map((t) => `${t.split('/').pop()} ${med(cpu[t]!).toFixed(0)} µs`).join(', ')}; B/A per round ${ratios.map((x) => x.toFixed(2)).join(' ')} (median ${med(ratios).toFixed(2)})`);
}
for (const s of setups) { await s.store.close(); await s.dir.cleanup(); }
