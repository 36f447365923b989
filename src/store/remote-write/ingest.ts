// Remote-write 1.0 receiver as a library function: the HTTP layer passes the raw body and headers and
// sends back {status, body}. Statuses follow Prometheus: 204 ok; 400 bad input (the valid samples of
// the request are still kept, and the body says how many were rejected and why); 413 too large;
// 415 an unsupported encoding/protocol; 500 when the WAL cannot be written.
import type { PromErrorBody } from '../../http/errors.js';
import { Slicer, SnappyError, snappyDecode, writeRequestPrefixError } from '../../remotewrite/wire.js';
import type { Store } from '../store.js';
import type { AppendResult, BatchAppender } from '../appender.js';
import type { MemSeries } from '../head.js';
import { labelsToString, type Label } from '../labels.js';
import { ProtoError, WriteRequestDecoder, type DecodedWriteRequest } from '../../remotewrite/decode.js';
import type { WireHistogram } from '../../remotewrite/histogram-proto.js';

export interface IngestLimits {
  /** Largest snappy body accepted. Default 16 MiB. */
  maxCompressedBytes: number;
  /** Largest decompressed WriteRequest. Default 64 MiB. */
  maxDecompressedBytes: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxCompressedBytes: 16 << 20,
  maxDecompressedBytes: 64 << 20,
};

export interface IngestResponse {
  status: 204 | 400 | 413 | 415 | 500;
  /** Why it was refused, one line ("" for 204): the `error` of the JSON body. */
  body: string;
  /** Machine-readable cause ("" for 204): corrupt_snappy, bad_protobuf, rejected_samples, ... */
  reason: string;
  result: AppendResult | null;
}

export type Headers = Record<string, string | string[] | undefined>;

// Decoding yields to the event loop, so each request in flight needs its own decoder; a few idle ones
// are kept (their grown arrays make the next large request cheaper).
const idleDecoders: WriteRequestDecoder[] = [];
const MAX_IDLE_DECODERS = 2;

/**
 * The last place in each store's apply queue. Applies run one at a time per store, in the order the requests
 * arrived (a place is taken before decoding, which yields between slices, so a small request decoded faster
 * never overtakes an earlier one and turns its samples out of order), each ending with its commit handing the
 * WAL its records: a series one request creates is in the WAL before another request's samples for it.
 */
const applyQueue = new WeakMap<Store, Promise<void>>();

interface ApplyTurn {
  /** Resolves when every earlier request of this store has handed its records to the WAL (or given up). */
  ready: Promise<void>;
  /** Lets the next request apply; idempotent. */
  release: () => void;
}

function takeApplyTurn(store: Store): ApplyTurn {
  const before = applyQueue.get(store) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = before.then(() => mine);
  applyQueue.set(store, tail);
  return {
    ready: before,
    release: () => {
      release();
      if (applyQueue.get(store) === tail) applyQueue.delete(store);
    },
  };
}

/**
 * Runs `apply` in the store's apply queue, after every earlier remote write and scrape has handed the WAL its
 * records: scrapes append through the same path. `apply` must call store.commit before it resolves (and
 * hand back the commit's promise wrapped, to be awaited after the turn is released).
 */
export async function applyInTurn<T>(store: Store, apply: () => Promise<T>): Promise<T> {
  const turn = takeApplyTurn(store);
  try {
    await turn.ready;
    return await apply();
  } finally {
    turn.release();
  }
}

