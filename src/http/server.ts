import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../telemetry/logger.js';
import { HttpError, errorTypeForStatus, promError } from './errors.js';

export interface HttpAppOptions {
  logger: Logger;
  /** Largest request body a parser accepts (bytes); larger gets 413. */
  bodyLimit?: number;
  /** Header timeout for incoming requests (ms): a client that never finishes its headers is cut off. */
  requestTimeoutMs?: number;
  /** Log one line per request (default true). */
  accessLog?: boolean;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:\-]{1,128}$/;

/**
 * A fastify instance with the behaviour every obspath server shares: a request id (taken from a sane
 * incoming X-Request-Id, else a new UUID) echoed on every response, one access-log line per request,
 * and Prometheus-shaped JSON for every error, 404 included.
 */
export function createHttpApp(opts: HttpAppOptions): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 1 << 20,
    requestTimeout: opts.requestTimeoutMs ?? 0,
    connectionTimeout: 0,
    keepAliveTimeout: 65_000,
    forceCloseConnections: 'idle',
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  if (opts.accessLog !== false) {
    app.addHook('onResponse', async (req, reply) => {
      const level = reply.statusCode >= 500 ? 'warn' : 'info';
      req.log[level](
        { method: req.method, path: req.url.split('?')[0], status: reply.statusCode, durationMs: Math.round(reply.elapsedTime * 10) / 10, remote: req.ip },
        'request',
      );
    });
  }

  app.setErrorHandler((err: FastifyError | HttpError | Error, req, reply) => {
    if (err instanceof HttpError) {
      if (err.fields.headers) reply.headers(err.fields.headers);
      return reply.code(err.statusCode).type('application/json').send(err.body(req.id));
    }
    const status = typeof (err as FastifyError).statusCode === 'number' ? (err as FastifyError).statusCode! : 500;
    if (status >= 500) req.log.error({ err }, 'unhandled error');
    const message = status >= 500 ? `internal error: ${err.message}` : err.message;
    return reply.code(status).type('application/json').send(promError(errorTypeForStatus(status), message, { requestId: req.id }));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).type('application/json').send(promError('not_found', `no route for ${req.method} ${req.url.split('?')[0]}`, { requestId: req.id }));
  });

  return app;
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses Go-style listen addresses: ":8080" (all interfaces), "127.0.0.1:0", "[::1]:9090", "localhost:80". */
export function parseListenAddress(addr: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr.trim());
  if (!m) throw new Error(`invalid listen address "${addr}": expected host:port, e.g. ":8080" or "127.0.0.1:8080"`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid listen address "${addr}": port ${port} is out of range`);
  const host = m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!);
  return { host, port };
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this machine',
};

/**
 * A server could not bind its address. Names the flag that chose the address, so "address already in
 * use" says which setting to change; the CLI prints it with the component and exits 2 (a bad setting).
 */
export class ListenError extends Error {
  constructor(readonly address: string, readonly flag: string | undefined, readonly reason: string, readonly code?: string) {
    super(`cannot listen on ${address}${flag ? ` (${flag})` : ''}: ${reason}`);
    this.name = 'ListenError';
  }
}

/** Turns a bind failure into a ListenError naming `flag`; other errors pass through unchanged. */
export function listenFailure(err: unknown, address: string, flag?: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && LISTEN_ERRORS[code]) return new ListenError(address, flag, LISTEN_ERRORS[code], code);
  return err;
}

/** Parses `addr`, failing with a ListenError that names `flag` when it is not a listen address. */
export function parseListenFlag(addr: string, flag?: string): ListenAddress {
  try {
    return parseListenAddress(addr);
  } catch (err) {
    throw new ListenError(addr, flag, (err as Error).message.replace(/^invalid listen address "[^"]*": /, 'invalid address: '));
  }
}

/**
 * Starts listening and returns the bound address (with the real port when 0 was asked) and a base URL.
 * `flag` is the setting that chose `addr` (e.g. "--web.listen"), named when the address cannot be bound.
 */
export async function listen(app: FastifyInstance, addr: string, flag?: string): Promise<ListenAddress & { url: string }> {
  const { host, port } = parseListenFlag(addr, flag);
  try {
    await app.listen({ host, port });
  } catch (err) {
    throw listenFailure(err, `${host.includes(':') ? `[${host}]` : host}:${port}`, flag);
  }
  const bound = app.server.address() as AddressInfo;
  const urlHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address === '0.0.0.0' ? '127.0.0.1' : bound.address;
  return { host: bound.address, port: bound.port, url: `http://${urlHost}:${bound.port}` };
}
