// The in-memory head: series with compressed chunks, the inverted index, and the append rules
// (out of order / duplicate / out of bounds) of Prometheus's head appender.
import type { LabelMatcher, Labels, SeriesSamples } from '../storage/interface.js';
import { StringTable, type Label } from './labels.js';
import { SAMPLES_PER_CHUNK, XorAppender, decodeXor, sealChunk, sealedBytes, type SealedChunk } from './chunks/xor.js';
import { decodeXorFast } from './chunks/xor-fast.js';
import { MemIndex } from './index/index.js';
import { compileMatcher } from './index/matchers.js';
import type { FloatHistogram, Histogram } from '../histogram/model.js';
import { histogramsEqual, SeriesHistograms, type HeadHistogramSample } from './head-histograms.js';

// Whole chunks are decoded into this scratch and only the window's samples copied out (an instant rate(x[5m])
// keeps 10 of a chunk's 120): fresh chunk-sized arrays per series were 9% of a dashboard query in GC.
let decodeT = new Float64Array(4 * SAMPLES_PER_CHUNK);
let decodeV = new Float64Array(4 * SAMPLES_PER_CHUNK);
let decodeBits = new Uint32Array(decodeV.buffer);
/** The scratch never keeps more than this many samples between calls (1 MiB); longer decodes get their own. */
const MAX_DECODE_SCRATCH = 65_536;

export class MemSeries {
  sealed: SealedChunk[] | null = null;
  head: XorAppender | null = null;
  /** Timestamp and value bits of the newest sample (-Infinity when none). */
  maxT = -Infinity;
  lastHi = 0;
  lastLo = 0;
  /** Native histogram samples (null until the first). */
  hist: SeriesHistograms | null = null;
  /** The sample at maxT is a histogram (then lastHi/lastLo mean nothing). */
  lastIsHistogram = false;

  constructor(
    readonly ref: number,
    readonly labels: Labels,
    /** Canonical key (see labels.seriesKey). */
    readonly key: string,
  ) {}

  get minT(): number {
    const h = this.hist !== null ? this.hist.minT : Infinity;
    if (this.sealed !== null && this.sealed.length > 0) return Math.min(h, this.sealed[0]!.minT);
    return this.head !== null && this.head.count > 0 ? Math.min(h, this.head.minT) : h;
  }

  /** Float and histogram samples held. */
  sampleCount(): number {
    let n = (this.head?.count ?? 0) + (this.hist?.count ?? 0);
    if (this.sealed !== null) for (const c of this.sealed) n += c.count;
    return n;
  }
}

/** Outcome of appending one sample. */
export const enum AppendCode {
  OK = 0,
  /** Same timestamp and same value bits as the newest sample: accepted, nothing stored. */
  DUPLICATE_OK = 1,
  OUT_OF_ORDER = 2,
  DUPLICATE_TIMESTAMP = 3,
  OUT_OF_BOUNDS = 4,
  /** Later than the store's clock plus the creation grace period. */
  TOO_FAR_IN_FUTURE = 5,
  /** Not an integer in [MIN_TIMESTAMP, MAX_SAFE_INTEGER] (NaN, ±Inf, fractions, or too far before 1970). */
  INVALID_TIMESTAMP = 6,
}

export const APPEND_ERRORS: Record<number, string> = {
  [AppendCode.OUT_OF_ORDER]: 'out of order sample',
  [AppendCode.DUPLICATE_TIMESTAMP]: 'duplicate sample for timestamp',
  [AppendCode.OUT_OF_BOUNDS]: 'out of bounds',
  [AppendCode.TOO_FAR_IN_FUTURE]: 'too far in the future',
  [AppendCode.INVALID_TIMESTAMP]: 'invalid timestamp',
};

/**
 * Earliest timestamp the store represents (about 69,700 years before 1970). With the upper bound near
 * now, any two accepted timestamps differ by less than 2^52, which the WAL's delta encoding needs.
 */
export const MIN_TIMESTAMP = -(2 ** 51);

export interface HeadOptions {
  /** Samples older than (newest sample in the head - this) are out of bounds (Prometheus: chunkRange/2 = 1h). */
  outOfBoundsWindowMs: number;
  /** Samples later than (clock + this) are too far in the future (Mimir: creation_grace_period). Default 10 min. */
  creationGraceMs?: number;
  /** The wall clock (ms). Default Date.now; tests pass a fixed one. */
  now?: () => number;
}

