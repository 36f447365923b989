// A server on a bare node:http (or https) request listener, for hot paths where fastify's per-request
// pipeline (routing, hooks, reply objects, serialisation) costs more than the work itself. It keeps what
// createHttpApp gives every obspath server: the request id (a sane incoming X-Request-Id, else a UUID)
// on every answer, Prometheus-shaped JSON errors naming the hop, the access log, draining on close,
// Node's refusals (400/408/431) answered in the same shape, TLS with certificate reload. One handler
// answers every path; it gets an Exchange.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from '../telemetry/logger.js';
import { HttpError, statusError, type Hop } from './errors.js';
import { rawClientError, type HttpAppTls } from './server.js';
import { serverTlsOptions } from './tls.js';
import { CertificateReloader, enforceClientAuth, tlsMetrics } from './tls-reload.js';

export interface BareServerOptions {
  logger: Logger;
  hop: Hop;
  /** Longest time to receive a whole request (ms; 0 = none), as createHttpApp's requestTimeoutMs. */
  requestTimeoutMs?: number;
  tls?: HttpAppTls;
  /** Log one line per request (default true): info, warn for 5xx, when that level is enabled. */
  accessLog?: boolean;
  /** Called once per answered request when its response has been sent (request metrics). */
  onAnswered?: (status: number, method: string, elapsedMs: number) => void;
}

export type BareHandler = (ex: Exchange) => void | Promise<void>;

const REQUEST_ID_RE = /^[A-Za-z0-9._:\-]{1,128}$/;
const JSON_TYPE = 'application/json; charset=utf-8';

/** One request and its answer, with the request id and a request logger made on first use. */
export class Exchange {
  readonly id: string;
  readonly start = performance.now();
  /** The connection: req.socket is let go once the answer is done, before 'close' runs. */
  readonly socket: Socket;
  #log?: Logger;
  /** Runs when the caller goes away before its answer was sent (stop upstream work, drop bodies). */
  onAbort?: () => void;

  constructor(readonly req: IncomingMessage, readonly res: ServerResponse, private readonly owner: BareServer) {
    this.socket = req.socket;
    const incoming = req.headers['x-request-id'];
    this.id = typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
  }

  /** The request's logger (bound to its id, as fastify's reqId); a pino child only once a line is logged. */
  get log(): Logger {
    this.#log ??= this.owner.logger.child({ reqId: this.id });
    return this.#log;
  }

