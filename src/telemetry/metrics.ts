import { Registry, collectDefaultMetrics } from 'prom-client';

/** A registry of its own per component (never prom-client's global), with process and Node.js metrics. */
export function createRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Buckets of Observatorium's HTTP duration histograms (0.1 s to 120 s), kept for dashboard compatibility. */
export const HTTP_DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 90, 120];
