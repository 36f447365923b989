import type { Readable } from 'node:stream';
import type { CancelSignal } from '../../http/deadline.js';
import type { Expr } from '../../promql/ast.js';
import type { Querier } from '../../storage/interface.js';
import type { ReadEndpoint } from '../enforcement/params.js';

export interface ReadCall {
  endpoint: ReadEndpoint;
  /** How the client asked; GET params go in the URL, POST params in a form body. */
  method: 'GET' | 'POST';
  /** Tenant-enforced parameters. */
  params: URLSearchParams;
  /** The enforced `query`, already parsed, for a backend that `acceptsParsedQuery` (it then parses no text). */
  expr?: Expr;
  /** For label_values. */
  labelName?: string;
  tenantId: string;
  /** Headers safe to pass on (accept, user-agent, x-request-id, ...). */
  headers: Record<string, string>;
  /** Aborts when the client went away (a light signal, see http/deadline.ts). */
  signal: CancelSignal;
}

export interface WriteCall {
  /** Snappy WriteRequest with the tenant label already set on every series. */
  body: Buffer;
  tenantId: string;
  headers: Record<string, string>;
  /** Aborts when the client went away (a light signal, see http/deadline.ts). */
  signal: CancelSignal;
}

export interface BackendResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Readable | Buffer | string;
}

export interface BackendHealth {
  ok: boolean;
  reason?: string;
  [detail: string]: unknown;
}

/** Where reads and writes go: an HTTP store (Prometheus, VictoriaMetrics, Thanos, Mimir) or the embedded one. */
export interface Backend {
  readonly kind: string;
  /** True when /api/v1/rules and /api/v1/alerts can be served. */
  readonly hasRules: boolean;
  readonly canRead: boolean;
  readonly canWrite: boolean;
  /** True when reads are evaluated in-process from `ReadCall.expr`; HTTP backends send the query text. */
  readonly acceptsParsedQuery: boolean;
  read(call: ReadCall): Promise<BackendResponse>;
  write(call: WriteCall): Promise<BackendResponse>;
  check(): Promise<BackendHealth>;
  close(): Promise<void>;
}

/**
 * The store the embedded backend hosts in-process. The API imports no store code: the CLI opens obspath's
 * store and hands it over in this shape.
 */
export interface EmbeddedStore {
  /** What reads are answered from. */
  readonly querier: Querier;
  /**
   * Ingests a remote write 1.0 body (snappy) as the store's own /api/v1/write does: 204 with an empty body,
   * or the status and the store's Prometheus-shaped JSON error body.
   */
  write(body: Buffer, headers: Record<string, string>, maxDecompressedBytes: number): Promise<{ status: number; body: string }>;
  /** Torn or corrupt WAL tails dropped at open (status/runtimeinfo's corruptionCount). */
  corruptionCount(): number;
  close(): Promise<void>;
}

export interface EmbeddedStoreOptions {
  dir: string;
  retentionMs: number;
  onWarning: (message: string) => void;
}

export type OpenEmbeddedStore = (opts: EmbeddedStoreOptions) => Promise<EmbeddedStore>;

export const READ_PATHS: Record<Exclude<ReadEndpoint, 'label_values'>, string> = {
  query: '/api/v1/query',
  query_range: '/api/v1/query_range',
  series: '/api/v1/series',
  label_names: '/api/v1/labels',
  rules: '/api/v1/rules',
  alerts: '/api/v1/alerts',
  query_exemplars: '/api/v1/query_exemplars',
  buildinfo: '/api/v1/status/buildinfo',
  runtimeinfo: '/api/v1/status/runtimeinfo',
};

export function readPath(call: Pick<ReadCall, 'endpoint' | 'labelName'>): string {
  return call.endpoint === 'label_values' ? `/api/v1/label/${encodeURIComponent(call.labelName ?? '')}/values` : READ_PATHS[call.endpoint];
}
