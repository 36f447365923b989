// One batch of appends (one remote-write request): applies samples to the head at once (so later
// samples in the same batch see earlier ones, as the out-of-order rule requires), collects the WAL
// records, and reports per-reason rejection counts.
import { AppendCode, APPEND_ERRORS, MIN_TIMESTAMP, type Head, type MemSeries } from './head.js';
import { seriesKey, sortLabels, validateLabels, type Label, type LabelLimits, labelsToString } from './labels.js';
import { RecordBuilder, REC_SAMPLES, REC_SERIES } from './wal/records.js';
import { HistogramRecords } from './wal/histogram-records.js';
import { staleHistogram } from './head-histograms.js';
import { STALE_NAN } from '../storage/value.js';
import type { FloatHistogram, Histogram } from '../histogram/model.js';
import { HistogramValidationError, validateFloatHistogram, validateHistogram } from '../histogram/validate.js';
import type { WireHistogram } from '../remotewrite/histogram-proto.js';

export interface AppendResult {
  accepted: number;
  rejected: number;
  /** Rejected samples per reason ("out of order sample", "invalid label name", …). */
  reasons: Record<string, number>;
  /** A few concrete examples, for the response body and logs. */
  examples: string[];
}

const MAX_EXAMPLES = 5;

/** A timestamp as "<ms> (<ISO time>)" for error messages. */
export function describeTime(t: number): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : `${t} (${d.toISOString()})`;
}

