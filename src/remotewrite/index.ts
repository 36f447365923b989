// Prometheus remote write 1.0 on the wire: snappy framing (bounded, sliced), the WriteRequest protobuf codec and
// the request headers. A library: the store ingests with it, the API rewrites tenant labels with it, the probe and
// the data plane write with it. It imports no hop.
export {
  encodeWriteRequest,
  encodeWriteRequestProto,
  REMOTE_WRITE_HEADERS,
  snappyCompress,
  type SeriesToWrite,
} from './encode.js';
export { decodeWriteRequest, WriteRequestDecoder, ProtoError, type WriteRequestObject } from './decode.js';
export { snappyDecode, SnappyError } from './wire.js';
export { decodeHistogramProto, encodeHistogramProto, HistogramProtoError, type WireHistogram } from './histogram-proto.js';
