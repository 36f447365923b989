// Prometheus HTTP API v1 over any Querier and the PromQL engine (query, query_range, series, labels, label
// values, and the status/metadata/exemplar/format/parse endpoints Grafana and promtool call). A library:
// the store's server and the API's embedded backend both serve it; it imports no hop.
export { handleRead, errorResponse, withRequestId, resultJson, type ApiResponse, type PromApiContext, type ReadEndpoint } from './handlers.js';
export { formatSampleValue } from './format.js';
export { parseTime } from './params.js';
export { handleMeta, translateAst, META_PATHS, type MetaContext, type MetaEndpoint } from './meta.js';
export { prettyExpr } from './pretty.js';
