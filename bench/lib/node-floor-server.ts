// The Node floor: the least a Node reverse proxy can do per request on this machine, a bare node:http
// server and an undici Pool, no framework, no logging, no metrics. It forwards method, path, headers and
// body, sets the Authorization header (as the refresher and nginx's proxy_set_header do) and streams the
// answer back. Run by bench/lib/node-floor.ts as a child process; prints the bound port on stdout.
// Usage: node --import tsx bench/lib/node-floor-server.ts <upstream-url> [authorization]
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, type Dispatcher } from 'undici';

const [upstreamUrl, authorization] = process.argv.slice(2);
if (!upstreamUrl) throw new Error('usage: node-floor-server.ts <upstream-url> [authorization]');
const pool = new Pool(upstreamUrl, { connections: 256, keepAliveTimeout: 30_000 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);

function requestHeaders(incoming: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k in incoming) if (!HOP_BY_HOP.has(k)) out[k] = incoming[k]!;
  if (authorization) out.authorization = authorization;
  return out;
}

const server = createServer((req, res) => {
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  pool.request({ path: req.url ?? '/', method: req.method as Dispatcher.HttpMethod, headers: requestHeaders(req.headers), body: hasBody ? req : undefined }).then(
    (up) => {
      const headers: Record<string, string | string[]> = {};
      for (const k in up.headers) if (!HOP_BY_HOP.has(k)) headers[k] = up.headers[k]!;
      res.writeHead(up.statusCode, headers);
      // pipe, not stream.pipeline: on Node 20 pipeline costs an AbortController (and a DOMException) per call.
      up.body.on('error', () => res.destroy());
      up.body.pipe(res);
    },
    (err: Error) => {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(err.message);
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(String((server.address() as AddressInfo).port)));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.close().finally(() => process.exit(0));
});