export const DEFAULT_CREATION_GRACE_MS = 10 * 60_000;

// Scratch for value bits <-> numbers without a JS-array round trip (which would canonicalize NaNs).
const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);

export class Head {
  readonly series = new Map<number, MemSeries>();
  /**
   * Canonical key -> series. A plain string Map: looking a request's raw key bytes up as a latin1 string
   * (one native slice, then V8's native string hash and compare) took half the time of hashing and
   * comparing the bytes in JS, the largest cost of ingest in the profile.
   */
  readonly byKey = new Map<string, MemSeries>();
  readonly index = new MemIndex();
  readonly strings = new StringTable();
  minT = Infinity;
  maxT = -Infinity;
  nextRef = 1;
  samplesAppended = 0;
  /**
   * Samples before this time live in blocks (exclusive end of the newest block): the head neither accepts
   * nor returns them, though a chunk that straddles the cut may still hold a few until it is dropped.
   */
  compactedUpTo = -Infinity;
  /** Appends below this are out of bounds: raised to a block's end before the block is written. */
  appendFloor = -Infinity;

  readonly now: () => number;
  readonly creationGraceMs: number;

  constructor(readonly opts: HeadOptions) {
    this.now = opts.now ?? Date.now;
    this.creationGraceMs = opts.creationGraceMs ?? DEFAULT_CREATION_GRACE_MS;
  }

  /**
   * The lowest timestamp an appender created now accepts (fixed for one request, as in Prometheus):
   * the window below the newest sample, but never measured from a time later than the clock.
   */
  minValidTime(): number {
    const floor = Math.max(MIN_TIMESTAMP, this.appendFloor);
    if (this.maxT === -Infinity) return floor;
    return Math.max(floor, Math.min(this.maxT, this.now()) - this.opts.outOfBoundsWindowMs);
  }

  /** The highest timestamp an appender created now accepts. */
  maxValidTime(): number {
    return this.now() + this.creationGraceMs;
  }

  /** Creates a series from sorted, validated labels (ref given on WAL replay). */
  createSeries(labels: readonly Label[], key: string, ref?: number): MemSeries {
    const r = ref ?? this.nextRef;
    if (r >= this.nextRef) this.nextRef = r + 1;
    const interned = labels.map((l) => this.strings.label(l.name, l.value));
    const s = new MemSeries(r, interned, key);
    this.series.set(r, s);
    this.byKey.set(key, s);
    this.index.add(r, interned);
    return s;
  }

  /** Appends one sample given as value bits, if minValidT <= t <= maxValidT. */
  append(s: MemSeries, t: number, hi: number, lo: number, minValidT: number, maxValidT: number): AppendCode {
    // Checked first: a rejected sample must never move any bound (the head's or the series').
    if (t > maxValidT) return AppendCode.TOO_FAR_IN_FUTURE;
    if (!Number.isSafeInteger(t) || t < MIN_TIMESTAMP) return AppendCode.INVALID_TIMESTAMP;
    if (t <= s.maxT) {
      if (t < s.maxT) return AppendCode.OUT_OF_ORDER;
      return !s.lastIsHistogram && hi === s.lastHi && lo === s.lastLo ? AppendCode.DUPLICATE_OK : AppendCode.DUPLICATE_TIMESTAMP;
    }
    if (t < minValidT) return AppendCode.OUT_OF_BOUNDS;
    let app = s.head;
    if (app === null) app = s.head = new XorAppender();
    else if (app.count >= SAMPLES_PER_CHUNK) {
      (s.sealed ??= []).push(sealChunk(app));
      app.reset();
    }
    app.append(t, hi, lo);
    s.maxT = t;
    s.lastIsHistogram = false;
    s.lastHi = hi;
    s.lastLo = lo;
    if (t > this.maxT) this.maxT = t;
    if (t < this.minT) this.minT = t;
    this.samplesAppended++;
    return AppendCode.OK;
  }

