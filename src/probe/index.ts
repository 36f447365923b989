// obspath probe: a synthetic prober in the spirit of observatorium/up. Every period it remote-writes one
// sample whose value is its timestamp, reads it back with /query and /query_range, and counts the
// outcomes in up's metrics plus which hop failed and why.
import type { Registry } from 'prom-client';
import { ConfigError } from '../config/load.js';
import { ComponentServers } from '../http/lifecycle.js';
import { listenerTls } from '../http/tls-flags.js';
import { loadClientTls } from '../http/tls-client.js';
import type { Logger } from '../telemetry/logger.js';
import { createRegistry } from '../telemetry/metrics.js';
import { probeConfigSchema, type ProbeConfig, type ProbeConfigInput } from './config.js';
import type { ProbeFailure } from './failure.js';
import { probeSelector } from './labels.js';
import { createProbeMetrics, type ProbeOp } from './metrics.js';
import { ProbeReader, type ReadOutcome } from './reader.js';
import { createTokenProvider } from './token.js';
import { evaluateProbe, summarize, type ProbeVerdict, type Tally } from './verdict.js';
import { ProbeWriter, type OpOutcome } from './writer.js';

export { probeConfigSchema, probeFields, DEFAULT_PROBE_NAME, type ProbeConfig, type ProbeConfigInput } from './config.js';
export { evaluateProbe, summarize, type ProbeVerdict, type Tally } from './verdict.js';
export { parseLabels, probeSelector, LabelsSyntaxError } from './labels.js';
export type { ProbeFailure } from './failure.js';

export interface ProbeRound {
  /** Start of the round (ms), also the timestamp and value of the sample written. */
  at: number;
  ok: boolean;
  /** False until reads have started (--initial-query-delay). */
  readsRan: boolean;
  failures: ProbeFailure[];
}

export interface ProbeStats {
  rounds: number;
  writes: Tally;
  /** Query and query_range together; undefined without --endpoint-read. */
  reads?: Tally;
  byOp: Record<ProbeOp, Tally>;
  lastRound?: ProbeRound;
  lastFailure: Partial<Record<ProbeOp, ProbeFailure>>;
  /** When a full round last succeeded (ms). */
  lastSuccessAt?: number;
}

export interface RunningProbe {
  /** Base URL of the metrics server (/metrics, /live, /ready); undefined with listen "". */
  url?: string;
  registry: Registry;
  selector: string;
  stats(): ProbeStats;
  /** The exit decision for the counts so far. */
  verdict(): ProbeVerdict;
  /** Resolves with the verdict when --duration has elapsed (or at close()). */
  done: Promise<ProbeVerdict>;
  close(): Promise<void>;
}

