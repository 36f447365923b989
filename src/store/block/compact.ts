// Turns samples into blocks: the head's range [mint, maxt) cut into one block, or several blocks merged
// into one covering their union (series merged by label set, samples deduplicated by timestamp).
import type { Labels, SeriesSamples } from '../../storage/interface.js';
import { SAMPLES_PER_CHUNK } from '../chunks/xor.js';
import type { Head } from '../head.js';
import { compareLabels } from './index-writer.js';
import type { Block } from './block.js';
import type { BlockMeta } from './meta.js';
import { histogramChunks, mergeHistogramSamples, mergeStoredHistograms, storedFromSamples, type StoredHistogram } from './histogram-chunks.js';
import { BlockWriter, type BlockChunk } from './writer.js';
import { encodePromXor } from './xor-chunk.js';

/** Cuts samples into chunks as Prometheus does: floats in XOR chunks of SAMPLES_PER_CHUNK, histogram samples
 *  (by default the series' float histograms) in histogram chunks, a new chunk whenever the sample type
 *  changes, all in time order. On a timestamp holding both, the float wins. */
export function toChunks(s: SeriesSamples, hists: readonly StoredHistogram[] = storedFromSamples(s.histograms)): BlockChunk[] {
  const n = s.timestamps.length;
  const vals = s.values instanceof Float64Array ? s.values : Float64Array.from(s.values);
  const bits = new Uint32Array(vals.buffer, vals.byteOffset, n * 2);
  const out: BlockChunk[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < hists.length) {
    if (j >= hists.length || (i < n && s.timestamps[i]! <= hists[j]!.t)) {
      const stop = j < hists.length ? hists[j]!.t : Infinity;
      let end = i;
      while (end < n && s.timestamps[end]! <= stop) end++;
      for (let a = i; a < end; a += SAMPLES_PER_CHUNK) {
        const b = Math.min(end, a + SAMPLES_PER_CHUNK);
        out.push({ minT: s.timestamps[a]!, maxT: s.timestamps[b - 1]!, data: encodePromXor(s.timestamps, bits, a, b) });
      }
      i = end;
      while (j < hists.length && hists[j]!.t <= s.timestamps[i - 1]!) j++;
    } else {
      const stop = i < n ? s.timestamps[i]! : Infinity;
      let end = j;
      while (end < hists.length && hists[end]!.t < stop) end++;
      out.push(...histogramChunks(hists.slice(j, end)));
      j = end;
    }
  }
  return out;
}

/** Samples in chunks (every encoding starts with a 2-byte big-endian sample count). */
export function chunkSamples(chunks: readonly BlockChunk[]): number {
  let n = 0;
  for (const c of chunks) n += (c.data[0]! << 8) | c.data[1]!;
  return n;
}

/**
 * Writes the head's samples in [mint, maxt) as a block in `dir`. Returns its meta, or null when the
 * range holds no sample (no block is written then, as Prometheus does).
 */
export async function writeHeadBlock(head: Head, dir: string, mint: number, maxt: number): Promise<BlockMeta | null> {
  const series = [...head.series.values()].filter((s) => s.maxT >= mint && s.minT < maxt);
  series.sort((a, b) => compareLabels(a.labels, b.labels));
  const w = await BlockWriter.create(dir, mint, maxt);
  try {
    for (const s of series) {
      // Histograms as the head stores them (integer ones stay integer chunks), floats beside them.
      const hists: StoredHistogram[] = head.histogramSamplesOf(s, mint, maxt - 1).map((x) => (x.float ? { t: x.t, isFloat: true, h: x.h } : { t: x.t, isFloat: false, h: x.h }));
      const got = head.samplesOf(s, mint, maxt - 1);
      if (got === null && hists.length === 0) continue;
      const chunks = toChunks(got ?? { labels: s.labels, timestamps: [], values: [] }, hists);
      await w.addSeries(s.labels, chunks, chunkSamples(chunks));
    }
    if (w.seriesCount === 0) {
      await w.abort();
      return null;
    }
    return await w.commit({ level: 1, sources: [] });
  } catch (err) {
    await w.abort();
    throw err;
  }
}

