// Public surface of the embedded metrics store.
export { Store, type StoreOptions, type StoreStats, type AppendResult } from './store.js';
export type { FsyncMode } from './wal/writer.js';
export { ingestRemoteWrite, ingestErrorBody, DEFAULT_INGEST_LIMITS, type IngestLimits, type IngestResponse } from './remote-write/ingest.js';
export {
  encodeWriteRequest,
  encodeWriteRequestProto,
  REMOTE_WRITE_HEADERS,
  type SeriesToWrite,
} from '../remotewrite/encode.js';
export { decodeWriteRequest, type WriteRequestObject } from '../remotewrite/decode.js';
export { DEFAULT_LABEL_LIMITS, type LabelLimits } from './labels.js';
