import type { CallOptions, ObservatoriumClient } from '../client/client.js';
import { ObservatoriumError } from '../client/errors.js';
import type { InstantSeries, RangeSeries } from '../client/types.js';
import { buildQueries, type GroupQuery } from '../kafka-metrics/catalog.js';
import type { KafkaInstance } from './instances.js';

// ObservatoriumService.GetMetricsByKafkaId: the grouped queries for one instance, run concurrently,
// all-or-nothing as in the original; a failure says which hop failed and why, in one line.

export interface RangeParams { startMs: number; endMs: number; stepS: number }

export interface QueryFailure {
  query: string;
  error: Error;
}

/** At least one query failed; `cause` is the one-line hop + cause, e.g. "token refresher answered 503 token_unavailable (invalid_client)". */
export class MetricsFetchError extends Error {
  constructor(readonly summary: string, readonly failures: QueryFailure[], readonly total: number) {
    super(`metrics backend unavailable: ${summary}`);
    this.name = 'MetricsFetchError';
  }

  /** One entry per failed query, for the log line. */
  details(): Array<Record<string, unknown>> {
    return this.failures.map((f) => ({ query: f.query, ...(f.error instanceof ObservatoriumError ? f.error.toLog() : { error: f.error.message }) }));
  }
}

function describeFailure(err: Error): string {
  return err instanceof ObservatoriumError ? err.describe() : err.message;
}

async function runAll<T>(queries: GroupQuery[], run: (q: GroupQuery) => Promise<T[]>): Promise<T[]> {
  const settled = await Promise.allSettled(queries.map(run));
  const failures: QueryFailure[] = [];
  const out: T[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') out.push(...s.value);
    else failures.push({ query: queries[i]!.query, error: s.reason instanceof Error ? s.reason : new Error(String(s.reason)) });
  });
  if (failures.length > 0) {
    // The distinct causes, most frequent first: usually all queries failed the same way.
    const counts = new Map<string, number>();
    for (const f of failures) counts.set(describeFailure(f.error), (counts.get(describeFailure(f.error)) ?? 0) + 1);
    const causes = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
    const extra = causes.length > 1 ? `; also: ${causes.slice(1).join('; ')}` : '';
    throw new MetricsFetchError(`${causes[0]}${extra}`, failures, queries.length);
  }
  return out;
}

export class MetricsService {
  constructor(private readonly client: ObservatoriumClient) {}

  async range(kafka: KafkaInstance, filters: string[], params: RangeParams, call: CallOptions = {}): Promise<RangeSeries[]> {
    return runAll(buildQueries(kafka.namespace, filters), async (q) =>
      (await this.client.queryRange(q.query, { ...params, ...call })).data.result);
  }

  async instant(kafka: KafkaInstance, filters: string[], call: CallOptions = {}): Promise<InstantSeries[]> {
    const timeMs = Date.now();
    return runAll(buildQueries(kafka.namespace, filters), async (q) =>
      (await this.client.queryVector(q.query, { timeMs, ...call })).data.result);
  }
}
