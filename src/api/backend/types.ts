import type { Readable } from 'node:stream';
import type { ReadEndpoint } from '../enforcement/params.js';

export interface ReadCall {
  endpoint: ReadEndpoint;
  /** How the client asked; GET params go in the URL, POST params in a form body. */
  method: 'GET' | 'POST';
  /** Tenant-enforced parameters. */
  params: URLSearchParams;
  /** For label_values. */
  labelName?: string;
  tenantId: string;
  /** Headers safe to pass on (accept, user-agent, x-request-id, ...). */
  headers: Record<string, string>;
  signal: AbortSignal;
}

export interface WriteCall {
  /** Snappy WriteRequest with the tenant label already set on every series. */
  body: Buffer;
  tenantId: string;
  headers: Record<string, string>;
  signal: AbortSignal;
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
  read(call: ReadCall): Promise<BackendResponse>;
  write(call: WriteCall): Promise<BackendResponse>;
  check(): Promise<BackendHealth>;
  close(): Promise<void>;
}

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
