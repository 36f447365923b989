// The embedded store's Prometheus HTTP API v1 (query, query_range, series, labels, label values, and the
// status/metadata/exemplar/format/parse endpoints Grafana and promtool call).
export { handleRead, errorResponse, withRequestId, resultJson, type ApiResponse, type PromApiContext, type ReadEndpoint } from './http-api/handlers.js';
export { formatSampleValue } from './http-api/format.js';
export { parseTime } from './http-api/params.js';
export { handleMeta, translateAst, META_PATHS, type MetaContext, type MetaEndpoint } from './http-api/meta.js';
export { prettyExpr } from './http-api/pretty.js';
