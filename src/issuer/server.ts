import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../telemetry/logger.js';
import { randomUUID } from 'node:crypto';
import { statusError } from '../http/errors.js';
import { listenFailure, parseListenFlag, type HttpAppTls } from '../http/server.js';
import { serverTlsOptions } from '../http/tls.js';
import { CertificateReloader, enforceClientAuth } from '../http/tls-reload.js';
import type { IssuerClient } from './clients.js';
import { KeyRing, generateSigningKey, type SigningJwk } from './keys.js';
import { buildProvider, requestedAudience } from './provider.js';

export interface IssuerOptions {
  listen: string;
  realm: string;
  clients: readonly IssuerClient[];
  tokenTtlMs: number;
  /** How long a rotated-out key stays in the JWKS (default: the longest token lifetime of any client). */
  keyRetainMs?: number;
  signingKey?: SigningJwk;
  /** Delay every token response by this long (to reproduce a slow issuer). */
  tokenDelayMs?: number;
  /** Public base URL when it differs from the listen address (behind a proxy). */
  publicUrl?: string;
  /** Serve HTTPS (the --tls.server.* flags). */
  tls?: HttpAppTls;
  logger: Logger;
}

export interface RunningIssuer {
  /** The issuer identifier: http://host:port/auth/realms/<realm> (Keycloak's shape). */
  issuerUrl: string;
  /** http://host:port */
  baseUrl: string;
  port: number;
  rotateKeys(): string;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const TOKEN_BODY_LIMIT = 56 * 1024;

/**
 * Reads a token request's form body ahead of oidc-provider, to keep its `audience` parameter (the
 * provider drops parameters a grant does not declare). The provider then takes the body from `req.body`.
 */
async function readTokenRequest(req: IncomingMessage): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > TOKEN_BODY_LIMIT) throw new Error('request entity too large');
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  (req as IncomingMessage & { body?: string }).body = body;
  const audience = new URLSearchParams(body).getAll('audience').join(' ');
  if (audience) requestedAudience.set(req, audience);
}

/** The longest lifetime of any token this issuer signs: no token outlives its key's retention. */
export function longestTokenTtlMs(clients: readonly IssuerClient[], defaultTtlMs: number): number {
  return Math.max(defaultTtlMs, ...clients.map((c) => c.tokenTTL ?? 0));
}

/** The caller's sane X-Request-Id, else a new one; echoed on the answer. */
function requestIdOf(req: IncomingMessage): string {
  const h = req.headers['x-request-id'];
  return typeof h === 'string' && /^[A-Za-z0-9._:\-]{1,128}$/.test(h) ? h : randomUUID();
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const id = (body as { requestId?: unknown }).requestId;
  res.writeHead(status, { 'content-type': 'application/json', ...(typeof id === 'string' ? { 'x-request-id': id } : {}) });
  res.end(JSON.stringify(body));
}

/** The current oidc-provider callback, rebuilt on rotation and when a retired key's retention ends. */
interface ProviderSlot {
  handler(): Handler;
  rebuild(issuerUrl: string): void;
  rotate(): string;
  stop(): void;
}

function createProviderSlot(opts: IssuerOptions, ring: KeyRing, retainMs: number): ProviderSlot {
  let pruneTimer: NodeJS.Timeout | undefined;
  let issuerUrl = '';
  let providerHandler: Handler | undefined;
  const rebuild = () => {
    const provider = buildProvider({ issuerUrl, clients: opts.clients, keys: ring.keys, tokenTtlSeconds: opts.tokenTtlMs / 1000 });
    provider.on('grant.error', (...args: unknown[]) => {
      const err = args[1] as { error?: string; error_description?: string } | undefined;
      opts.logger.info({ error: err?.error, description: err?.error_description }, 'token request refused');
    });
    provider.on('grant.success', () => opts.logger.debug('token issued'));
    providerHandler = provider.callback();
    schedulePrune();
  };
  // The provider takes keys only at construction: rebuild it when a retired key's retention ends.
  const schedulePrune = () => {
    clearTimeout(pruneTimer);
    const at = ring.nextExpiry();
    if (at === undefined) return;
    pruneTimer = setTimeout(() => {
      if (ring.prune()) {
        opts.logger.info({ keys: ring.keys.map((k) => k.kid) }, 'retired signing key left the JWKS');
        rebuild();
      } else schedulePrune();
    }, Math.max(0, at - Date.now()) + 5);
    pruneTimer.unref();
  };
  return {
    handler: () => providerHandler!,
    rebuild(url) {
      issuerUrl = url;
      rebuild();
    },
    rotate() {
      const next = ring.rotate();
      rebuild();
      opts.logger.info({ kid: next.kid, keys: ring.keys.map((k) => k.kid), retainMs }, 'signing key rotated; the previous key verifies only');
      return next.kid;
    },
    stop: () => clearTimeout(pruneTimer),
  };
}

