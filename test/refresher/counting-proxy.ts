import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CountingProxy {
  port: number;
  /** Arrival time (ms since epoch) of every HTTP request line that passed through. */
  requests: number[];
  /** Requests that arrived in [from, to). */
  between(from: number, to: number): number;
  /** The most requests seen in any window of `ms`. */
  maxInWindow(ms: number, from?: number, to?: number): number;
  close(): Promise<void>;
}

const REQUEST_LINE = /(?:GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH) \S+ HTTP\/1\.[01]\r\n/g;

/**
 * A TCP proxy on 127.0.0.1 that counts the HTTP requests passing through it (request lines, across
 * chunk boundaries). Placed in front of an issuer, it counts token requests even when that issuer is
 * frozen or dead: a refused upstream connection closes the client's connection at once.
 */
export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const requests: number[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    let pending = '';
    let heard = false;
    client.on('data', (chunk: Buffer) => {
      heard = true;
      pending += chunk.toString('latin1');
      let last = 0;
      for (const m of pending.matchAll(REQUEST_LINE)) {
        requests.push(Date.now());
        last = m.index + m[0].length;
      }
      // Keep only a tail that could hold the start of a split request line.
      pending = pending.slice(Math.max(last, pending.length - 2048));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end);
    client.on('close', end);
    // A dead target refuses at once; let the client's request arrive (and be counted) before hanging up.
    const endAfterRequest = () => (heard ? end() : client.once('data', () => setImmediate(end)).setTimeout(200, end));
    upstream.on('error', endAfterRequest);
    upstream.on('close', endAfterRequest);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    requests,
    between: (from, to) => requests.filter((t) => t >= from && t < to).length,
    maxInWindow: (ms, from = 0, to = Infinity) => {
      const ts = requests.filter((t) => t >= from && t < to);
      let best = 0;
      for (let i = 0, j = 0; i < ts.length; i++) {
        while (ts[i]! - ts[j]! >= ms) j++;
        best = Math.max(best, i - j + 1);
      }
      return best;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
