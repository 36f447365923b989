// Certificate reload from disk for a running TLS listener (as observatorium/api's --tls.reload-interval):
// new connections get the new certificate through setSecureContext, open ones keep theirs, and a file that
// cannot be used leaves the old certificate in place with a log line and a failure counter.
import { createHash } from 'node:crypto';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../telemetry/logger.js';
import { clientAuthAllows, loadKeyPair, secureContextOptions, type ServerTlsSettings } from './tls.js';

export interface TlsMetrics {
  reloads: Counter<'listener' | 'result'>;
  notAfter: Gauge<'listener'>;
}

const metricsByRegistry = new WeakMap<Registry, TlsMetrics>();

/** The TLS metrics of a component's registry (created once, shared by its listeners). */
export function tlsMetrics(registry: Registry): TlsMetrics {
  let m = metricsByRegistry.get(registry);
  if (!m) {
    m = {
      reloads: new Counter({ name: 'obspath_tls_certificate_reloads_total', help: 'Certificate reloads from disk by listener and result (success, failure); a failure keeps the old certificate.', labelNames: ['listener', 'result'], registers: [registry] }),
      notAfter: new Gauge({ name: 'obspath_tls_certificate_not_after_timestamp_seconds', help: 'Expiry (notAfter) of the certificate a listener serves.', labelNames: ['listener'], registers: [registry] }),
    };
    metricsByRegistry.set(registry, m);
  }
  return m;
}

export interface ReloaderOptions {
  server: TlsServer;
  settings: ServerTlsSettings;
  /** Which listener, for logs and metrics: "web", "internal". */
  listener: string;
  logger: Logger;
  metrics?: TlsMetrics;
}

export class CertificateReloader {
  private timer: NodeJS.Timeout | undefined;
  private digest = '';

  constructor(private readonly opts: ReloaderOptions) {
    const pair = loadKeyPair(opts.settings.certFile, opts.settings.keyFile);
    this.digest = digestOf(pair.cert, pair.key);
    opts.metrics?.notAfter.set({ listener: opts.listener }, Date.parse(pair.leaf.validTo) / 1000);
  }

  start(): void {
    if (this.opts.settings.reloadIntervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => this.reload(), this.opts.settings.reloadIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Re-reads the files; swaps the certificate when they changed and are usable. Returns what happened. */
  reload(): 'unchanged' | 'reloaded' | 'failed' {
    const { settings, listener, logger, metrics } = this.opts;
    try {
      const pair = loadKeyPair(settings.certFile, settings.keyFile);
      const digest = digestOf(pair.cert, pair.key);
      if (digest === this.digest) return 'unchanged';
      this.opts.server.setSecureContext(secureContextOptions(settings, pair));
      this.digest = digest;
      metrics?.reloads.inc({ listener, result: 'success' });
      metrics?.notAfter.set({ listener }, Date.parse(pair.leaf.validTo) / 1000);
      logger.info({ listener, certFile: settings.certFile, notAfter: pair.leaf.validTo }, 'TLS certificate reloaded');
      return 'reloaded';
    } catch (err) {
      metrics?.reloads.inc({ listener, result: 'failure' });
      logger.error({ listener, certFile: settings.certFile, err: (err as Error).message }, 'TLS certificate reload failed; still serving the previous certificate');
      return 'failed';
    }
  }
}

function digestOf(cert: Buffer, key: Buffer): string {
  return createHash('sha256').update(cert).update(key).digest('hex');
}

/** Closes connections that the client-auth type refuses and OpenSSL let through (see clientAuthAllows). */
export function enforceClientAuth(server: TlsServer, settings: ServerTlsSettings, logger: Logger): void {
  const type = settings.clientAuthType;
  if (type !== 'RequireAnyClientCert' && type !== 'VerifyClientCertIfGiven') return;
  server.on('secureConnection', (socket: TLSSocket) => {
    const cert = socket.getPeerCertificate();
    const hasCert = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
    if (clientAuthAllows(type, { hasCert, authorized: socket.authorized })) return;
    logger.debug({ remote: socket.remoteAddress, type, reason: hasCert ? String(socket.authorizationError) : 'no client certificate' }, 'TLS client refused');
    socket.destroy();
  });
}
