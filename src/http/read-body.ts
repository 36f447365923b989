// A request body read whole, up to a limit, for handlers on the bare listener (bare-server.ts), where no
// framework reads it: the caller learns as soon as the body is known to be larger than the limit.
import type { IncomingMessage } from 'node:http';

/** Reads the body up to `limit` bytes; `done(true)` as soon as it is known to be larger. */
export function readBody(req: IncomingMessage, limit: number, done: (tooLarge: boolean, body?: Buffer) => void): void {
  if (Number(req.headers['content-length']) > limit) return done(true);
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  // A caller that drops the connection mid-body: its answer is never sent (the response's 'close').
  req.on('error', () => {});
  req.on('data', (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > limit) {
      over = true;
      chunks.length = 0;
      return done(true);
    }
    chunks.push(c);
  });
  req.on('end', () => {
    if (!over) done(false, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
}
