// The storage contract (Prometheus's storage/interface.go and model/labels): what the PromQL engine reads
// from whatever holds samples (the embedded store, or the in-memory loader of `obspath promqltest`). A library:
// promql/ and store/ both depend on it, it depends on neither. Synchronous on purpose: the embedded store is in memory, and a sync
// interface keeps the evaluator's hot loops free of promise overhead.
import type { HistogramSamples } from '../histogram/model.js';

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
  /** Native histogram samples in the same window, when the series has any (a series may hold floats at some
   *  times and histograms at others, as in Prometheus). A stale marker is a histogram whose sum is STALE_NAN. */
  readonly histograms?: HistogramSamples;
}

/** Advice for select (as Prometheus's SelectHints): a querier may use it to return less, never other, data. */
export interface SelectHints {
  /** The caller reads only the newest float and the newest histogram sample of each series in the window (an
   *  instant selector at one time), so older samples may be left out. */
  readonly latestOnly?: boolean;
}

export interface Querier {
  /** Every series matching all matchers, with its samples in [mint, maxt] (ms, both inclusive). Series with
   *  no sample in the window may be omitted. Stale markers are returned as the STALE_NAN value. */
  select(matchers: readonly LabelMatcher[], mint: number, maxt: number, hints?: SelectHints): SeriesSamples[];
  /** Label sets of the series matching all matchers that have samples in [mint, maxt]. */
  series(matchers: readonly LabelMatcher[], mint: number, maxt: number): Labels[];
  /** Sorted label names (of series matching `matchers` when given). */
  labelNames(matchers: readonly LabelMatcher[], mint: number, maxt: number): string[];
  /** Sorted values of label `name` (of series matching `matchers` when given). */
  labelValues(name: string, matchers: readonly LabelMatcher[], mint: number, maxt: number): string[];
}