/** Hands an OAuth request under the realm's prefix to the provider, reading token bodies first. */
function forwardToProvider(req: IncomingMessage, res: ServerResponse, path: string, prefix: string, slot: ProviderSlot, delay: number): void {
  // oidc-provider routes relative to its mount point and finds that point through originalUrl.
  (req as IncomingMessage & { originalUrl?: string }).originalUrl = req.url;
  req.url = req.url!.slice(prefix.length) || '/';
  const run = () => slot.handler()(req, res);
  if (req.method === 'POST' && path.endsWith('/token')) {
    readTokenRequest(req).then(
      () => (delay > 0 ? setTimeout(run, delay) : run()),
      (err: Error) => sendJson(res, 400, { error: 'invalid_request', error_description: err.message }),
    );
    return;
  }
  run();
}

function createIssuerServer(opts: IssuerOptions, prefix: string, ring: KeyRing, slot: ProviderSlot): Server {
  const handler: Handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/health' || path === '/live' || path === '/ready') return sendJson(res, 200, { status: 'ok', kid: ring.currentKid });
    if (path === '/admin/rotate-keys' && req.method === 'POST') {
      const kid = slot.rotate();
      return sendJson(res, 200, { status: 'rotated', kid });
    }
    if (path === prefix || path.startsWith(`${prefix}/`)) return forwardToProvider(req, res, path, prefix, slot, opts.tokenDelayMs ?? 0);
    // Outside the OAuth endpoints, errors have obspath's shape (OAuth's own error bodies stay as the RFCs say).
    sendJson(res, 404, statusError(404, `issuer: no route for ${req.method} ${path}; the issuer is at ${prefix}`, 'issuer', requestIdOf(req)));
  };
  const server: Server = opts.tls ? createHttpsServer(serverTlsOptions(opts.tls.settings), handler) : createServer(handler);
  // A slow or half-open client must not hold the issuer's sockets forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return server;
}

function withReload(server: Server, tls: HttpAppTls, logger: Logger): CertificateReloader {
  enforceClientAuth(server as unknown as TlsServer, tls.settings, logger);
  return new CertificateReloader({ server: server as unknown as TlsServer, settings: tls.settings, listener: tls.listener, logger });
}

/** Binds the server and returns the base URL clients reach it at. */
async function listenIssuer(server: Server, listen: string, publicUrl: string | undefined, scheme: 'http' | 'https'): Promise<{ baseUrl: string; port: number }> {
  const { host, port } = parseListenFlag(listen, '--web.listen');
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenFailure(err, `${host}:${port}`, '--web.listen')));
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const urlHost = bound.address === '0.0.0.0' || bound.address === '::' ? '127.0.0.1' : bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return { baseUrl: publicUrl?.replace(/\/$/, '') ?? `${scheme}://${urlHost}:${bound.port}`, port: bound.port };
}

/**
 * Starts the dev OIDC issuer. The provider is rebuilt on key rotation (it takes keys only at
 * construction); client_credentials needs no server-side state, so nothing is lost by that.
 */
export async function startIssuer(opts: IssuerOptions): Promise<RunningIssuer> {
  parseListenFlag(opts.listen, '--web.listen'); // a bad flag fails before a key is generated
  const prefix = `/auth/realms/${opts.realm}`;
  const retainMs = opts.keyRetainMs ?? longestTokenTtlMs(opts.clients, opts.tokenTtlMs);
  const ring = new KeyRing(opts.signingKey ?? generateSigningKey(), retainMs);
  const slot = createProviderSlot(opts, ring, retainMs);
  const server = createIssuerServer(opts, prefix, ring, slot);
  const reloader = opts.tls ? withReload(server, opts.tls, opts.logger) : undefined;
  const { baseUrl, port } = await listenIssuer(server, opts.listen, opts.publicUrl, opts.tls ? 'https' : 'http');
  reloader?.start();
  const issuerUrl = `${baseUrl}${prefix}`;
  slot.rebuild(issuerUrl);
  return {
    issuerUrl,
    baseUrl,
    port,
    rotateKeys: () => slot.rotate(),
    close: () =>
      new Promise<void>((resolve) => {
        slot.stop();
        reloader?.stop();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
