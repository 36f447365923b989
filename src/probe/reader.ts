// The read half of a round: the written series read back with /query and /query_range through the
// instrumented client, and checked: exactly one series, whose value (a write timestamp) is at most
// --latency old. Data problems are failures of hop "store": the answer came, the written data did not.
import type { ClientTls } from '../http/tls-client.js';
import { Registry } from 'prom-client';
import { ObservatoriumClient, registerObservatoriumClientMetrics, type ObservatoriumClientMetrics } from '../client/index.js';
import type { Hop } from '../http/errors.js';
import { clientFailure, ProbeSetupError, setupFailure, type ProbeFailure } from './failure.js';
import type { ProbeOp } from './metrics.js';
import type { TokenProvider } from './token.js';
import type { OpOutcome } from './writer.js';

export interface ReaderOptions {
  baseUrl: string;
  /** Selector of the written series. */
  selector: string;
  latencyMs: number;
  /** Deadline of each read, and the step of the range query. */
  periodMs: number;
  tokens: TokenProvider;
  tls?: ClientTls;
}

export interface ReadOutcome extends OpOutcome {
  /** Seconds between now and the timestamp held by the value read back, when one was read. */
  ageS?: number;
}

export class ProbeReader {
  #current?: { token: string | undefined; client: ObservatoriumClient };
  readonly #metrics: ObservatoriumClientMetrics;
  readonly #target: Hop;

  constructor(private readonly opts: ReaderOptions) {
    // The client's kas_fleet_manager_* request metrics stay private: the probe exposes up_* only.
    this.#metrics = registerObservatoriumClientMetrics(new Registry());
    this.#target = /\/api\/metrics\/v\d+\//.test(new URL(opts.baseUrl).pathname + '/') ? 'api' : 'token-refresher';
  }

  /** Instant query at `evalMs`. */
  query(evalMs: number, stop?: AbortSignal): Promise<ReadOutcome> {
    return this.#read('query', stop, async (client) => {
      const res = await client.queryVector(this.opts.selector, { timeMs: evalMs, signal: stop });
      return res.data.result.map((s) => s.value);
    });
  }

  /** Range query over [evalMs - latency, evalMs], one step per period; the newest point is checked. */
  queryRange(evalMs: number, stop?: AbortSignal): Promise<ReadOutcome> {
    return this.#read('query_range', stop, async (client) => {
      const res = await client.queryRange(this.opts.selector, { startMs: evalMs - this.opts.latencyMs, endMs: evalMs, stepS: this.opts.periodMs / 1000, signal: stop });
      return res.data.result.map((s) => s.values.at(-1)?.value ?? NaN);
    });
  }

  async close(): Promise<void> {
    await this.#current?.client.close();
    this.#current = undefined;
  }

  async #read(op: ProbeOp, stop: AbortSignal | undefined, run: (client: ObservatoriumClient) => Promise<number[]>): Promise<ReadOutcome> {
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    let values: number[];
    try {
      const client = await this.#client();
      values = await run(client);
    } catch (err) {
      if (err instanceof ProbeSetupError) return { ok: false, httpCode: 0, durationS: elapsed(), failure: setupFailure(op, err) };
      const failure = clientFailure(op, err);
      return { ok: false, httpCode: failure.httpCode, durationS: elapsed(), failure };
    }
    const durationS = elapsed();
    const data = (reason: string, message: string, ageS?: number): ReadOutcome => ({
      ok: false, httpCode: 200, durationS, ...(ageS !== undefined ? { ageS } : {}),
      failure: { op, httpCode: 200, hop: 'store', reason, message: `${op} ${this.opts.selector}: ${message}` },
    });
    if (values.length === 0) return data('empty', 'no series: the written samples are not there (written elsewhere, not ingested, or older than the lookback)');
    if (values.length > 1) return data('too_many_series', `${values.length} series, expected 1: another writer uses the same name and labels (set distinct --labels)`);
    const value = values[0]!;
    if (!Number.isFinite(value) || value <= 0) return data('bad_value', `value ${value} is not a write timestamp`);
    const ageS = (Date.now() - value) / 1000;
    if (ageS * 1000 > this.opts.latencyMs) {
      return data('stale', `newest value was written ${ageS.toFixed(1)}s ago, more than --latency ${this.opts.latencyMs / 1000}s: writes do not reach the store this reads from`, ageS);
    }
    return { ok: true, httpCode: 200, durationS, ageS };
  }

  /** A client holding the current token: a new one when the token changes (the client's token is fixed). */
  async #client(): Promise<ObservatoriumClient> {
    const token = await this.opts.tokens.get();
    if (this.#current && this.#current.token === token) return this.#current.client;
    const previous = this.#current?.client;
    const client = new ObservatoriumClient({
      baseUrl: this.opts.baseUrl, target: this.#target, timeoutMs: this.opts.periodMs, metrics: this.#metrics,
      connections: 4, ...(token ? { token } : {}), ...(this.opts.tls ? { tls: this.opts.tls } : {}), headers: { 'user-agent': 'obspath-probe', 'cache-control': 'no-store' },
    });
    this.#current = { token, client };
    // Closing waits for requests still using it.
    void previous?.close().catch(() => undefined);
    return client;
  }
}
