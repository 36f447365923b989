// What the integer and float histogram chunk appenders share (Prometheus repeats it in histogram.go and
// float_histogram.go): the chunk header and its counter-reset flags, the layout the first sample fixes, and
// the tail of an append that fits: the sample widened to the chunk's layout (backward inserts), then either
// written as is or after the chunk is recoded to the sample's wider layout (forward inserts). The two differ
// in how values are written (deltas of deltas or XORed floats) and in the appendability rules.
import { CounterResetHint, type Histogram, type Span } from '../../histogram/model.js';
import { BitWriter } from './bits.js';
import { COUNTER_RESET_HEADER_MASK, CounterResetHeader, HISTOGRAM_FLAG_POS, HISTOGRAM_HEADER_SIZE, countSpans } from './histogram-meta.js';
import { adjustForInserts, applyInserts, type Insert } from './histogram-spans.js';

/** How an append went: into this chunk, into a new chunk (cut), or into this chunk recoded to a wider layout. */
export type AppendOutcome = 'appended' | 'cut' | 'recoded';

/** Where a sample that fits goes: buckets to insert into the chunk (forward) and into the sample (backward);
 *  for gauges, the union of both layouts. */
export interface Placement {
  pFwd: Insert[];
  nFwd: Insert[];
  pBack: Insert[];
  nBack: Insert[];
  pMerged?: Span[];
  nMerged?: Span[];
}

/** A stale marker is written with an empty layout; only its sum (the marker) matters. */
export const staleOnly = (sum: number): Histogram => ({
  counterResetHint: CounterResetHint.Unknown, schema: 0, zeroThreshold: 0, zeroCount: 0, count: 0, sum,
  positiveSpans: [], negativeSpans: [], positiveBuckets: [], negativeBuckets: [], customValues: [],
});

/** A deep copy with every field kept (the chunk writes what it was given; custom bounds included). */
export function copyChunkHistogram(h: Histogram): Histogram {
  return {
    ...h,
    positiveSpans: h.positiveSpans.map((s) => ({ ...s })),
    negativeSpans: h.negativeSpans.map((s) => ({ ...s })),
    positiveBuckets: h.positiveBuckets.slice(),
    negativeBuckets: h.negativeBuckets.slice(),
    customValues: h.customValues.slice(),
  };
}

/** The appender of one histogram chunk; `A` is the concrete appender (integer or float). */
export abstract class HistogramChunkAppender<A extends HistogramChunkAppender<A>> {
  readonly w = new BitWriter(64);
  num = 0;
  minT = 0;
  maxT = 0;
  protected header: CounterResetHeader = CounterResetHeader.Unknown;
  protected schema = 0;
  protected zThreshold = 0;
  protected pSpans: Span[] = [];
  protected nSpans: Span[] = [];
  protected customValues: number[] = [];
  protected tDelta = 0;

  /** True when bucket values are deltas (integer chunks): an inserted bucket then continues its neighbour. */
  protected abstract readonly deltaBuckets: boolean;
  /** An empty chunk of the same kind. */
  protected abstract fresh(): A;
  /** This kind's chunk decoder. */
  protected abstract samples(data: Uint8Array): Iterable<[number, Histogram]>;
  /** The header of a chunk that `h` starts, when this chunk precedes it: does `h` reset this chunk's counts? */
  protected abstract headerFollowing(h: Histogram): CounterResetHeader;
  /** Writes `h` with no appendability checks (Prometheus's appendHistogram / appendFloatHistogram). */
  abstract appendRaw(t: number, h: Histogram): void;

  constructor() {
    this.w.writeBits(0, 8 * HISTOGRAM_HEADER_SIZE);
  }

  get counterResetHeader(): CounterResetHeader {
    return this.header;
  }

  setCounterResetHeader(h: CounterResetHeader): void {
    this.header = h;
  }

  /** The chunk's data as Prometheus stores it (header included). */
  bytes(): Uint8Array {
    const out = this.w.finish();
    out[0] = (this.num >>> 8) & 0xff;
    out[1] = this.num & 0xff;
    out[HISTOGRAM_FLAG_POS] = (out[HISTOGRAM_FLAG_POS]! & ~COUNTER_RESET_HEADER_MASK) | this.header;
    return out;
  }

