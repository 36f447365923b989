// The data plane of the local stack: every few seconds, the 29 Kafka metrics of each demo instance are
// remote-written to the Observatorium API with the data plane's own client-credentials token, as the
// managed Kafka clusters' Prometheus does in production.
import { request } from 'undici';
import { OAuthClient } from '../oauth/client.js';
import { TokenSource } from '../oauth/token-source.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, type SeriesToWrite } from '../remotewrite/encode.js';
import type { Logger } from '../telemetry/logger.js';
import { kafkaInstanceSeries, samplesBetween, type SyntheticSeries } from './kafka-data.js';

export interface DataPlaneOptions {
  receiveUrl: string;
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  audience: string;
  instances: readonly { id: string }[];
  intervalMs?: number;
  /** Minutes of history written at start, so charts are not empty (older than the store's data: rejected, ignored). */
  backfillMinutes?: number;
  logger: Logger;
}

export interface DataPlane {
  tokens: TokenSource;
  /** Writes acknowledged / failed so far. */
  stats(): { ok: number; failed: number; lastError?: string };
  /** Writes go to this URL from the next one on (a fault injected or cleared live moves the API). */
  retarget(receiveUrl: string): void;
  stop(): Promise<void>;
}

export function startDataPlane(opts: DataPlaneOptions): DataPlane {
  const interval = opts.intervalMs ?? 5000;
  const client = new OAuthClient({ issuerUrl: opts.issuerUrl, clientId: opts.clientId, clientSecret: opts.clientSecret, audience: opts.audience, timeoutMs: 5000 });
  const tokens = new TokenSource(client, { logger: opts.logger.child({ part: 'data-plane-token' }), retryMaxMs: 2000 });
  tokens.start();
  const series: SyntheticSeries[] = opts.instances.flatMap((i) => kafkaInstanceSeries({ id: i.id }));
  let ok = 0;
  let failed = 0;
  let lastError: string | undefined;
  let lastLogged = '';
  let stopped = false;
  let last = Date.now() - (opts.backfillMinutes ?? 15) * 60_000;
  let receiveUrl = opts.receiveUrl;

  const send = async (batch: SeriesToWrite[]): Promise<void> => {
    const token = await tokens.get();
    const res = await request(receiveUrl, {
      method: 'POST',
      headers: { ...REMOTE_WRITE_HEADERS, authorization: `Bearer ${token}` },
      body: encodeWriteRequest(batch),
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${res.statusCode} ${text.slice(0, 200)}`);
  };

  let first = true;
  const tick = async () => {
    const backfill = first;
    first = false;
    const now = Date.now();
    // Scrape slots of 30 s between the last write and now (the first tick carries the backfill).
    const batch = samplesBetween(series, last, now).filter((s) => s.timestamps.length > 0);
    last = now;
    if (batch.length === 0) return;
    try {
      for (let i = 0; i < batch.length; i += 2000) await send(batch.slice(i, i + 2000));
      ok++;
      if (lastError) opts.logger.info('data-plane writes succeed again');
      lastError = undefined;
    } catch (err) {
      // History older than what the store already holds (a restart on the same data) is refused: expected.
      if (backfill && /out of order|too old|out of bounds/.test((err as Error).message)) return;
      failed++;
      lastError = (err as Error).message;
      if (lastError !== lastLogged) opts.logger.warn({ err: lastError }, 'data-plane remote write failed');
      lastLogged = lastError;
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    if (stopped) return;
    await tick();
    if (!stopped) timer = setTimeout(() => void loop(), interval);
  };
  void loop();

  return {
    tokens,
    stats: () => ({ ok, failed, lastError }),
    retarget: (url) => { receiveUrl = url; },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      tokens.stop();
      await client.close();
    },
  };
}
