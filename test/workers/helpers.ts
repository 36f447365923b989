// Helpers of the --workers tests: a request on a fresh connection (so the cluster may hand it to any worker),
// and an upstream that records what it was sent.
import { request, createServer, type Server } from 'node:http';

export interface Answer {
  status: number;
  worker: string;
  body: string;
}

/** One request on its own connection; `worker` is the x-obspath-worker header ("<id>/<pid>"). */
export function fresh(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close', ...headers }, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, worker: String(res.headers['x-obspath-worker'] ?? ''), body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within 15 s`)));
    req.on('error', reject);
    req.end();
  });
}

export function pidOf(worker: string): number {
  return Number(worker.split('/')[1]);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface Upstream {
  url: string;
  /** Authorization header of every request. */
  auth: string[];
  close(): Promise<void>;
}

/** A Prometheus-shaped upstream: /slow answers after 1.5 s (to be in flight during a drain). */
export async function startUpstream(): Promise<Upstream> {
  const auth: string[] = [];
  const server: Server = createServer((req, res) => {
    auth.push(String(req.headers.authorization ?? ''));
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resultType":"vector","result":[]}}');
    if (req.url?.includes('/slow')) setTimeout(answer, 1500);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    auth,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}
