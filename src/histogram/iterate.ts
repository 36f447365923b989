// Bucket iterators of float histograms, ported from Prometheus 3.5's model/histogram (float_histogram.go:
// floatBucketIterator, reverseFloatBucketIterator, allFloatBucketIterator; generic.go: baseBucketIterator.at).
// They are classes with next()/at() rather than arrays because DetectReset and the zero-threshold logic stop early.
import { getBound, getBoundExponential, isExponentialSchema, targetIdx } from './bounds.js';
import { CUSTOM_BUCKETS_SCHEMA, type FloatHistogram, type Span } from './model.js';

/** One bucket with its bounds (Prometheus's Bucket[float64]). */
export interface HistogramBucket {
  lower: number;
  upper: number;
  lowerInclusive: boolean;
  upperInclusive: boolean;
  count: number;
  /** Index within the schema (irrelevant for the zero bucket, where it is 0). */
  index: number;
}

export interface BucketIterator {
  next(): boolean;
  at(): HistogramBucket;
}

/** baseBucketIterator.at: the bounds of bucket `idx` on one side. */
export function bucketAt(idx: number, count: number, schema: number, positive: boolean, customValues: readonly number[]): HistogramBucket {
  let lower: number;
  let upper: number;
  if (positive) {
    upper = getBound(idx, schema, customValues);
    lower = getBound(idx - 1, schema, customValues);
  } else {
    lower = -getBound(idx, schema, customValues);
    upper = -getBound(idx - 1, schema, customValues);
  }
  const custom = schema === CUSTOM_BUCKETS_SCHEMA;
  return {
    lower,
    upper,
    lowerInclusive: custom ? idx === 0 : lower < 0,
    upperInclusive: custom ? true : upper > 0,
    count,
    index: idx,
  };
}

/** floatBucketIterator: ascending |value| on one side, optionally merged down to targetSchema and skipping buckets
 *  whose |upper bound| ≤ absoluteStartValue (exponential schemas only). */
export class FloatBucketIterator implements BucketIterator {
  private spansIdx = 0;
  private idxInSpan = 0;
  private bucketsIdx = 0;
  private origIdx = 0;
  private boundReachedStartValue: boolean;
  currCount = 0;
  currIdx = 0;

  constructor(
    private readonly spans: readonly Span[],
    private readonly buckets: readonly number[],
    private readonly schema: number,
    private readonly targetSchema: number,
    private readonly positive: boolean,
    private readonly customValues: readonly number[],
    private readonly absoluteStartValue: number,
  ) {
    if (schema === CUSTOM_BUCKETS_SCHEMA && targetSchema !== schema) throw new Error('cannot merge from custom buckets schema to exponential schema');
    if (schema !== CUSTOM_BUCKETS_SCHEMA && targetSchema === CUSTOM_BUCKETS_SCHEMA) throw new Error('cannot merge from exponential buckets schema to custom schema');
    if (targetSchema > schema) throw new Error(`cannot merge from schema ${schema} to ${targetSchema}`);
    this.boundReachedStartValue = absoluteStartValue === 0;
  }

  static of(h: FloatHistogram, positive: boolean, absoluteStartValue = 0, targetSchema = h.schema): FloatBucketIterator {
    return positive
      ? new FloatBucketIterator(h.positiveSpans, h.positiveBuckets, h.schema, targetSchema, true, h.customValues, absoluteStartValue)
      : new FloatBucketIterator(h.negativeSpans, h.negativeBuckets, h.schema, targetSchema, false, [], absoluteStartValue);
  }

  at(): HistogramBucket {
    return bucketAt(this.currIdx, this.currCount, this.targetSchema, this.positive, this.customValues);
  }

  next(): boolean {
    for (;;) {
      if (this.spansIdx >= this.spans.length) return false;
      const advanced = this.schema === this.targetSchema ? this.nextSameSchema() : this.nextMerged();
      if (!advanced) return false;
      // Skip buckets before absoluteStartValue (exponential schemas only).
      if (!this.boundReachedStartValue && isExponentialSchema(this.targetSchema) && getBoundExponential(this.currIdx, this.targetSchema) <= this.absoluteStartValue) {
        continue;
      }
      this.boundReachedStartValue = true;
      return true;
    }
  }

  private nextSameSchema(): boolean {
    let span = this.spans[this.spansIdx]!;
    if (this.bucketsIdx === 0) this.currIdx = span.offset;
    else this.currIdx++;
    while (this.idxInSpan >= span.length) {
      // Exhausted the current span (even pathological spans of length 0).
      this.idxInSpan = 0;
      this.spansIdx++;
      if (this.spansIdx >= this.spans.length) return false;
      span = this.spans[this.spansIdx]!;
      this.currIdx += span.offset;
    }
    this.currCount = this.buckets[this.bucketsIdx]!;
    this.idxInSpan++;
    this.bucketsIdx++;
    return true;
  }