export function describeDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3600_000 === 0) return `${ms / 3600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

export class BatchAppender {
  /** Accepted timestamps, fixed when the batch starts (as Prometheus fixes an appender's minValidTime). */
  readonly minValidT: number;
  readonly maxValidT: number;
  private readonly seriesRec = new RecordBuilder(REC_SERIES, 256);
  private readonly samplesRec: RecordBuilder;
  private baseT = 0;
  private histRec: HistogramRecords | null = null;
  readonly result: AppendResult = { accepted: 0, rejected: 0, reasons: {}, examples: [] };

  constructor(
    private readonly head: Head,
    private readonly limits: LabelLimits,
    expectedSamples = 16,
  ) {
    this.minValidT = head.minValidTime();
    this.maxValidT = head.maxValidTime();
    this.samplesRec = new RecordBuilder(REC_SAMPLES, 32 + expectedSamples * 16);
  }

  /**
   * The series whose canonical key is exactly the bytes buf[start, end) (what a sender of sorted
   * labels puts on the wire), without decoding anything; undefined on a miss.
   */
  seriesByRawKey(buf: Buffer, start: number, end: number): MemSeries | undefined {
    return this.head.byKey.get(buf.toString('latin1', start, end));
  }

  /** The series for a label set, created if new. Returns "<reason>: <detail>" when invalid. */
  seriesFor(labels: () => Label[]): MemSeries | string {
    const ls = sortLabels(labels().filter((l) => l.value !== ''));
    const err = validateLabels(ls, this.limits);
    if (err !== null) return `${err}: ${labelsToString(ls).slice(0, 200)}`;
    const key = seriesKey(ls);
    let s = this.head.byKey.get(key);
    if (s === undefined) {
      s = this.head.createSeries(ls, key);
      this.seriesRec.uvarint(s.ref);
      this.seriesRec.uvarint(key.length);
      this.seriesRec.latin1(key);
      this.seriesRec.count++;
    }
    return s;
  }

  /** Appends one sample (value as bits). Returns true when accepted. */
  add(s: MemSeries, t: number, hi: number, lo: number): boolean {
    // A stale marker on a series whose newest sample is a histogram becomes a histogram stale marker, as in
    // Prometheus's appender (staleness must end the histogram series, not start a float one).
    if (s.lastIsHistogram && hi === STALE_HI && lo === STALE_LO) {
      const last = s.hist!.last!;
      return this.addHistogram(s, t, staleHistogram(STALE_NAN), last.float);
    }
    const code = this.head.append(s, t, hi, lo, this.minValidT, this.maxValidT);
    if (code === AppendCode.OK) {
      const rec = this.samplesRec;
      if (rec.count === 0) {
        this.baseT = t;
        rec.f64(t);
      }
      rec.uvarint(s.ref);
      rec.varint(t - this.baseT);
      rec.u32(lo);
      rec.u32(hi);
      rec.count++;
      this.result.accepted++;
      return true;
    }
    if (code === AppendCode.DUPLICATE_OK) {
      this.result.accepted++;
      return true;
    }
    this.reject(APPEND_ERRORS[code]!, 1, () => this.explain(code, s, t));
    return false;
  }

  /** Validates (as Prometheus does) and appends one histogram sample as remote write carries it. */
  addWireHistogram(s: MemSeries, w: WireHistogram): boolean {
    const invalid = histogramProblem(w);
    if (invalid === null) return this.addHistogram(s, w.timestamp, w.histogram, w.float);
    this.reject('invalid native histogram', 1, () => `${invalid}: ${labelsToString(s.labels)} @ ${describeTime(w.timestamp)}`);
    return false;
  }

  /**
   * Appends one native histogram sample (`float`: a FloatHistogram, absolute bucket counts) that is valid
   * (addWireHistogram checks). Returns true when accepted.
   */
  addHistogram(s: MemSeries, t: number, h: Histogram | FloatHistogram, float: boolean): boolean {
    const code = this.head.appendHistogram(s, t, h, float, this.minValidT, this.maxValidT);
    if (code === AppendCode.OK) {
      (this.histRec ??= new HistogramRecords()).addEncoded(s.ref, t, float, h.schema, s.hist!.lastEncoded());
      this.result.accepted++;
      return true;
    }
    if (code === AppendCode.DUPLICATE_OK) {
      this.result.accepted++;
      return true;
    }
    this.reject(APPEND_ERRORS[code]!, 1, () => this.explain(code, s, t));
    return false;
  }

  /** One rejected sample: the series, its timestamp, and the bound it broke. */
  private explain(code: AppendCode, s: MemSeries, t: number): string {
    const at = `${labelsToString(s.labels)} @ ${describeTime(t)}`;
    switch (code) {
      case AppendCode.TOO_FAR_IN_FUTURE:
        return `${at} is after ${describeTime(this.maxValidT)}, the store's clock plus the creation grace period of ${describeDuration(this.head.creationGraceMs)}`;
      case AppendCode.OUT_OF_BOUNDS:
        return `${at} is before ${describeTime(this.minValidT)}, ${describeDuration(this.head.opts.outOfBoundsWindowMs)} before the newest sample in the store`;
      case AppendCode.INVALID_TIMESTAMP:
        return `${at}: timestamps must be whole milliseconds from ${describeTime(MIN_TIMESTAMP)} on`;
      default:
        return at;
    }
  }

  reject(reason: string, n: number, example?: () => string): void {
    if (n <= 0) return;
    const r = this.result;
    r.rejected += n;
    r.reasons[reason] = (r.reasons[reason] ?? 0) + n;
    // Every reason gets one example even past the cap, so a rare reason is never hidden by a common one.
    const first = r.reasons[reason] === n;
    if (example !== undefined && (r.examples.length < MAX_EXAMPLES || first)) r.examples.push(`${reason}: ${example()}`);
  }

  /** WAL records for what this batch changed (series first). */
  records(): Buffer[] {
    const out: Buffer[] = [];
    if (this.seriesRec.count > 0) out.push(this.seriesRec.finish());
    if (this.samplesRec.count > 0) out.push(this.samplesRec.finish());
    if (this.histRec !== null) out.push(...this.histRec.finish());
    return out;
  }
}

// The stale marker's bit halves (value.StaleNaN = 0x7ff0000000000002).
const STALE_HI = 0x7ff00000;
const STALE_LO = 2;

/** Why Prometheus would refuse the histogram (its Validate), or null. */
function histogramProblem(w: WireHistogram): string | null {
  try {
    if (w.float) validateFloatHistogram(w.histogram);
    else validateHistogram(w.histogram);
    return null;
  } catch (err) {
    if (err instanceof HistogramValidationError) return err.message;
    throw err;
  }
}
