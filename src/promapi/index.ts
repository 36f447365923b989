// Prometheus HTTP API v1 over any Querier and the PromQL engine (query, query_range, series, labels, label
// values, and the status/metadata/exemplar/format/parse endpoints Grafana and promtool call). A library:
// the store's server and the API's embedded backend both serve it; it imports no hop.
export { handleRead, handleReadBytes, errorResponse, withRequestId, resultJson, type ApiResponse, type ApiBytesResponse, type PromApiContext, type ReadEndpoint } from './handlers.js';
export { formatSampleValue } from './format.js';
export { resultBytes } from './result-bytes.js';
export { parseTime } from './params.js';
export { handleMeta, translateAst, META_PATHS, type MetaContext, type MetaEndpoint } from './meta.js';
export { prettyExpr } from './pretty.js';
