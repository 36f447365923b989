// The write half of a round: one remote-write request holding one sample whose value is its own
// timestamp (ms), as observatorium/up writes, so a read can tell how old the data it sees is.
import { Agent, request } from 'undici';
import type { ClientTls } from '../http/tls-client.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../remotewrite/encode.js';
import { httpFailure, networkFailure, ProbeSetupError, setupFailure, type ProbeFailure } from './failure.js';
import type { TokenProvider } from './token.js';

export interface WriterOptions {
  url: string;
  name: string;
  labels: Record<string, string>;
  /** Header and value naming the tenant (up's -tenant-header / -tenant); no header when tenant is unset. */
  tenantHeader: string;
  tenant?: string;
  tokens: TokenProvider;
  /** Deadline of each write: the period. */
  timeoutMs: number;
  tls?: ClientTls;
}

export interface OpOutcome {
  ok: boolean;
  /** 0 when no response arrived. */
  httpCode: number;
  durationS: number;
  failure?: ProbeFailure;
}

export class ProbeWriter {
  readonly #agent: Agent;
  readonly #labels: Array<{ name: string; value: string }>;

  constructor(private readonly opts: WriterOptions) {
    this.#agent = new Agent({ connect: { timeout: opts.timeoutMs, ...(opts.tls ?? {}) }, headersTimeout: 0, bodyTimeout: 0, keepAliveTimeout: 30_000 });
    this.#labels = [{ name: '__name__', value: opts.name }, ...Object.entries(opts.labels).map(([name, value]) => ({ name, value }))];
  }

  /** Writes the sample (timestamp = value = `timestampMs`). Success is any 2xx (up wanted exactly 200, failing on Prometheus's 204). */
  async write(timestampMs: number, stop?: AbortSignal): Promise<OpOutcome> {
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    let token: string | undefined;
    try {
      token = await this.opts.tokens.get();
    } catch (err) {
      if (!(err instanceof ProbeSetupError)) throw err;
      return { ok: false, httpCode: 0, durationS: elapsed(), failure: setupFailure('write', err) };
    }
    const headers: Record<string, string> = { ...REMOTE_WRITE_HEADERS, 'user-agent': 'obspath-probe' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (this.opts.tenant) headers[this.opts.tenantHeader] = this.opts.tenant;
    const body = encodeWriteRequest([{ labels: this.#labels, timestamps: [timestampMs], values: [timestampMs] }]);
    const deadline = AbortSignal.timeout(this.opts.timeoutMs);
    const signal = stop ? AbortSignal.any([deadline, stop]) : deadline;
    try {
      const res = await request(this.opts.url, { method: 'POST', headers, body, signal, dispatcher: this.#agent });
      const text = await res.body.text();
      const durationS = elapsed();
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, httpCode: res.statusCode, durationS };
      return { ok: false, httpCode: res.statusCode, durationS, failure: httpFailure('write', res.statusCode, text) };
    } catch (err) {
      return { ok: false, httpCode: 0, durationS: elapsed(), failure: networkFailure('write', err, deadline.aborted, this.opts.url) };
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