  /** Merge all buckets of the original schema that fall into one bucket of targetSchema. */
  private nextMerged(): boolean {
    let { origIdx, spansIdx, idxInSpan } = this;
    let span = this.spans[spansIdx]!;
    let firstPass = true;
    this.currCount = 0;
    for (;;) {
      if (this.bucketsIdx === 0) origIdx = span.offset;
      else origIdx++;
      let exhausted = false;
      while (idxInSpan >= span.length) {
        idxInSpan = 0;
        spansIdx++;
        if (spansIdx >= this.spans.length) {
          if (firstPass) return false;
          exhausted = true;
          break;
        }
        span = this.spans[spansIdx]!;
        origIdx += span.offset;
      }
      if (exhausted) break;
      const currIdx = targetIdx(origIdx, this.schema, this.targetSchema);
      if (firstPass) {
        this.currIdx = currIdx;
        firstPass = false;
      } else if (currIdx !== this.currIdx) {
        break; // Reached the next bucket of targetSchema; do not consume it.
      }
      this.currCount += this.buckets[this.bucketsIdx]!;
      idxInSpan++;
      this.bucketsIdx++;
      this.origIdx = origIdx;
      this.spansIdx = spansIdx;
      this.idxInSpan = idxInSpan;
    }
    return true;
  }
}

/** reverseFloatBucketIterator: descending |value| on one side. */
export class ReverseFloatBucketIterator implements BucketIterator {
  private spansIdx: number;
  private bucketsIdx: number;
  private idxInSpan = 0;
  private currIdx = 0;
  private currCount = 0;

  constructor(
    private readonly spans: readonly Span[],
    private readonly buckets: readonly number[],
    private readonly schema: number,
    private readonly positive: boolean,
    private readonly customValues: readonly number[],
  ) {
    this.spansIdx = spans.length - 1;
    this.bucketsIdx = buckets.length - 1;
    if (this.spansIdx >= 0) this.idxInSpan = spans[this.spansIdx]!.length - 1;
    for (const s of spans) this.currIdx += s.offset + s.length;
  }

  at(): HistogramBucket {
    return bucketAt(this.currIdx, this.currCount, this.schema, this.positive, this.customValues);
  }

  next(): boolean {
    this.currIdx--;
    if (this.bucketsIdx < 0) return false;
    while (this.idxInSpan < 0) {
      // Exhausted the current span (even pathological spans of length 0).
      this.spansIdx--;
      this.idxInSpan = this.spans[this.spansIdx]!.length - 1;
      this.currIdx -= this.spans[this.spansIdx + 1]!.offset;
    }
    this.currCount = this.buckets[this.bucketsIdx]!;
    this.bucketsIdx--;
    this.idxInSpan--;
    return true;
  }
}

/** The zero bucket (Prometheus's ZeroBucket); custom-bucket histograms have none. */
export function zeroBucket(h: FloatHistogram): HistogramBucket {
  if (h.schema === CUSTOM_BUCKETS_SCHEMA) throw new Error('histograms with custom buckets have no zero bucket');
  return { lower: -h.zeroThreshold, upper: h.zeroThreshold, lowerInclusive: true, upperInclusive: true, count: h.zeroCount, index: 0 };
}

/** allFloatBucketIterator: `first` side, then the zero bucket (only if zeroCount > 0), then `second` side; a bucket
 *  overlapping the zero bucket has its bound clamped to the zero threshold. */
export class AllFloatBucketIterator implements BucketIterator {
  private state: -1 | 0 | 1 | 2 = -1;
  private curr: HistogramBucket | undefined;

  constructor(
    private readonly h: FloatHistogram,
    private readonly first: BucketIterator,
    private readonly second: BucketIterator,
  ) {}

  /** Ascending: negative buckets (lowest first), zero bucket, positive buckets. */
  static ascending(h: FloatHistogram): AllFloatBucketIterator {
    const neg = new ReverseFloatBucketIterator(h.negativeSpans, h.negativeBuckets, h.schema, false, []);
    return new AllFloatBucketIterator(h, neg, FloatBucketIterator.of(h, true));
  }

  /** Descending: positive buckets (highest first), zero bucket, negative buckets. */
  static descending(h: FloatHistogram): AllFloatBucketIterator {
    const pos = new ReverseFloatBucketIterator(h.positiveSpans, h.positiveBuckets, h.schema, true, h.customValues);
    return new AllFloatBucketIterator(h, pos, FloatBucketIterator.of(h, false));
  }

  at(): HistogramBucket {
    return this.curr!;
  }

  next(): boolean {
    if (this.state === -1) {
      if (this.first.next()) {
        this.curr = this.clamp(this.first.at());
        return true;
      }
      this.state = 0;
    }
    if (this.state === 0) {
      this.state = 1;
      if (this.h.zeroCount > 0 && this.h.schema !== CUSTOM_BUCKETS_SCHEMA) {
        this.curr = zeroBucket(this.h);
        return true;
      }
    }
    if (this.state === 1) {
      if (this.second.next()) {
        this.curr = this.clamp(this.second.at());
        return true;
      }
      this.state = 2;
    }
    return false;
  }

  private clamp(b: HistogramBucket): HistogramBucket {
    const zt = this.h.zeroThreshold;
    if (b.upper < 0 && b.upper > -zt) b.upper = -zt;
    else if (b.lower > 0 && b.lower < zt) b.lower = zt;
    return b;
  }
}

/** Drains an iterator into an array. */
export function collectBuckets(it: BucketIterator): HistogramBucket[] {
  const out: HistogramBucket[] = [];
  while (it.next()) out.push(it.at());
  return out;
}
