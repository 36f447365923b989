// The contract between the PromQL engine and whatever holds samples (the embedded store, or the in-memory
// loader of `obspath promqltest`). Synchronous on purpose: the embedded store is in memory, and a sync
// interface keeps the evaluator's hot loops free of promise overhead.

/** One label. A series' labels are sorted by name, `__name__` included. */
export interface Label {
  readonly name: string;
  readonly value: string;
}
export type Labels = readonly Label[];

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
}

/** Samples of one series inside a requested [mint, maxt] window (ms, inclusive), sorted by time. */
export interface SeriesSamples {
  readonly labels: Labels;
  readonly timestamps: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

export interface Querier {
  /** Every series matching all matchers, with its samples in [mint, maxt] (ms, both inclusive). Series with
   *  no sample in the window may be omitted. Stale markers are returned as the STALE_NAN value. */
  select(matchers: readonly LabelMatcher[], mint: number, maxt: number): SeriesSamples[];
  /** Label sets of the series matching all matchers that have samples in [mint, maxt]. */
  series(matchers: readonly LabelMatcher[], mint: number, maxt: number): Labels[];
  /** Sorted label names (of series matching `matchers` when given). */
  labelNames(matchers: readonly LabelMatcher[], mint: number, maxt: number): string[];
  /** Sorted values of label `name` (of series matching `matchers` when given). */
  labelValues(name: string, matchers: readonly LabelMatcher[], mint: number, maxt: number): string[];
}

// Prometheus marks a series stale with this exact NaN bit pattern (value.StaleNaN = 0x7ff0000000000002).
const staleBuf = new DataView(new ArrayBuffer(8));
staleBuf.setBigUint64(0, 0x7ff0000000000002n);
export const STALE_NAN: number = staleBuf.getFloat64(0);

/** True when `v` carries the stale-marker bit pattern (an ordinary NaN is not stale). */
export function isStaleNaN(v: number): boolean {
  if (v === v) return false; // not NaN at all
  staleBuf.setFloat64(0, v);
  return staleBuf.getBigUint64(0) === 0x7ff0000000000002n;
}
