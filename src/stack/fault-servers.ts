// Small loopback servers that stand in for a broken hop: one that accepts connections and never answers
// (a NetworkPolicy drop seen from the client), one that answers 500 (a failing Observatorium), and a
// proxy that forwards after a delay (a slow backend).
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { request } from 'undici';

export interface FaultServer {
  port: number;
  close(): Promise<void>;
}

async function listenOn(server: HttpServer | TcpServer, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as { port: number }).port;
}

export async function startBlackHole(port: number): Promise<FaultServer> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  const bound = await listenOn(server, port);
  return { port: bound, close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }) };
}

export async function startErrorServer(port: number, status = 500): Promise<FaultServer> {
  const server = createHttpServer((req, res) => {
    req.resume();
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'error', errorType: 'internal', error: 'internal server error (injected by obspath up --fault api-5xx)' }));
  });
  const bound = await listenOn(server, port);
  return { port: bound, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

export async function startSlowProxy(port: number, upstream: string, delayMs: number): Promise<FaultServer> {
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const headers = { ...req.headers };
        delete headers.host;
        delete headers.connection;
        request(`${upstream}${req.url}`, { method: req.method as 'GET', headers: headers as Record<string, string>, body: chunks.length ? Buffer.concat(chunks) : undefined, headersTimeout: 30_000 })
          .then(async (up) => {
            const body = Buffer.from(await up.body.arrayBuffer());
            if (res.destroyed) return;
            res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') });
            res.end(body);
          })
          .catch(() => { if (!res.destroyed) res.writeHead(502).end(); });
      }, delayMs);
    });
  });
  const bound = await listenOn(server, port);
  return { port: bound, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
