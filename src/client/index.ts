export { ObservatoriumClient, type ObservatoriumClientOptions, type CallOptions, type InstantQueryOptions, type RangeQueryOptions, type SeriesOptions } from './client.js';
export { ObservatoriumError, hopName, type ClientErrorKind, type ClientFailureReason, type ClientErrorFields } from './errors.js';
export { registerObservatoriumClientMetrics, REQUEST_COUNT, REQUEST_DURATION, REQUEST_FAILURES, REQUEST_DURATION_BUCKETS, type ObservatoriumClientMetrics } from './metrics.js';
export * from './types.js';
