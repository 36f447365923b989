// promqltest's `load_with_nhcb`: classic histogram series (_bucket/_count/_sum) are also loaded as native
// histograms with custom buckets (Prometheus's util/convertnhcb TempHistogram, as promqltest uses it).

import { compactHistogram, CounterResetHint, CUSTOM_BUCKETS_SCHEMA, type FloatHistogram } from '../../histogram/index.js';
import type { Labels } from '../../storage/interface.js';
import { labelsKey, setLabel } from '../value.js';

interface TempHistogram {
  buckets: { le: number; count: number }[];
  count: number;
  sum: number;
  hasCount: boolean;
  err: string | null;
}

/** Collects classic histogram samples per base series and timestamp, then converts them. */
export class NhcbCollector {
  private readonly bySeries = new Map<string, { labels: Labels; byTime: Map<number, TempHistogram> }>();

  /** Feeds one float series of the load (ignored unless it is a _bucket, _count or _sum series). */
  add(labels: Labels, timestamps: readonly number[], values: ArrayLike<number>): void {
    const name = labels.find((l) => l.name === '__name__')?.value ?? '';
    const m = /^(.*)_(bucket|count|sum)$/s.exec(name);
    if (!m) return;
    const kind = m[2]!;
    let le = NaN;
    if (kind === 'bucket') {
      le = Number.parseFloat(labels.find((l) => l.name === 'le')?.value ?? '');
      const raw = labels.find((l) => l.name === 'le')?.value ?? '';
      if (/^\+?inf$/i.test(raw)) le = Infinity;
      if (Number.isNaN(le)) return;
    }
    const base = setLabel(setLabel(labels, '__name__', m[1]!), 'le', '');
    const key = labelsKey(base);
    let entry = this.bySeries.get(key);
    if (!entry) this.bySeries.set(key, (entry = { labels: base, byTime: new Map() }));
    timestamps.forEach((t, i) => {
      let h = entry.byTime.get(t);
      if (!h) entry.byTime.set(t, (h = { buckets: [], count: 0, sum: 0, hasCount: false, err: null }));
      const v = values[i]!;
      if (kind === 'bucket') setBucketCount(h, le, v);
      else if (kind === 'count') {
        if (v < 0) h.err ??= 'negative count';
        h.count = v;
        h.hasCount = true;
      } else h.sum = v;
    });
  }

  /** The converted series: labels and time-sorted native histograms. */
  result(): { labels: Labels; timestamps: number[]; histograms: FloatHistogram[] }[] {
    return [...this.bySeries.values()].map(({ labels, byTime }) => {
      const timestamps = [...byTime.keys()].sort((a, b) => a - b);
      const histograms = timestamps.map((t) => convert(byTime.get(t)!));
      if (histograms.some((h) => h === null)) throw new Error(`cannot convert classic histogram ${JSON.stringify(labels)}`);
      return { labels, timestamps, histograms: histograms as FloatHistogram[] };
    });
  }
}

function setBucketCount(h: TempHistogram, le: number, count: number): void {
  if (h.err) return;
  if (count < 0) {
    h.err = 'negative bucket count';
    return;
  }
  const b = h.buckets;
  const last = b[b.length - 1];
  if (!last || last.le < le) {
    if (last && count < last.count) h.err = 'count is not cumulative';
    else b.push({ le, count });
    return;
  }
  if (last.le === le) return;
  const i = b.findIndex((x) => x.le >= le);
  if (b[i]!.le === le) return;
  if ((i > 0 && count < b[i - 1]!.count) || count > b[i]!.count) {
    h.err = 'count is not cumulative';
    return;
  }
  b.splice(i, 0, { le, count });
}

function convert(h: TempHistogram): FloatHistogram | null {
  if (h.err) return null;
  const buckets = h.buckets.slice();
  let count = h.count;
  if (!h.hasCount && buckets.length > 0) count = buckets[buckets.length - 1]!.count;
  if (buckets.length === 0 || buckets[buckets.length - 1]!.le !== Infinity) buckets.push({ le: Infinity, count });
  if (count !== buckets[buckets.length - 1]!.count) return null;
  // Integer-valued classic histograms become integer histograms in Prometheus (compacted keeping up to 2 empty
  // buckets), others float histograms (compacted fully).
  const integer = Number.isInteger(count) && buckets.every((x) => Number.isInteger(x.count));
  const fh: FloatHistogram = {
    counterResetHint: CounterResetHint.Unknown,
    schema: CUSTOM_BUCKETS_SCHEMA,
    zeroThreshold: 0,
    zeroCount: 0,
    count,
    sum: h.sum,
    positiveSpans: [{ offset: 0, length: buckets.length }],
    negativeSpans: [],
    positiveBuckets: buckets.map((x, i) => x.count - (i > 0 ? buckets[i - 1]!.count : 0)),
    negativeBuckets: [],
    customValues: buckets.slice(0, -1).map((x) => x.le),
  };
  return compactHistogram(fh, integer ? 2 : 0);
}
