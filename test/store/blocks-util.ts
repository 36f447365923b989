// Shared by the block tests: synthetic series, a block written from them, Go's %g (promtool dump's format).
import { join } from 'node:path';
import { BlockWriter } from '../../src/store/block/writer.js';
import { compareLabels } from '../../src/store/block/index-writer.js';
import { toChunks } from '../../src/store/block/compact.js';
import type { Labels, SeriesSamples } from '../../src/storage/interface.js';
import { STALE_NAN } from '../../src/storage/value.js';
import { rng } from './util.js';

/** Go's %g for float64 (promtool dump prints values with it). */
export function goG(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 21) {
    const [m, e] = v.toExponential().split('e');
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(v);
}

export function labelsText(l: Labels): string {
  return '{' + l.map((x) => `${x.name}=${JSON.stringify(x.value)}`).join(', ') + '}';
}

/** Synthetic series over [start, start + span): 15 s samples, varied values, stale markers, gaps. */
export function synthSeries(n: number, start: number, span: number, seed = 1): SeriesSamples[] {
  const rand = rng(seed);
  const out: SeriesSamples[] = [];
  for (let i = 0; i < n; i++) {
    const labels: Labels = [
      { name: '__name__', value: `blk_metric_${i % 3}` },
      { name: 'instance', value: `host-${i}` },
      { name: 'job', value: i % 2 === 0 ? 'api' : 'db' },
    ];
    const ts: number[] = [];
    const vals: number[] = [];
    let v = Math.floor(rand() * 1000);
    for (let t = start + (i % 7) * 1000; t < start + span; t += 15_000 + (rand() < 0.05 ? 1 : 0)) {
      if (rand() < 0.02) continue; // a missed scrape
      v += i % 3 === 0 ? Math.floor(rand() * 10) : rand() * 2 - 1;
      ts.push(t);
      vals.push(v);
    }
    const values = Float64Array.from(vals);
    if (i % 5 === 0) values[values.length - 1] = STALE_NAN;
    out.push({ labels, timestamps: Float64Array.from(ts), values });
  }
  return out.sort((a, b) => compareLabels(a.labels, b.labels));
}

export async function writeSynthBlock(dir: string, series: readonly SeriesSamples[], mint: number, maxt: number): Promise<string> {
  const w = await BlockWriter.create(dir, mint, maxt);
  for (const s of series) await w.addSeries(s.labels, toChunks(s), s.timestamps.length);
  const meta = await w.commit();
  return join(dir, meta.ulid);
}