/** Merges blocks (any overlap allowed) into one new block in `dir` covering all of them. */
export async function compactBlocks(blocks: readonly Block[], dir: string): Promise<BlockMeta> {
  const mint = Math.min(...blocks.map((b) => b.minTime));
  const maxt = Math.max(...blocks.map((b) => b.maxTime));
  const w = await BlockWriter.create(dir, mint, maxt);
  try {
    for (const { labels, parts, hists } of mergedSeries(blocks)) {
      const merged = mergeSamples(labels, parts);
      const chunks = toChunks(merged, mergeStoredHistograms(hists));
      await w.addSeries(labels, chunks, chunkSamples(chunks));
    }
    const sources = [...new Set(blocks.flatMap((b) => b.meta.compaction.sources))].sort();
    const level = Math.max(...blocks.map((b) => b.meta.compaction.level)) + 1;
    const parents = blocks.map((b) => ({ ulid: b.meta.ulid, minTime: b.minTime, maxTime: b.maxTime }));
    return await w.commit({ level, sources, parents });
  } catch (err) {
    await w.abort();
    throw err;
  }
}

/** Every series of the blocks in label-set order, with its samples from each block (a k-way merge of ids);
 *  histogram samples as stored, so integer histograms stay integer. */
function* mergedSeries(blocks: readonly Block[]): Generator<{ labels: Labels; parts: SeriesSamples[]; hists: StoredHistogram[][] }> {
  const cursors = blocks.map((b) => ({ b, ids: b.index.all(), i: 0 }));
  for (;;) {
    let least: Labels | null = null;
    for (const c of cursors) {
      if (c.i >= c.ids.length) continue;
      const l = c.b.labelsOf(c.ids[c.i]!);
      if (least === null || compareLabels(l, least) < 0) least = l;
    }
    if (least === null) return;
    const parts: SeriesSamples[] = [];
    const hists: StoredHistogram[][] = [];
    for (const c of cursors) {
      if (c.i >= c.ids.length || compareLabels(c.b.labelsOf(c.ids[c.i]!), least) !== 0) continue;
      const got = c.b.samples(c.ids[c.i]!, -Infinity, Infinity, true);
      if (got !== null) parts.push(got);
      hists.push(c.b.storedHistograms(c.ids[c.i]!, -Infinity, Infinity));
      c.i++;
    }
    yield { labels: least, parts, hists };
  }
}

/** Concatenates sample runs of one series; sorts and drops repeated timestamps when runs overlap. */
export function mergeSamples(labels: Labels, parts: readonly SeriesSamples[]): SeriesSamples {
  if (parts.length === 1) return { ...parts[0]!, labels };
  const floats = mergeFloatSamples(labels, parts.filter((p) => p.timestamps.length > 0));
  const histograms = mergeHistogramSamples(parts.map((p) => p.histograms));
  return histograms === undefined ? floats : { ...floats, histograms };
}

function mergeFloatSamples(labels: Labels, parts: readonly SeriesSamples[]): SeriesSamples {
  if (parts.length === 0) return { labels, timestamps: new Float64Array(0), values: new Float64Array(0) };
  if (parts.length === 1) return { labels, timestamps: parts[0]!.timestamps, values: parts[0]!.values };
  const runs = [...parts].sort((a, b) => a.timestamps[0]! - b.timestamps[0]!);
  let n = 0;
  for (const p of runs) n += p.timestamps.length;
  const ts = new Float64Array(n);
  const vals = new Float64Array(n);
  let len = 0;
  let sorted = true;
  for (const p of runs) {
    if (len > 0 && p.timestamps[0]! <= ts[len - 1]!) sorted = false;
    ts.set(p.timestamps, len);
    vals.set(p.values instanceof Float64Array ? p.values : Float64Array.from(p.values), len);
    len += p.timestamps.length;
  }
  if (sorted) return { labels, timestamps: ts, values: vals };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
  const ots = new Float64Array(n);
  const ovals = new Float64Array(n);
  // Copied as bit halves: a value passing through a JS number may lose its NaN payload (the stale marker).
  const inBits = new Uint32Array(vals.buffer);
  const outBits = new Uint32Array(ovals.buffer);
  let m = 0;
  for (const i of order) {
    if (m > 0 && ots[m - 1] === ts[i]) continue; // the earlier run (older block) wins a duplicate timestamp
    ots[m] = ts[i]!;
    outBits[2 * m] = inBits[2 * i]!;
    outBits[2 * m + 1] = inBits[2 * i + 1]!;
    m++;
  }
  return { labels, timestamps: ots.subarray(0, m), values: ovals.subarray(0, m) };
}
