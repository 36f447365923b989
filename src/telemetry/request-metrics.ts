// Per-request HTTP metrics counted in plain numbers and handed to prom-client only when /metrics is read.
// A prom-client labelled child re-validates and re-hashes its labels on every inc/observe (the histogram's
// observe was 2.2% of a proxied request's CPU on its own); here a request costs a few map lookups and
// additions. The registry sees metric objects whose get() answers exactly what prom-client's Counter,
// Histogram and (quantile-less) Summary answer for the same observations (names, HELP/TYPE, label order,
// buckets, _sum/_count), so the exposition text and the cluster aggregation (getMetricsAsJSON) are unchanged.
// `RequestSeriesTable` takes any label names and any number of observed quantities per request (the API:
// five labels, a duration and a response-size histogram, a request-size summary); `RequestMetrics` is the
// refresher's three-label counter + duration histogram on top of it.
import type { Registry } from 'prom-client';

type Labels = Record<string, string | number>;

interface CounterValue { value: number; labels: Labels }
interface ObservedValue { labels: Labels; sharedLabels?: Labels; value: number; metricName: string; exemplar?: null }
interface MetricData<V> { name: string; help: string; type: 'counter' | 'histogram' | 'summary'; values: V[]; aggregator: 'sum' }

/** A registered view, as tests and callers read it (prom-client's get()). */
export interface MetricView {
  get(): Promise<{ name: string; values: Array<{ labels: Labels; value: number; metricName?: string }> }>;
}

/** A quantity observed once per request: a histogram (with its upper bounds, ascending) or a summary without quantiles. */
export type ObservedSpec = { name: string; help: string; buckets: readonly number[] } | { name: string; help: string; summary: true };

/** One label combination: its request count and, per observed quantity, its count, sum and buckets. */
export class RequestSeries {
  count = 0;
  readonly counts: number[];
  readonly sums: number[];
  /** Per quantity; not cumulative, as prom-client keeps them: buckets[q][i] counts values in (bounds[i-1], bounds[i]]. */
  readonly buckets: number[][];

  constructor(readonly labels: Labels, private readonly bounds: ReadonlyArray<readonly number[]>) {
    this.counts = bounds.map(() => 0);
    this.sums = bounds.map(() => 0);
    this.buckets = bounds.map((b) => new Array<number>(b.length).fill(0));
  }

  /** One value of quantity `q` (the table's `observed` order). */
  observe(q: number, value: number): void {
    this.counts[q]! += 1;
    this.sums[q]! += value;
    const bounds = this.bounds[q]!;
    // Above the last bound a value counts in _count (and +Inf) only, as in prom-client.
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.buckets[q]![i]! += 1;
        break;
      }
    }
  }
}

export interface RequestSeriesTableOptions {
  registry: Registry;
  /** Label names in the order the labels are written (the order of the labels object prom-client was given). */
  labelNames: readonly string[];
  /** The request counter's name and help (e.g. http_requests_total). */
  requests: { name: string; help: string };
  /** The quantities observed per request; registered after the counter, in this order. */
  observed: readonly ObservedSpec[];
}

/**
 * A request counter and its observed quantities over one set of labels. Callers keep their own index from
 * label values to `RequestSeries` (built once per combination by `add`); series are written in the order
 * they were added, as prom-client writes them in the order of their first observation.
 */
export class RequestSeriesTable {
  readonly #series: RequestSeries[] = [];
  readonly #bounds: ReadonlyArray<readonly number[]>;
  readonly #onReset: Array<() => void> = [];
  /** The registered request counter. */
  readonly counter: MetricView;
  /** The registered views of the observed quantities, in `observed` order. */
  readonly observed: readonly MetricView[];

