import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError, type FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import type { Registry } from 'prom-client';
import type { Logger } from '../telemetry/logger.js';
import { HttpError, statusError, type Hop } from './errors.js';
import { serverTlsOptions, type ServerTlsSettings } from './tls.js';
import { CertificateReloader, enforceClientAuth, tlsMetrics } from './tls-reload.js';
import { lazyRequestLogger } from './request-logger.js';

export interface HttpAppOptions {
  logger: Logger;
  /** The hop every error body of this server names (`"hop"`), so a failure is placed without reading logs. */
  hop: Hop;
  /** Largest request body a parser accepts (bytes); larger gets 413. */
  bodyLimit?: number;
  /** Header timeout for incoming requests (ms): a client that never finishes its headers is cut off. */
  requestTimeoutMs?: number;
  /** Log one line per request (default true). */
  accessLog?: boolean;
  /** Serve HTTPS with these settings (checked now: a bad certificate throws TlsConfigError). */
  tls?: HttpAppTls;
  /**
   * Parse the query string into `req.query` (default true). A proxy that passes the query on as it is and
   * never reads it says false: `req.query` is then empty, and no request pays for the parse.
   */
  parseQuery?: boolean;
}

export interface HttpAppTls {
  settings: ServerTlsSettings;
  /** Which listener, for reload logs and metrics ("web", "internal"). */
  listener: string;
  /** Where the reload metrics go (the component's registry). */
  registry?: Registry;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:\-]{1,128}$/;

/**
 * A fastify instance with the behaviour every obspath server shares: a request id (taken from a sane
 * incoming X-Request-Id, else a new UUID) echoed on every response, one access-log line per request,
 * and Prometheus-shaped JSON naming the hop for every error: 404, 405, 413, 415, bad URLs, and the
 * malformed requests Node refuses before fastify sees them (400, 408, 431).
 */
export function createHttpApp(opts: HttpAppOptions): FastifyInstance {
  const { hop } = opts;
  const https = opts.tls ? serverTlsOptions(opts.tls.settings) : undefined;
  const app = Fastify({
    ...(https ? { https } : {}),
    loggerInstance: opts.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    bodyLimit: opts.bodyLimit ?? 1 << 20,
    requestTimeout: opts.requestTimeoutMs ?? 0,
    connectionTimeout: 0,
    keepAliveTimeout: 65_000,
    forceCloseConnections: 'idle',
    // Requests arriving on kept-alive connections while closing get our 503 (below), not fastify's own body.
    return503OnClosing: false,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500, ...(opts.parseQuery === false ? { querystringParser: () => ({}) } : {}) },
    // Bad URL encodings (/%zz) and over-long path parameters: through the reply, with the request id.
    frameworkErrors: (err, req, res) => {
      const reply = res as unknown as FastifyReply;
      void reply.code(400).header('x-request-id', req.id).type('application/json').send(statusError(400, `${hop}: ${err.message}`, hop, req.id));
    },
    clientErrorHandler: (err: Error & { code?: string }, socket: Socket) => rawClientError(err, socket, hop),
  }) as unknown as FastifyInstance;
  if (opts.tls) withTls(app, opts.tls, opts.logger);

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // The per-request hooks take a callback rather than returning a promise: each runs on every request.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    if (!closing) return done();
    reply.header('connection', 'close').header('retry-after', '1');
    done(new HttpError(503, 'unavailable', `${hop}: shutting down; retry on a new connection`, { hop, reason: 'shutting_down' }));
  });
  // Draining: a request in flight when close() began is answered, then its connection is closed; kept
  // alive, it would hold close() (and the process) until the client's keep-alive timeout.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing && !reply.raw.headersSent) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (req, _reply, done) => {
    if (closing) req.raw.socket?.end();
    done();
  });

  if (opts.accessLog !== false) {
    app.addHook('onResponse', (req, reply, done) => {
      const level = reply.statusCode >= 500 ? 'warn' : 'info';
      // The line's fields are only gathered when it will be written.
      if ((req.log as Logger).isLevelEnabled(level)) {
        req.log[level](
          { method: req.method, path: req.url.split('?')[0], status: reply.statusCode, durationMs: Math.round(reply.elapsedTime * 10) / 10, remote: req.ip },
          'request',
        );
      }
      done();
    });
  }

  app.setErrorHandler((err: FastifyError | HttpError | Error, req, reply) => {
    if (err instanceof HttpError) {
      if (err.fields.headers) reply.headers(err.fields.headers);
      return reply.code(err.statusCode).type('application/json').send(err.body(req.id));
    }
    const status = typeof (err as FastifyError).statusCode === 'number' ? (err as FastifyError).statusCode! : 500;
    if (status >= 500) req.log.error({ err }, 'unhandled error');
    const message = status >= 500 ? `${hop}: internal error: ${err.message}` : `${hop}: ${err.message}`;
    return reply.code(status).type('application/json').send(statusError(status, message, hop, req.id));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).type('application/json').send(statusError(404, `${hop}: no route for ${req.method} ${req.url.split('?')[0]}`, hop, req.id));
  });

  return app;
}

/** Reloads the certificate from disk while listening, and enforces the client-auth types OpenSSL cannot. */
function withTls(app: FastifyInstance, tls: HttpAppTls, logger: Logger): void {
  const server = app.server as unknown as TlsServer;
  enforceClientAuth(server, tls.settings, logger);
  const reloader = new CertificateReloader({ server, settings: tls.settings, listener: tls.listener, logger, metrics: tls.registry ? tlsMetrics(tls.registry) : undefined });
  app.addHook('onListen', async () => reloader.start());
  app.addHook('onClose', async () => reloader.stop());
}

/**
 * Requests Node's parser refuses (malformed, headers too large, too slow) never reach fastify; they get
 * the same JSON shape, with a fresh request id since none was read.
 */
export function rawClientError(err: Error & { code?: string }, socket: Socket, hop: Hop): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const why = status === 408 ? 'request not received within the server\'s request timeout' : status === 431 ? 'request headers too large' : `malformed HTTP request (${err.code ?? err.message})`;
  const id = randomUUID();
  const body = JSON.stringify(statusError(status, `${hop}: ${why}`, hop, id));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
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
/** What listen() takes: a fastify instance, or a BareServer (bare-server.ts). */
export interface Listenable {
  readonly server: NetServer;
  listen(at: { host: string; port: number }): Promise<unknown>;
}

export async function listen(app: Listenable, addr: string, flag?: string): Promise<ListenAddress & { url: string }> {
  const { host, port } = parseListenFlag(addr, flag);
  try {
    await app.listen({ host, port });
  } catch (err) {
    throw listenFailure(err, `${host.includes(':') ? `[${host}]` : host}:${port}`, flag);
  }
  const bound = app.server.address() as AddressInfo;
  const urlHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address === '0.0.0.0' ? '127.0.0.1' : bound.address;
  const scheme = app.server instanceof TlsServer ? 'https' : 'http';
  return { host: bound.address, port: bound.port, url: `${scheme}://${urlHost}:${bound.port}` };
}
