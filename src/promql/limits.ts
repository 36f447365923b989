// Limits of Prometheus's query API that every place answering or pre-checking a query states the same way:
// the engine, the store's HTTP API, the Observatorium API and the fleet manager.

/** Most points per series a range query may return (Prometheus's v1 API: 11,000). */
export const MAX_POINTS_PER_SERIES = 11_000;

/** Prometheus's answer to a range query over more points per series than `max`. */
export function tooManyPointsMessage(max: number = MAX_POINTS_PER_SERIES): string {
  return `exceeded maximum resolution of ${max.toLocaleString('en-US')} points per timeseries. Try decreasing the query resolution (?step=XX)`;
}
