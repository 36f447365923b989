// The metrics store's answers (src/store, src/promapi): PromQL errors on reads, and remote-write refusals.

import type { PromQLErrorType } from '../promql/errors.js';
import { entry, type Assert, type CatalogEntry, type SameMembers } from './catalog.js';

/** src/promql's error types and the status src/promapi answers them with. */
export const PROMQL_ERROR_STATUS = { bad_data: 400, execution: 422, timeout: 503, canceled: 503, internal: 500 } as const;
export type PromqlTypesMatch = Assert<SameMembers<PromQLErrorType, keyof typeof PROMQL_ERROR_STATUS>>;

/** Remote write (src/store/remote-write/ingest.ts, src/store/server.ts): the reason names what was refused. */
const WRITE_REASONS: readonly [number, string, string, string][] = [
  [415, 'unsupported_media_type', 'unsupported_encoding', 'a Content-Encoding other than snappy'],
  [415, 'unsupported_media_type', 'unsupported_protocol', 'remote write 2.0, which is not supported'],
  [415, 'unsupported_media_type', 'unsupported_content_type', 'a content type the store does not take'],
  [413, 'request_too_large', 'body_too_large', 'a body over the store\'s limit'],
  [413, 'request_too_large', 'decompressed_too_large', 'a body that decompresses over the store\'s limit'],
  [400, 'bad_data', 'bad_protobuf', 'a body that is no prometheus.WriteRequest'],
  [400, 'bad_data', 'corrupt_snappy', 'a body that is no valid snappy block'],
  [400, 'bad_data', 'rejected_samples', 'some samples were refused (out of order, too old, bad labels); the others were stored'],
  [500, 'internal', 'wal_write_failed', 'the store could not write its WAL (disk full or failing)'],
  [500, 'internal', 'error', 'remote write failed before the handler ran, without an error code'],
];

export const STORE_ERRORS: readonly CatalogEntry[] = [
  ...Object.entries(PROMQL_ERROR_STATUS).map(([t, s]) => entry('store', s, t, undefined, ['store'], `the store answered ${t}: from its PromQL engine, or a write refused before the handler ran (the fastify code is the reason)`)),
  entry('store', 404, 'not_found', undefined, ['store'], 'the store does not serve this path'),
  ...WRITE_REASONS.map(([s, t, r, m]) => entry('store', s, t, r, ['store'], `remote write refused: ${m}`)),
];
