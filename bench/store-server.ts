// Minimal node:http remote-write receiver around the embedded store, for bench/store-ingest.ts (runs
// as its own process so its memory can be compared with Prometheus's). Loopback only.
//   node --expose-gc --import tsx bench/store-server.ts <dataDir> <port> <fsync>
import { createServer } from 'node:http';
import { Store } from '../src/store/store.js';
import { ingestRemoteWrite } from '../src/store/remote-write/ingest.js';
import type { FsyncMode } from '../src/store/wal/writer.js';

const [dir, portArg, fsync] = process.argv.slice(2);
const store = await Store.open({ dir: dir!, fsync: (fsync ?? 'batch') as FsyncMode, maintenanceIntervalMs: 10_000 });

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/api/v1/write') {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      ingestRemoteWrite(store, Buffer.concat(chunks), req.headers).then(
        (r) => {
          res.statusCode = r.status;
          res.end(r.body);
        },
        (err: unknown) => {
          res.statusCode = 500;
          res.end(String(err));
        },
      );
    });
    return;
  }
  if (req.url === '/stats') {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, ...store.stats() }));
    return;
  }
  res.statusCode = 404;
  res.end();
});
server.keepAliveTimeout = 60_000;
server.listen(Number(portArg), '127.0.0.1', () => process.stdout.write('LISTENING\n'));
process.on('SIGTERM', () => {
  server.close();
  void store.close().then(() => process.exit(0));
});