  /** Keeps the first sample's layout, which every later sample of the chunk is written against. */
  protected keepLayout(h: Histogram): void {
    this.schema = h.schema;
    this.zThreshold = h.zeroThreshold;
    this.pSpans = h.positiveSpans.map((s) => ({ ...s }));
    this.nSpans = h.negativeSpans.map((s) => ({ ...s }));
    this.customValues = h.customValues.slice();
  }

  /** The chunk's first sample: the header comes from its hint, else from the chunk before (when given). */
  protected first(t: number, h: Histogram, prev: A | null): { app: A; outcome: AppendOutcome } {
    this.appendRaw(t, h);
    if (h.counterResetHint === CounterResetHint.Gauge) this.header = CounterResetHeader.Gauge;
    else if (h.counterResetHint === CounterResetHint.CounterReset) this.header = CounterResetHeader.CounterReset;
    else if (prev !== null) this.header = prev.headerFollowing(h);
    return { app: this as unknown as A, outcome: 'appended' };
  }

  /** Starts the chunk after this one with `h`, under `header`. */
  protected cut(t: number, h: Histogram, header: CounterResetHeader): { app: A; outcome: AppendOutcome } {
    const next = this.fresh();
    next.header = header;
    next.appendRaw(t, h);
    return { app: next, outcome: 'cut' };
  }

  /** Appends `h` (not modified), which fits this chunk as `v` says; a gauge takes the merged layout. */
  protected place(t: number, h: Histogram, v: Placement, gauge: boolean): { app: A; outcome: AppendOutcome } {
    let hh = h;
    if (v.pBack.length > 0 || v.nBack.length > 0) {
      hh = copyChunkHistogram(h);
      if (gauge) {
        hh.positiveSpans = v.pMerged!;
        hh.negativeSpans = v.nMerged!;
      } else if (v.pFwd.length === 0 && v.nFwd.length === 0) {
        hh.positiveSpans = this.pSpans.map((s) => ({ ...s }));
        hh.negativeSpans = this.nSpans.map((s) => ({ ...s }));
      } else {
        hh.positiveSpans = adjustForInserts(hh.positiveSpans, v.pBack);
        hh.negativeSpans = adjustForInserts(hh.negativeSpans, v.nBack);
      }
      if (v.pBack.length > 0) hh.positiveBuckets = applyInserts(hh.positiveBuckets, countSpans(hh.positiveSpans), v.pBack, this.deltaBuckets);
      if (v.nBack.length > 0) hh.negativeBuckets = applyInserts(hh.negativeBuckets, countSpans(hh.negativeSpans), v.nBack, this.deltaBuckets);
    }
    if (v.pFwd.length > 0 || v.nFwd.length > 0) {
      const app = this.recode(v.pFwd, v.nFwd, hh.positiveSpans, hh.negativeSpans);
      app.appendRaw(t, hh);
      return { app, outcome: 'recoded' };
    }
    this.appendRaw(t, hh);
    return { app: this as unknown as A, outcome: 'appended' };
  }

  /** Re-encodes this chunk's samples with the forward inserts applied (the wider layout), header kept. */
  private recode(pFwd: Insert[], nFwd: Insert[], pSpans: Span[], nSpans: Span[]): A {
    const app = this.fresh();
    const np = countSpans(pSpans);
    const nn = countSpans(nSpans);
    for (const [t, old] of this.samples(this.bytes())) {
      old.positiveSpans = pSpans;
      old.negativeSpans = nSpans;
      if (pFwd.length > 0) old.positiveBuckets = applyInserts(old.positiveBuckets, np, pFwd, this.deltaBuckets);
      if (nFwd.length > 0) old.negativeBuckets = applyInserts(old.negativeBuckets, nn, nFwd, this.deltaBuckets);
      app.appendRaw(t, old);
    }
    app.header = this.header;
    return app;
  }
}
