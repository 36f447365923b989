import { Pool } from 'undici';

export interface LoadResult {
  name: string;
  requests: number;
  errors: number;
  non2xx: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

export interface LoadOptions {
  name: string;
  url: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  concurrency: number;
  durationMs: number;
  warmupMs?: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * A closed-loop load: `concurrency` workers each send the next request when the previous answer is
 * read. Bounded in time, loopback only. Latency is measured per request with hrtime.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(opts.url, { connections: opts.concurrency, pipelining: 1 });
  const once = async () => {
    const res = await pool.request({ path: opts.path, method: opts.method ?? 'GET', headers: opts.headers, body: opts.body });
    await res.body.dump();
    return res.statusCode;
  };
  const warmEnd = Date.now() + (opts.warmupMs ?? 500);
  await Promise.all(Array.from({ length: opts.concurrency }, async () => {
    while (Date.now() < warmEnd) await once().catch(() => 0);
  }));
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const start = process.hrtime.bigint();
  const end = Date.now() + opts.durationMs;
  await Promise.all(Array.from({ length: opts.concurrency }, async () => {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      try {
        const code = await once();
        if (code < 200 || code > 299) non2xx++;
      } catch {
        errors++;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }));
  const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
  await pool.close();
  const sorted = Float64Array.from(latencies).sort();
  return { name: opts.name, requests: latencies.length, errors, non2xx, rps: latencies.length / elapsedS, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

export function printResults(title: string, rows: LoadResult[]): void {
  console.log(`\n${title}`);
  console.log('| target | requests | req/s | p50 ms | p99 ms | non-2xx | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.requests} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.non2xx} | ${r.errors} |`);
  }
}

export function ratio(a: number, b: number): string {
  return (a / b).toFixed(2);
}