  /**
   * Appends one native histogram sample (`float`: a FloatHistogram), under the float samples' rules: the
   * series' newest sample of either kind bounds the order, and a resent equal histogram at the newest
   * timestamp is a harmless duplicate (Prometheus's appendableHistogram). `ownOrder` (WAL replay only)
   * orders against the series' histograms alone: a checkpoint restores float chunks before histograms.
   */
  appendHistogram(s: MemSeries, t: number, h: Histogram | FloatHistogram, float: boolean, minValidT: number, maxValidT: number, ownOrder = false): AppendCode {
    if (t > maxValidT) return AppendCode.TOO_FAR_IN_FUTURE;
    if (!Number.isSafeInteger(t) || t < MIN_TIMESTAMP) return AppendCode.INVALID_TIMESTAMP;
    const newest = ownOrder ? (s.hist?.maxT ?? -Infinity) : s.maxT;
    if (t <= newest) {
      if (t < newest) return AppendCode.OUT_OF_ORDER;
      const last = s.hist?.last;
      const same = last !== undefined && last.t === t && last.float === float && histogramsEqual(last.h, h);
      return same ? AppendCode.DUPLICATE_OK : AppendCode.DUPLICATE_TIMESTAMP;
    }
    if (t < minValidT) return AppendCode.OUT_OF_BOUNDS;
    (s.hist ??= new SeriesHistograms()).push(t, h, float);
    if (t > s.maxT) {
      s.maxT = t;
      s.lastIsHistogram = true;
    }
    if (t > this.maxT) this.maxT = t;
    if (t < this.minT) this.minT = t;
    this.samplesAppended++;
    return AppendCode.OK;
  }

  /**
   * The block writer's view of a series' native histograms: the samples in [mint, maxt] (ms, inclusive) as
   * stored, oldest first; integer histograms stay integer (delta bucket counts), so blocks can use integer
   * histogram chunks for them. Empty when the series has none there.
   */
  histogramSamplesOf(s: MemSeries, mint: number, maxt: number): HeadHistogramSample[] {
    return s.hist === null ? [] : s.hist.rawIn(Math.max(mint, this.compactedUpTo), maxt);
  }

  appendNumber(s: MemSeries, t: number, v: number, minValidT: number, maxValidT: number): AppendCode {
    scratchF64[0] = v;
    return this.append(s, t, scratchU32[1]!, scratchU32[0]!, minValidT, maxValidT);
  }

  /** Adds a sealed chunk read from a checkpoint (chunks arrive in time order per series). */
  addSealedChunk(s: MemSeries, c: SealedChunk, lastHi: number, lastLo: number): void {
    if (c.minT <= s.maxT) return; // already have it (replayed twice)
    (s.sealed ??= []).push(c);
    s.maxT = c.maxT;
    s.lastIsHistogram = false;
    s.lastHi = lastHi;
    s.lastLo = lastLo;
    if (c.maxT > this.maxT) this.maxT = c.maxT;
    if (c.minT < this.minT) this.minT = c.minT;
  }

  /** Drops chunks entirely older than `cutoff`, and series left without samples. Returns series removed. */
  truncate(cutoff: number): number {
    const dead = new Set<number>();
    let minT = Infinity;
    for (const s of this.series.values()) {
      if (s.sealed !== null) {
        let i = 0;
        while (i < s.sealed.length && s.sealed[i]!.maxT < cutoff) i++;
        if (i > 0) s.sealed.splice(0, i);
        if (s.sealed.length === 0) s.sealed = null;
      }
      if (s.hist !== null && s.hist.dropBefore(cutoff) > 0 && s.hist.count === 0) s.hist = null;
      if (s.sealed === null && (s.head === null || s.head.count === 0 || s.head.maxT < cutoff)) {
        if (s.hist === null) {
          dead.add(s.ref);
          continue;
        }
        s.head = null; // only histograms are left
      }
      if (s.minT < minT) minT = s.minT;
    }
    this.index.delete(dead, (ref) => this.series.get(ref)!.labels);
    for (const ref of dead) {
      const s = this.series.get(ref)!;
      this.series.delete(ref);
      this.byKey.delete(s.key);
    }
    this.minT = minT;
    return dead.size;
  }

