// One persistent block opened for queries: meta.json, the index reader, and the chunk reader.
import { join } from 'node:path';
import type { LabelMatcher, Labels, Querier, SelectHints, SeriesSamples } from '../../storage/interface.js';
import { compareStrings } from './index-writer.js';
import { compileMatcher } from '../index/matchers.js';
import { postingsForMatchers } from '../index/postings-for.js';
import { ChunkReader } from './chunk-reader.js';
import { newBlockCaches, type BlockCaches, type IndexSeries } from './caches.js';
import { IndexReader } from './index-reader.js';
import { readMeta, type BlockMeta } from './meta.js';
import { decodeHistogramChunk, toHistogramSamples, type StoredHistogram } from './histogram-chunks.js';
import { ENC_XOR, decodePromXor, promXorCount } from './xor-chunk.js';

/** newestFloat's answer when the series must be decoded in full. */
const DECODE = undefined;

export class Block implements Querier {
  readonly meta: BlockMeta;
  readonly index: IndexReader;
  readonly chunks: ChunkReader;

  constructor(
    readonly dir: string,
    /** Shared with the store's other blocks; a block opened alone gets its own. */
    caches: BlockCaches = newBlockCaches(),
  ) {
    this.meta = readMeta(dir);
    this.index = new IndexReader(join(dir, 'index'), caches, this.meta.ulid);
    try {
      this.chunks = new ChunkReader(join(dir, 'chunks'), caches.chunks, this.meta.ulid);
    } catch (err) {
      this.index.close();
      throw err;
    }
  }

  get minTime(): number {
    return this.meta.minTime;
  }

  /** Exclusive end. */
  get maxTime(): number {
    return this.meta.maxTime;
  }

  overlaps(mint: number, maxt: number): boolean {
    return this.meta.minTime <= maxt && this.meta.maxTime > mint;
  }

  /** Series ids matching all matchers (sorted, i.e. in label-set order). */
  matching(matchers: readonly LabelMatcher[]): readonly number[] {
    return postingsForMatchers(this.index, matchers.map(compileMatcher));
  }

  seriesEntry(ref: number): IndexSeries {
    return this.index.series(ref);
  }

  /** Samples of series `ref` in [mint, maxt], floats and (unless `floatsOnly`) histograms; null when none. */
  samples(ref: number, mint: number, maxt: number, floatsOnly = false): SeriesSamples | null {
    const s = this.index.series(ref);
    const data: Buffer[] = [];
    const hists: StoredHistogram[] = [];
    let n = 0;
    for (const c of s.chunks) {
      if (c.maxT < mint || c.minT > maxt) continue;
      const chunk = this.chunks.chunk(c.ref);
      if (chunk.encoding !== ENC_XOR) {
        if (!floatsOnly) decodeHistogramChunk(chunk.encoding, chunk.data, mint, maxt, hists);
        continue;
      }
      data.push(chunk.data);
      n += promXorCount(chunk.data);
    }
    const ts = new Float64Array(n);
    const vals = new Float64Array(n);
    const bits = new Uint32Array(vals.buffer);
    let len = 0;
    for (const d of data) len = decodePromXor(d, mint, maxt, ts, bits, len);
    if (len === 0 && hists.length === 0) return null;
    const out = { labels: s.labels, timestamps: ts.subarray(0, len), values: vals.subarray(0, len) };
    return hists.length === 0 ? out : { ...out, histograms: toHistogramSamples(hists) };
  }

  /** Histogram samples of series `ref` in [mint, maxt] as stored (integer or float), for compaction. */
  storedHistograms(ref: number, mint: number, maxt: number): StoredHistogram[] {
    const out: StoredHistogram[] = [];
    for (const c of this.index.series(ref).chunks) {
      if (c.maxT < mint || c.minT > maxt) continue;
      const chunk = this.chunks.chunk(c.ref);
      if (chunk.encoding !== ENC_XOR) decodeHistogramChunk(chunk.encoding, chunk.data, mint, maxt, out);
    }
    return out;
  }

