// Turns a kubeconfig user into what a request carries: an Authorization header and/or a client certificate.
// Exec plugins run with KUBERNETES_EXEC_INFO (non-interactive) and their ExecCredential is cached until its
// expirationTimestamp, or until the API server answers 401 (then the plugin runs again once, as client-go does).

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { FactsError } from '../facts.js';
import type { ClusterConnection, ExecConfig } from './kubeconfig.js';

export interface RequestCredentials {
  headers: Record<string, string>;
  certPem?: string;
  keyPem?: string;
  /** ms since epoch; undefined: does not expire on its own. */
  expiresAt?: number;
}

const EXEC_TIMEOUT_MS = 30_000;

function runExec(exec: ExecConfig & { baseDir: string }, conn: ClusterConnection): Promise<RequestCredentials> {
  const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
  const info: Record<string, unknown> = { apiVersion, kind: 'ExecCredential', spec: { interactive: false } };
  if (exec.provideClusterInfo) {
    (info.spec as Record<string, unknown>).cluster = {
      server: conn.server, 'tls-server-name': conn.tlsServerName, 'insecure-skip-tls-verify': conn.insecureSkipTlsVerify,
      'certificate-authority-data': conn.caPem ? Buffer.from(conn.caPem).toString('base64') : undefined,
    };
  }
  // kubectl resolves a relative command with a path separator against the kubeconfig's directory.
  const command = !isAbsolute(exec.command) && exec.command.includes('/') ? join(exec.baseDir, exec.command) : exec.command;
  const env = { ...process.env, ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])), KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  return new Promise((resolvePromise, reject) => {
    execFile(command, exec.args ?? [], { env, timeout: EXEC_TIMEOUT_MS, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        const why = e.code === 'ENOENT' ? `command not found${exec.installHint ? ` (${exec.installHint.trim()})` : ''}`
          : e.killed ? `timed out after ${EXEC_TIMEOUT_MS / 1000} s`
          : `failed: ${String(stderr).trim().slice(0, 500) || e.message}`;
        reject(new FactsError('unauthorized', `exec credential plugin ${exec.command} ${why}`));
        return;
      }
      let cred: { apiVersion?: string; kind?: string; status?: { token?: string; clientCertificateData?: string; clientKeyData?: string; expirationTimestamp?: string } };
      try {
        cred = JSON.parse(stdout) as typeof cred;
      } catch {
        reject(new FactsError('unauthorized', `exec credential plugin ${exec.command} printed no ExecCredential JSON`));
        return;
      }
      const s = cred.status ?? {};
      if (cred.kind !== 'ExecCredential' || (!s.token && !(s.clientCertificateData && s.clientKeyData))) {
        reject(new FactsError('unauthorized', `exec credential plugin ${exec.command} returned no token and no client certificate`));
        return;
      }
      const expiresAt = s.expirationTimestamp ? Date.parse(s.expirationTimestamp) : undefined;
      resolvePromise({
        headers: s.token ? { authorization: `Bearer ${s.token}` } : {},
        certPem: s.clientCertificateData,
        keyPem: s.clientKeyData,
        expiresAt: Number.isFinite(expiresAt) ? expiresAt : undefined,
      });
    });
  });
}

/** Resolves and caches the credentials of one connection. */
export class CredentialResolver {
  #cached?: RequestCredentials;

  constructor(private readonly conn: ClusterConnection) {}

  /** True when a 401 may be cured by asking again (exec plugins, token files that are rotated). */
  get refreshable(): boolean {
    return this.conn.user.exec !== undefined || this.conn.user.tokenFile !== undefined;
  }

  invalidate(): void {
    this.#cached = undefined;
  }

  async get(): Promise<RequestCredentials> {
    // Ten seconds of slack so a token does not expire between here and the API server.
    if (this.#cached && (this.#cached.expiresAt === undefined || this.#cached.expiresAt - 10_000 > Date.now())) return this.#cached;
    this.#cached = await this.#resolve();
    return this.#cached;
  }

  async #resolve(): Promise<RequestCredentials> {
    const u = this.conn.user;
    const headers: Record<string, string> = {};
    if (u.impersonate) headers['impersonate-user'] = u.impersonate;
    // undici accepts an array for a repeated header; one Impersonate-Group per group, as kubectl sends.
    const groups = u.impersonateGroups ?? [];
    const withImpersonation = (c: RequestCredentials): RequestCredentials => {
      const h: Record<string, string> = { ...c.headers, ...headers };
      if (groups.length > 0) (h as Record<string, unknown>)['impersonate-group'] = groups;
      return { ...c, headers: h };
    };
    let base: RequestCredentials = { headers: {}, certPem: u.clientCertificatePem, keyPem: u.clientKeyPem };
    if (u.exec) {
      const fromExec = await runExec(u.exec, this.conn);
      base = { ...fromExec, certPem: fromExec.certPem ?? base.certPem, keyPem: fromExec.keyPem ?? base.keyPem };
    } else if (u.token) {
      base.headers.authorization = `Bearer ${u.token}`;
    } else if (u.tokenFile) {
      try {
        base.headers.authorization = `Bearer ${readFileSync(u.tokenFile, 'utf8').trim()}`;
      } catch (err) {
        throw new FactsError('unauthorized', `cannot read tokenFile ${u.tokenFile}: ${(err as Error).message}`);
      }
      // Projected service-account tokens rotate: re-read the file every minute.
      base.expiresAt = Date.now() + 60_000;
    } else if (u.username !== undefined && u.password !== undefined) {
      base.headers.authorization = `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`;
    } else if (u.authProvider) {
      const idToken = u.authProvider.config?.['id-token'];
      if (u.authProvider.name === 'oidc' && idToken) base.headers.authorization = `Bearer ${idToken}`;
      else throw new FactsError('unauthorized', `kubeconfig auth-provider "${u.authProvider.name}" is not supported (kubectl dropped it too): use an exec credential plugin (e.g. kubelogin, gke-gcloud-auth-plugin)`);
    }
    return withImpersonation(base);
  }
}