  constructor(opts: RequestSeriesTableOptions) {
    this.#bounds = opts.observed.map((o) => Object.freeze('buckets' in o ? [...o.buckets] : []));
    const source: SeriesSource = { series: this.#series, labelNames: [...opts.labelNames], reset: () => this.reset() };
    this.counter = new CounterView(opts.requests, source);
    opts.registry.registerMetric(this.counter as never);
    this.observed = opts.observed.map((o, q) => {
      const view = 'buckets' in o ? new HistogramView(o, q, this.#bounds[q]!, source) : new SummaryView(o, q, source);
      opts.registry.registerMetric(view as never);
      return view;
    });
  }

  /** A new series with these label values (in labelNames order); the caller indexes it. */
  add(labels: Labels): RequestSeries {
    const s = new RequestSeries(labels, this.#bounds);
    this.#series.push(s);
    return s;
  }

  /** Called when the registry resets (the caller's index must forget its series too). */
  onReset(fn: () => void): void {
    this.#onReset.push(fn);
  }

  /**
   * Forgets every series (prom-client's registry.resetMetrics()). prom-client's Summary keeps its series at
   * zero instead; nothing in obspath resets a registry but tests.
   */
  reset(): void {
    this.#series.length = 0;
    for (const fn of this.#onReset) fn();
  }
}

export interface RequestMetricsOptions {
  registry: Registry;
  /** Counter name and help (e.g. http_requests_total). */
  requests: { name: string; help: string };
  /** Histogram name, help and upper bounds in seconds (ascending). */
  duration: { name: string; help: string; buckets: readonly number[] };
}

/**
 * http_requests_total and http_request_duration_seconds by code, handler and method (labels in that order).
 * Series appear in the order of their first request, as prom-client's do.
 */
export class RequestMetrics {
  readonly #table: RequestSeriesTable;
  /** handler → method → code → series: no label object or key string is built per request. */
  readonly #index = new Map<string, Map<string, Map<number, RequestSeries>>>();

  constructor(opts: RequestMetricsOptions) {
    this.#table = new RequestSeriesTable({ registry: opts.registry, labelNames: ['code', 'handler', 'method'], requests: opts.requests, observed: [opts.duration] });
    this.#table.onReset(() => this.#index.clear());
  }

  /** One answered request: its status code, handler, method and duration in seconds. */
  record(code: number, handler: string, method: string, seconds: number): void {
    const s = this.#find(code, handler, method);
    s.count += 1;
    s.observe(0, seconds);
  }

  #find(code: number, handler: string, method: string): RequestSeries {
    let byMethod = this.#index.get(handler);
    if (!byMethod) this.#index.set(handler, (byMethod = new Map()));
    let byCode = byMethod.get(method);
    if (!byCode) byMethod.set(method, (byCode = new Map()));
    let s = byCode.get(code);
    if (!s) byCode.set(code, (s = this.#table.add({ code: String(code), handler, method })));
    return s;
  }

  /** Forgets every series (prom-client's registry.resetMetrics()). */
  reset(): void {
    this.#table.reset();
  }
}

/** What a view reads of its table: the series, the label names, and reset for the registry's resetMetrics(). */
interface SeriesSource { readonly series: readonly RequestSeries[]; readonly labelNames: string[]; reset(): void }

/** What every view shares: the registry's fields for a summed metric over the table's labels, and reset. */
abstract class SeriesView {
  readonly aggregator = 'sum';
  readonly labelNames: string[];
  name: string;
  readonly help: string;

  constructor(spec: { name: string; help: string }, protected readonly source: SeriesSource) {
    this.name = spec.name;
    this.help = spec.help;
    this.labelNames = source.labelNames;
  }

  reset(): void {
    this.source.reset();
  }
}

/** What the registry reads of the request counter: prom-client's Counter.get() shape. */
class CounterView extends SeriesView {
  readonly type = 'counter';

  get(): Promise<MetricData<CounterValue>> {
    const values = this.source.series.map((s) => ({ value: s.count, labels: s.labels }));
    return Promise.resolve({ help: this.help, name: this.name, type: this.type, values, aggregator: this.aggregator });
  }
}

/** What the registry reads of an observed histogram: prom-client's Histogram shapes. */
class HistogramView extends SeriesView {
  readonly type = 'histogram';

  constructor(spec: { name: string; help: string }, private readonly q: number, private readonly bounds: readonly number[], source: SeriesSource) {
    super(spec, source);
  }

  /** The values with the series' labels apart (sharedLabels), as the registry formats them. */
  getForPromString(): Promise<MetricData<ObservedValue>> {
    const bucket = `${this.name}_bucket`;
    const values: ObservedValue[] = [];
    for (const s of this.source.series) {
      const buckets = s.buckets[this.q]!;
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += buckets[i]!;
        values.push({ labels: { le: this.bounds[i]! }, sharedLabels: s.labels, value: acc, metricName: bucket, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.counts[this.q]!, metricName: bucket, exemplar: null });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sums[this.q]!, metricName: `${this.name}_sum`, exemplar: undefined });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.counts[this.q]!, metricName: `${this.name}_count`, exemplar: undefined });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /** The values with the series' labels merged in (getMetricsAsJSON, which the cluster aggregation reads). */
  async get(): Promise<MetricData<ObservedValue>> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return data;
  }
}

/** What the registry reads of an observed summary without quantiles: prom-client's Summary.get() (_sum, _count). */
class SummaryView extends SeriesView {
  readonly type = 'summary';

  constructor(spec: { name: string; help: string }, private readonly q: number, source: SeriesSource) {
    super(spec, source);
  }

  get(): Promise<MetricData<{ metricName: string; labels: Labels; value: number }>> {
    const values = [];
    for (const s of this.source.series) {
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sums[this.q]! });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.counts[this.q]! });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }
}
