// One scrape's HTTP exchange: GET the target's metrics path with Prometheus's headers, within the scrape
// timeout, reading at most the body size limit (gzip decompressed as it streams, so a small compressed bomb
// is refused as soon as it grows past the limit), with the job's Authorization or OAuth2 bearer token.
import { readFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Agent, request } from 'undici';
import { classifyNetworkError } from '../../http/net-errors.js';
import { OAuthClient } from '../../oauth/client.js';
import type { ScrapeJob } from './config.js';

export class ScrapeError extends Error {
  override name = 'ScrapeError';
}

// Only the text format is parsed, so only the text format is asked for (Prometheus also offers OpenMetrics).
const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';

/** The Authorization header of a job's scrapes; files are read at each scrape, as Prometheus does. */
export class ScrapeAuth {
  private oauth?: OAuthClient;
  private token?: { value: string; expiresAt: number };
  private inflight?: Promise<string>;

  constructor(private readonly job: ScrapeJob) {}

  async header(): Promise<string | undefined> {
    const a = this.job.authorization;
    if (a !== undefined) {
      const cred = a.credentialsFile !== undefined ? (await readSecretFile(a.credentialsFile, 'authorization.credentials_file')) : a.credentials ?? '';
      return `${a.type} ${cred}`;
    }
    if (this.job.oauth2 !== undefined) return `Bearer ${await this.oauthToken()}`;
    return undefined;
  }

  private async oauthToken(): Promise<string> {
    const held = this.token;
    // Renewed a little before expiry: a token that expires in flight makes the scrape fail for nothing.
    if (held !== undefined && held.expiresAt - Date.now() > 10_000) return held.value;
    this.inflight ??= this.fetchToken().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async fetchToken(): Promise<string> {
    const o = this.job.oauth2!;
    const secret = o.clientSecretFile !== undefined ? await readSecretFile(o.clientSecretFile, 'oauth2.client_secret_file') : o.clientSecret ?? '';
    await this.oauth?.close();
    this.oauth = new OAuthClient({ issuerUrl: o.tokenUrl, tokenUrl: o.tokenUrl, clientId: o.clientId, clientSecret: secret, scopes: o.scopes, timeoutMs: this.job.timeoutMs });
    try {
      const t = await this.oauth.fetchToken();
      this.token = { value: t.accessToken, expiresAt: t.expiresAt };
      return t.accessToken;
    } catch (err) {
      throw new ScrapeError(`oauth2: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.oauth?.close();
  }
}

async function readSecretFile(path: string, field: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    throw new ScrapeError(`unable to read ${field} ${path}: ${(err as Error).message}`);
  }
}

export interface FetchOptions {
  url: string;
  timeoutMs: number;
  bodySizeLimit: number;
  authorization?: string;
  dispatcher: Agent;
}

/** The body of one scrape as text; ScrapeError for every way it can fail. */
export async function fetchMetrics(opts: FetchOptions): Promise<string> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const headers: Record<string, string> = {
    accept: ACCEPT,
    'accept-encoding': 'gzip',
    'user-agent': 'obspath-store',
    'x-prometheus-scrape-timeout-seconds': String(opts.timeoutMs / 1000),
  };
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  try {
    const res = await request(opts.url, { method: 'GET', headers, signal, dispatcher: opts.dispatcher });
    if (res.statusCode !== 200) {
      res.body.resume();
      throw new ScrapeError(`server returned HTTP status ${res.statusCode}`);
    }
    const gzip = String(res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
    let source: AsyncIterable<Buffer> = res.body;
    if (gzip) {
      const gunzip = createGunzip();
      // pipe() does not forward errors: an aborted body must end the decompression too.
      res.body.once('error', (e) => gunzip.destroy(e));
      source = res.body.pipe(gunzip);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of source) {
      size += chunk.length;
      if (size > opts.bodySizeLimit) {
        res.body.destroy();
        throw new ScrapeError(`body size limit exceeded: more than ${opts.bodySizeLimit} bytes`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  } catch (err) {
    if (err instanceof ScrapeError) throw err;
    if (signal.aborted) throw new ScrapeError(`context deadline exceeded: no complete answer within the scrape timeout of ${opts.timeoutMs / 1000}s`);
    const f = classifyNetworkError(err);
    throw new ScrapeError(`${f.reason}${f.code !== undefined ? ` (${f.code})` : ''}: ${f.message}`);
  }
}
