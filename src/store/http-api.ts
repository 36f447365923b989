// The embedded store's Prometheus HTTP API v1 (query, query_range, series, labels, label values).
export { handleRead, errorResponse, resultJson, type ApiResponse, type PromApiContext, type ReadEndpoint } from './http-api/handlers.js';
export { formatSampleValue } from './http-api/format.js';
export { parseTime } from './http-api/params.js';