  /**
   * The access line, as `log` would write it. Most requests log nothing else, and a pino child per request
   * cost a third of writing the line; with the request id as the first field the line comes out the same.
   */
  logAccess(level: 'info' | 'warn', fields: Record<string, unknown>): void {
    if (this.#log) this.#log[level](fields, 'request');
    else this.owner.logger[level]({ reqId: this.id, ...fields }, 'request');
  }

  /** The caller went away before the answer was complete. */
  gone = false;

  /**
   * Sends status and headers; the request id is added unless `headers` carry one (an upstream's answer
   * passes its own through), and while draining the connection is closed after this answer.
   */
  writeHead(status: number, headers: OutgoingHttpHeaders): void {
    headers['x-request-id'] ??= this.id;
    if (this.owner.closing) headers.connection = 'close';
    this.res.writeHead(status, headers);
  }

  /** Answers `err` as JSON naming the hop (an HttpError as it says; anything else a logged 500). */
  fail(err: unknown): void {
    if (this.gone) return;
    if (this.res.headersSent) {
      this.res.destroy(err instanceof Error ? err : undefined);
      return;
    }
    const hop = this.owner.hop;
    if (err instanceof HttpError) return this.sendJson(err.statusCode, err.body(this.id), err.fields.headers);
    const status = typeof (err as { statusCode?: unknown })?.statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500;
    const message = err instanceof Error ? err.message : String(err);
    if (status >= 500) this.log.error({ err }, 'unhandled error');
    this.sendJson(status, statusError(status, status >= 500 ? `${hop}: internal error: ${message}` : `${hop}: ${message}`, hop, this.id));
  }

  sendJson(status: number, body: unknown, extra?: Record<string, string>): void {
    const text = JSON.stringify(body);
    this.writeHead(status, { ...extra, 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
    this.res.end(text);
  }
}

/** The request target's problems fastify's router answered before any handler: not a path, bad encoding. */
function targetProblem(ex: Exchange, hop: Hop): { status: number; message: string } | undefined {
  const url = ex.req.url ?? '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path.charCodeAt(0) !== 47 /* '/' */) return { status: 404, message: `${hop}: no route for ${ex.req.method} ${path}` };
  if (path.includes('%')) {
    try {
      decodeURIComponent(path);
    } catch {
      return { status: 400, message: `${hop}: '${path}' is not a valid url component` };
    }
  }
  return undefined;
}

export class BareServer {
  readonly server: Server;
  readonly logger: Logger;
  readonly hop: Hop;
  closing = false;
  #reloader?: CertificateReloader;

  constructor(private readonly opts: BareServerOptions, private readonly handler: BareHandler) {
    this.logger = opts.logger;
    this.hop = opts.hop;
    const listener = (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res);
    const requestTimeout = opts.requestTimeoutMs ?? 0;
    this.server = opts.tls ? createHttpsServer({ ...serverTlsOptions(opts.tls.settings), requestTimeout }, listener) : createHttpServer({ requestTimeout }, listener);
    this.server.keepAliveTimeout = 65_000;
    this.server.on('clientError', (err: Error & { code?: string }, socket: Socket) => rawClientError(err, socket, this.hop));
    if (opts.tls) {
      const tls = opts.tls;
      enforceClientAuth(this.server as unknown as TlsServer, tls.settings, opts.logger);
      this.#reloader = new CertificateReloader({ server: this.server as unknown as TlsServer, settings: tls.settings, listener: tls.listener, logger: opts.logger, metrics: tls.registry ? tlsMetrics(tls.registry) : undefined });
    }
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const ex = new Exchange(req, res, this);
    // 'close' comes once per response; `on` spares the once-wrapper (a bound function) per request.
    res.on('close', () => this.#onClose(ex));
    if (this.closing) {
      return ex.sendJson(503, new HttpError(503, 'unavailable', `${this.hop}: shutting down; retry on a new connection`, { hop: this.hop, reason: 'shutting_down' }).body(ex.id), { 'retry-after': '1' });
    }
    const problem = targetProblem(ex, this.hop);
    if (problem) return ex.sendJson(problem.status, statusError(problem.status, problem.message, this.hop, ex.id));
    try {
      const done = this.handler(ex);
      if (done) done.catch((err: unknown) => ex.fail(err));
    } catch (err) {
      ex.fail(err);
    }
  }

  /** The response is over: sent (metrics, access log, draining) or cut by the caller (the handler's onAbort). */
  #onClose(ex: Exchange): void {
    const { req, res } = ex;
    if (!res.writableFinished) {
      ex.gone = true;
      ex.onAbort?.();
      return;
    }
    // A request body the handler left partly read (an upstream that answered early): drained, as Node does
    // for unread bodies, so that the connection stays usable.
    if (!req.complete && !req.destroyed) req.resume();
    const elapsedMs = performance.now() - ex.start;
    this.opts.onAnswered?.(res.statusCode, req.method ?? 'GET', elapsedMs);
    if (this.opts.accessLog !== false) {
      const level = res.statusCode >= 500 ? 'warn' : 'info';
      if (this.logger.isLevelEnabled(level)) {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        ex.logAccess(level, { method: req.method, path: q < 0 ? url : url.slice(0, q), status: res.statusCode, durationMs: Math.round(elapsedMs * 10) / 10, remote: ex.socket.remoteAddress });
      }
    }
    // Draining: an answer begun before close() began is complete; its connection goes now.
    if (this.closing) ex.socket.end();
  }

  /** Listens on host:port; rejects with the bind error (EADDRINUSE, ...) as server.listen gives it. */
  listen(at: { host: string; port: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(at.port, at.host, () => {
        this.server.off('error', reject);
        this.#reloader?.start();
        resolve();
      });
    });
  }

  /** Stops accepting; idle connections close now, busy ones after their answer; resolves when all are gone. */
  close(): Promise<void> {
    this.closing = true;
    this.#reloader?.stop();
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }
}