  /** All chunks of a series as (bytes, bits, count, minT, maxT), oldest first. */
  chunksOf(s: MemSeries): Array<{ bytes: Uint8Array; nbits: number; count: number; minT: number; maxT: number }> {
    const out: Array<{ bytes: Uint8Array; nbits: number; count: number; minT: number; maxT: number }> = [];
    if (s.sealed !== null) {
      for (const c of s.sealed) out.push({ bytes: sealedBytes(c), nbits: c.data.length * 8, count: c.count, minT: c.minT, maxT: c.maxT });
    }
    if (s.head !== null && s.head.count > 0) {
      out.push({ bytes: s.head.bits.bytes, nbits: s.head.bits.pos, count: s.head.count, minT: s.head.minT, maxT: s.head.maxT });
    }
    return out;
  }

  /** Earliest time the head answers for (its oldest sample, or the block cut when later). */
  effectiveMinT(): number {
    return Math.max(this.minT, this.compactedUpTo);
  }

  /**
   * Samples of one series in [mint, maxt]: its float samples and its native histograms (as float histograms),
   * or null when there are none. (The block writer can read histograms as stored with histogramSamplesOf.)
   */
  samplesOf(s: MemSeries, mint: number, maxt: number): SeriesSamples | null {
    const floats = this.floatSamplesOf(s, mint, maxt);
    if (s.hist === null) return floats;
    const histograms = s.hist.floatIn(Math.max(mint, this.compactedUpTo), maxt);
    if (histograms === null) return floats;
    const empty = new Float64Array(0);
    return { labels: s.labels, timestamps: floats?.timestamps ?? empty, values: floats?.values ?? empty, histograms };
  }

  /** Float samples of one series in [mint, maxt], or null when there are none. */
  private floatSamplesOf(s: MemSeries, mint: number, maxt: number): SeriesSamples | null {
    if (mint < this.compactedUpTo) mint = this.compactedUpTo;
    if (s.maxT < mint || s.minT > maxt) return null;
    let n = 0;
    if (s.sealed !== null) for (const c of s.sealed) if (c.maxT >= mint && c.minT <= maxt) n += c.count;
    const h = s.head;
    if (h !== null && h.count > 0 && h.maxT >= mint && h.minT <= maxt) n += h.count;
    if (n === 0) return null;
    let ts = decodeT;
    let vals = decodeV;
    let bits = decodeBits;
    if (n > ts.length) {
      ts = new Float64Array(n);
      vals = new Float64Array(n);
      bits = new Uint32Array(vals.buffer);
      if (n <= MAX_DECODE_SCRATCH) [decodeT, decodeV, decodeBits] = [ts, vals, bits];
    }
    let len = 0;
    if (s.sealed !== null) {
      for (const c of s.sealed) {
        if (c.maxT < mint || c.minT > maxt) continue;
        len = decodeXorFast(sealedBytes(c), c.data.length * 8, c.count, mint, maxt, ts, bits, len);
      }
    }
    if (h !== null && h.count > 0 && h.maxT >= mint && h.minT <= maxt) {
      len = decodeXorFast(h.bits.bytes, h.bits.pos, h.count, mint, maxt, ts, bits, len);
    }
    if (len === 0) return null;
    return { labels: s.labels, timestamps: ts.slice(0, len), values: vals.slice(0, len) };
  }

  /** Series matching all matchers (no time filter). An empty matcher list selects every series. */
  matching(matchers: readonly LabelMatcher[]): MemSeries[] {
    const postings = this.index.postingsFor(matchers.map(compileMatcher), (ref) => this.series.get(ref)?.labels);
    const out: MemSeries[] = [];
    for (const ref of postings) {
      const s = this.series.get(ref);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  /** Does the series have at least one sample in [mint, maxt]? Decodes only when the window is inside a chunk. */
  hasSamplesIn(s: MemSeries, mint: number, maxt: number): boolean {
    if (mint < this.compactedUpTo) mint = this.compactedUpTo;
    if (s.maxT < mint || s.minT > maxt) return false;
    if (s.hist !== null && s.hist.hasIn(mint, maxt)) return true;
    for (const c of this.chunksOf(s)) {
      if (c.maxT < mint || c.minT > maxt) continue;
      if (c.minT >= mint || c.maxT <= maxt) return true;
      const ts = new Float64Array(c.count);
      const bits = new Uint32Array(c.count * 2);
      if (decodeXor(c.bytes, c.nbits, c.count, mint, maxt, ts, bits, 0) > 0) return true;
    }
    return false;
  }
}