/** Validates settings given in code (e.g. by `obspath up`), with the same rules and messages as the flags. */
export function probeConfig(input: ProbeConfigInput): ProbeConfig {
  const r = probeConfigSchema.safeParse(input);
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(root)', origin: 'probe settings', message: i.message })), 'probe configuration');
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

type ProbeMetrics = ReturnType<typeof createProbeMetrics>;
type RecordOutcome = (op: ProbeOp, o: OpOutcome | ReadOutcome) => void;

function emptyStats(withReads: boolean): ProbeStats {
  const tally = (): Tally => ({ success: 0, error: 0 });
  return { rounds: 0, writes: tally(), ...(withReads ? { reads: tally() } : {}), byOp: { write: tally(), query: tally(), query_range: tally() }, lastFailure: {} };
}

/** Counts an operation's outcome in up's metrics and the stats, and logs each new failure cause (and its end). */
function createRecorder(metrics: ProbeMetrics, stats: ProbeStats, logger: Logger): RecordOutcome {
  const logState: Partial<Record<ProbeOp, { key: string; count: number }>> = {};
  return (op, o) => {
    const result = o.ok ? 'success' : 'error';
    const labels = { result, http_code: String(o.httpCode) };
    if (op === 'write') {
      metrics.remoteWrites.inc(labels);
      metrics.remoteWriteDuration.observe(o.durationS);
      stats.writes[o.ok ? 'success' : 'error']++;
    } else {
      metrics.queries.inc(labels);
      metrics.queryDuration.observe(o.durationS);
      stats.reads![o.ok ? 'success' : 'error']++;
      // up observes the age whenever a value was read, stale ones included.
      if (op === 'query' && 'ageS' in o && o.ageS !== undefined) metrics.valueDifference.observe(o.ageS);
    }
    stats.byOp[op][o.ok ? 'success' : 'error']++;
    const prev = logState[op];
    if (o.ok) {
      if (prev) logger.info({ op, afterFailures: prev.count }, `probe ${op} succeeds again`);
      delete logState[op];
      return;
    }
    const f = o.failure!;
    metrics.failures.inc({ op, hop: f.hop, reason: f.reason });
    stats.lastFailure[op] = f;
    const key = `${f.hop}/${f.reason}/${f.cause ?? ''}`;
    const count = prev?.key === key ? prev.count + 1 : 1;
    logState[op] = { key, count };
    // Each new cause is logged; a repeating one every 20th time, so an outage does not flood the log.
    if (count === 1 || count % 20 === 0) {
      logger.warn({ op, httpCode: f.httpCode, hop: f.hop, reason: f.reason, cause: f.cause, consecutive: count }, `probe ${op} failed: ${f.message}`);
    }
  };
}

interface RoundParts {
  config: ProbeConfig;
  writer: ProbeWriter;
  reader?: ProbeReader;
  signal: AbortSignal;
  stats: ProbeStats;
  metrics: ProbeMetrics;
  record: RecordOutcome;
}

/** One round: write the sample at `at`, and read back (once reads may find the first write). */
function createRound({ config, writer, reader, signal, stats, metrics, record }: RoundParts): (at: number) => Promise<void> {
  let firstWriteAt: number | undefined;
  return async (at) => {
    firstWriteAt ??= at;
    const evalMs = at - config.initialQueryDelay;
    // Reads start once their evaluation time is past the first write, so the first read can find it.
    const readsRun = reader !== undefined && evalMs > firstWriteAt;
    const [w, q, r] = await Promise.all([
      writer.write(at, signal),
      readsRun ? reader.query(evalMs, signal) : undefined,
      readsRun ? reader.queryRange(evalMs, signal) : undefined,
    ]);
    if (signal.aborted) return; // cut short by close(): not a failure of the path
    record('write', w);
    if (q) record('query', q);
    if (r) record('query_range', r);
    stats.rounds++;
    const outcomes = [w, q, r].filter((x): x is OpOutcome => x !== undefined);
    const ok = outcomes.every((o) => o.ok);
    stats.lastRound = { at, ok, readsRan: readsRun, failures: outcomes.flatMap((o) => (o.failure ? [o.failure] : [])) };
    if (reader && !readsRun) return; // not a full write -> read round yet
    metrics.success.set(ok ? 1 : 0);
    if (ok) {
      stats.lastSuccessAt = Date.now();
      metrics.lastSuccess.set(stats.lastSuccessAt / 1000);
    }
  };
}

/** Runs a round every period from `started` until --duration has elapsed or the signal aborts. */
async function runRounds(config: ProbeConfig, started: number, signal: AbortSignal, round: (at: number) => Promise<void>): Promise<void> {
  let next = started;
  while (!signal.aborted) {
    if (config.duration > 0 && Date.now() - started >= config.duration) return;
    await round(Date.now());
    // Like Go's ticker: ticks missed while a round ran are dropped, the schedule stays on the grid.
    next = started + Math.max(next - started + config.period, Math.ceil((Date.now() - started) / config.period) * config.period);
    if (config.duration > 0 && next - started >= config.duration) return;
    await sleep(next - Date.now(), signal);
  }
}

function logVerdict(logger: Logger, v: ProbeVerdict): void {
  const line = `probe ${v.ok ? 'passed' : 'failed'}: ${summarize(v)}${v.ok ? '' : `; ${v.problems.join('; ')}`}`;
  if (v.ok) logger.info({ verdict: v }, line);
  else logger.error({ verdict: v }, line);
}

export async function startProbe(config: ProbeConfig, logger: Logger): Promise<RunningProbe> {
  const registry = createRegistry();
  const metrics = createProbeMetrics(registry);
  const tokens = createTokenProvider(config, logger);
  const selector = probeSelector(config.name, config.labels);
  const tls = loadClientTls({ caFile: config.tlsCaFile, certFile: config.tlsClientCertFile, keyFile: config.tlsClientPrivateKeyFile }, { ca: '--tls-ca-file', cert: '--tls-client-cert-file', key: '--tls-client-private-key-file' });
  const writer = new ProbeWriter({ tls, url: config.endpointWrite, name: config.name, labels: config.labels, tenantHeader: config.tenantHeader, tenant: config.tenant, tokens, timeoutMs: config.period });
  const reader = config.endpointRead ? new ProbeReader({ tls, baseUrl: config.endpointRead, selector, latencyMs: config.latency, periodMs: config.period, tokens }) : undefined;
  const stats = emptyStats(reader !== undefined);
  const stop = new AbortController();
  const started = Date.now();
  const round = createRound({ config, writer, reader, signal: stop.signal, stats, metrics, record: createRecorder(metrics, stats, logger) });
  const verdict = () => evaluateProbe(stats.writes, stats.reads, config.threshold);

  let loopDone: Promise<void> | undefined;
  const servers = new ComponentServers({
    stopBefore: async () => {
      stop.abort();
      await loopDone;
    },
    releaseAfter: async () => {
      await Promise.all([tokens.close(), writer.close(), reader?.close()]);
    },
  });
  const url = await servers.start(async () => {
    if (config.listen === '') return undefined;
    const readiness = () => {
      const t = tokens.status();
      if (!t.ready) return { ready: false, reason: t.reason, error: t.error };
      return { ready: true, rounds: stats.rounds, lastRound: stats.lastRound };
    };
    return servers.listenInternal({ logger, registry, component: 'probe', readiness, tls: listenerTls(config, 'web', registry) }, config.listen, '--listen');
  });

  logger.info({ write: config.endpointWrite, read: config.endpointRead, selector, period: config.period, duration: config.duration, metrics: url }, 'probe started');
  loopDone = runRounds(config, started, stop.signal, round).catch((err: unknown) => logger.error({ err }, 'probe loop failed'));
  const done = loopDone.then(() => {
    const v = verdict();
    if (config.duration > 0 && !stop.signal.aborted) logVerdict(logger, v);
    return v;
  });

  return {
    url, registry, selector, done,
    stats: () => structuredClone(stats),
    verdict,
    close: () => servers.close(),
  };
}