  /** Does series `ref` have a sample in [mint, maxt]? Decodes only chunks the window cuts into. */
  hasSamplesIn(ref: number, mint: number, maxt: number): boolean {
    for (const c of this.index.series(ref).chunks) {
      if (c.maxT < mint || c.minT > maxt) continue;
      if (c.minT >= mint || c.maxT <= maxt) return true;
      const { encoding, data } = this.chunks.chunk(c.ref);
      if (encoding !== ENC_XOR) {
        const found: StoredHistogram[] = [];
        decodeHistogramChunk(encoding, data, mint, maxt, found);
        if (found.length > 0) return true;
        continue;
      }
      const n = promXorCount(data);
      if (decodePromXor(data, mint, maxt, new Float64Array(n), new Uint32Array(2 * n), 0) > 0) return true;
    }
    return false;
  }

  labelsOf(ref: number): Labels {
    return this.index.series(ref).labels;
  }

  // ---- Querier ----

  select(matchers: readonly LabelMatcher[], mint: number, maxt: number, hints?: SelectHints): SeriesSamples[] {
    if (!this.overlaps(mint, maxt)) return [];
    const out: SeriesSamples[] = [];
    const latestOnly = hints?.latestOnly === true;
    for (const ref of this.matching(matchers)) {
      let got = latestOnly ? this.newestFloat(ref, mint, maxt) : DECODE;
      if (got === DECODE) got = this.samples(ref, mint, maxt);
      if (got !== null) out.push(got);
    }
    return out;
  }

  /**
   * The newest float sample of series `ref` in [mint, maxt], decoding only the newest chunk that holds one
   * (an instant selector needs no more; the head does the same from its series). null when the window holds
   * none; DECODE when a chunk in the window holds histograms (the caller decodes them all).
   */
  private newestFloat(ref: number, mint: number, maxt: number): SeriesSamples | null | undefined {
    const s = this.index.series(ref);
    const inWindow: Uint8Array[] = [];
    for (const c of s.chunks) {
      if (c.maxT < mint || c.minT > maxt) continue;
      const chunk = this.chunks.chunk(c.ref);
      if (chunk.encoding !== ENC_XOR) return DECODE;
      inWindow.push(chunk.data);
    }
    for (let i = inWindow.length - 1; i >= 0; i--) {
      const data = inWindow[i]!;
      const n = promXorCount(data);
      const ts = new Float64Array(n);
      const bits = new Uint32Array(2 * n);
      const len = decodePromXor(data, mint, maxt, ts, bits, 0);
      if (len === 0) continue;
      const values = new Float64Array(1);
      new Uint32Array(values.buffer).set(bits.subarray(2 * len - 2, 2 * len));
      return { labels: s.labels, timestamps: [ts[len - 1]!], values };
    }
    return null;
  }

  series(matchers: readonly LabelMatcher[], mint: number, maxt: number): Labels[] {
    return this.inRange(matchers, mint, maxt).map((ref) => this.labelsOf(ref));
  }

  labelNames(matchers: readonly LabelMatcher[], mint: number, maxt: number): string[] {
    if (!this.overlaps(mint, maxt)) return [];
    if (matchers.length === 0 && this.coveredBy(mint, maxt)) return this.index.labelNames().sort(compareStrings);
    const names = new Set<string>();
    for (const ref of this.inRange(matchers, mint, maxt)) for (const l of this.labelsOf(ref)) names.add(l.name);
    return [...names].sort(compareStrings);
  }

  labelValues(name: string, matchers: readonly LabelMatcher[], mint: number, maxt: number): string[] {
    if (!this.overlaps(mint, maxt)) return [];
    if (matchers.length === 0 && this.coveredBy(mint, maxt)) return this.index.labelValues(name).sort(compareStrings);
    const values = new Set<string>();
    for (const ref of this.inRange(matchers, mint, maxt)) {
      for (const l of this.labelsOf(ref)) if (l.name === name) values.add(l.value);
    }
    return [...values].sort(compareStrings);
  }

  private coveredBy(mint: number, maxt: number): boolean {
    return mint <= this.meta.minTime && maxt >= this.meta.maxTime - 1;
  }

  private inRange(matchers: readonly LabelMatcher[], mint: number, maxt: number): number[] {
    if (!this.overlaps(mint, maxt)) return [];
    return this.matching(matchers).filter((ref) => this.hasSamplesIn(ref, mint, maxt));
  }

  close(): void {
    this.index.close();
    this.chunks.close();
  }
}