function header(h: Headers, name: string): string | undefined {
  const v = h[name] ?? h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

const bad = (status: IngestResponse['status'], reason: string, body: string): IngestResponse => ({ status, body, reason, result: null });

const ERROR_TYPES: Record<number, string> = { 400: 'bad_data', 413: 'request_too_large', 415: 'unsupported_media_type', 500: 'internal' };

/** The Prometheus-shaped JSON error body of a non-204 answer (the caller adds the request id). */
export function ingestErrorBody(res: IngestResponse): PromErrorBody {
  const body: PromErrorBody = { status: 'error', errorType: ERROR_TYPES[res.status] ?? 'bad_data', error: res.body, hop: 'store', reason: res.reason };
  if (res.result !== null && res.result.rejected > 0) {
    const { accepted, rejected, reasons, examples } = res.result;
    Object.assign(body, { accepted, rejected, reasons, examples });
  }
  return body;
}

export async function ingestRemoteWrite(
  store: Store,
  body: Buffer,
  headers: Headers = {},
  limits: IngestLimits = DEFAULT_INGEST_LIMITS,
): Promise<IngestResponse> {
  const enc = header(headers, 'Content-Encoding');
  if (enc !== undefined && enc !== '' && enc.toLowerCase() !== 'snappy') {
    return bad(415, 'unsupported_encoding', `unsupported Content-Encoding "${enc}": remote write 1.0 needs snappy`);
  }
  const ctype = header(headers, 'Content-Type');
  if (ctype !== undefined && /proto=io\.prometheus\.write\.v2/i.test(ctype)) {
    return bad(415, 'unsupported_protocol', 'remote write 2.0 is not supported; send prometheus.WriteRequest (1.0)');
  }
  if (body.length > limits.maxCompressedBytes) {
    return bad(413, 'body_too_large', `request body of ${body.length} bytes exceeds the limit of ${limits.maxCompressedBytes}`);
  }
  const turn = takeApplyTurn(store);
  try {
    return await decodeAndApply(store, body, limits, turn);
  } finally {
    turn.release();
  }
}

async function decodeAndApply(store: Store, body: Buffer, limits: IngestLimits, turn: ApplyTurn): Promise<IngestResponse> {
  const slicer = new Slicer();
  let raw: Buffer;
  try {
    raw = await snappyDecode(body, limits.maxDecompressedBytes, writeRequestPrefixError, slicer);
  } catch (err) {
    if (!(err instanceof SnappyError)) throw err;
    const reason = err.status === 413 ? 'decompressed_too_large' : err.message.startsWith('proto:') ? 'bad_protobuf' : 'corrupt_snappy';
    return bad(err.status, reason, err.message);
  }

  const decoder = idleDecoders.pop() ?? new WriteRequestDecoder();
  try {
    let d: DecodedWriteRequest;
    try {
      d = await decoder.decodeSliced(raw, slicer); // the whole request: framing errors surface before any append
    } catch (err) {
      if (err instanceof ProtoError) return bad(400, 'bad_protobuf', `proto: ${err.message}`);
      throw err;
    }
    return await applyAndCommit(store, d, raw, slicer, turn);
  } finally {
    decoder.release();
    if (idleDecoders.length < MAX_IDLE_DECODERS) idleDecoders.push(decoder);
  }
}

async function applyAndCommit(store: Store, d: DecodedWriteRequest, raw: Buffer, slicer: Slicer, turn: ApplyTurn): Promise<IngestResponse> {
  let committed: Promise<AppendResult>;
  let app: BatchAppender | undefined;
  try {
    await turn.ready;
    app = store.appender(d.sampleCount);
    await applySliced(app, d, raw, slicer);
    committed = store.commit(app); // hands the WAL its records now, before the next apply starts
  } finally {
    turn.release();
  }
  let result: AppendResult;
  try {
    result = await committed;
  } catch (err) {
    return { status: 500, body: `store: WAL write failed: ${(err as Error).message}`, reason: 'wal_write_failed', result: app.result };
  }
  if (result.rejected === 0) return { status: 204, body: '', reason: '', result };
  const reasons = Object.entries(result.reasons)
    .map(([r, n]) => `${r} (${n})`)
    .join(', ');
  return {
    status: 400,
    body: `rejected ${result.rejected} of ${result.rejected + result.accepted} samples: ${reasons}; accepted samples were stored; ${result.examples.join('; ')}`,
    reason: 'rejected_samples',
    result,
  };
}

/** Series i of the request: found by its raw key, else created; "<reason>: <detail>" when invalid. */
function seriesOf(app: BatchAppender, d: DecodedWriteRequest, raw: Buffer, i: number): MemSeries | string {
  const ks = d.keyStart[i]!;
  return (ks >= 0 ? app.seriesByRawKey(raw, ks, d.keyEnd[i]!) : undefined) ?? app.seriesFor(() => {
    const ls: Label[] = [];
    for (let l = d.labelFirst[i]!; l < d.labelFirst[i]! + d.labelCount[i]!; l++) {
      ls.push({ name: d.labelName(l), value: d.labelValue(l) });
    }
    return ls;
  });
}

/** Samples appended between two checks of the slice clock. */
const APPLY_STEP = 512;

/** Appends every series of the request, yielding to the event loop about every SLICE_MS. */
async function applySliced(app: BatchAppender, d: DecodedWriteRequest, raw: Buffer, slicer: Slicer): Promise<void> {
  const ts = d.timestamps;
  const vb = d.valueBits;
  for (let i = 0; i < d.seriesCount; i++) {
    if ((i & 15) === 15 && slicer.due()) await slicer.pause();
    const first = d.sampleFirst[i]!;
    const end = d.sampleEnd[i]!;
    let series = seriesOf(app, d, raw, i);
    const hist = d.histogramCount[i]!;
    if (typeof series === 'string') {
      const why = series;
      app.reject(why.slice(0, why.indexOf(':')), end - first + hist, () => why);
      continue;
    }
    for (let k = first; k < end; ) {
      const stop = Math.min(end, k + APPLY_STEP);
      for (; k < stop; k++) app.add(series, ts[k]!, vb[2 * k + 1]!, vb[2 * k]!);
      if (k < end && slicer.due()) {
        await slicer.pause();
        // Retention may have dropped the series meanwhile: look it up again (created anew if so).
        series = seriesOf(app, d, raw, i) as MemSeries;
      }
    }
    if (hist > 0) appendHistograms(app, series, d.histograms, d.histogramFirst[i]!, hist);
  }
}

/** A series' native histograms, after its float samples (as Prometheus's write handler appends them). */
function appendHistograms(app: BatchAppender, series: MemSeries, hs: readonly WireHistogram[], first: number, n: number): void {
  for (let k = first; k < first + n; k++) app.addWireHistogram(series, hs[k]!);
}
