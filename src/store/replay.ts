// Applies WAL and checkpoint records to the head on startup.
import { describeTime } from './appender.js';
import { decodeXor, sealedBytes, type SealedChunk } from './chunks/xor.js';
import { AppendCode, type Head, type MemSeries } from './head.js';
import { labelsFromKey, labelsToString } from './labels.js';
import { REC_CHUNKS, REC_SAMPLES, REC_SERIES, RecordReader } from './wal/records.js';
import { HISTOGRAM_RECORD_TYPES, readHistogramRecord } from './wal/histogram-records.js';
import type { HeadHistogramSample } from './head-histograms.js';

export interface ReplayStats {
  records: number;
  samples: number;
  /** Samples or chunks that named a series ref never defined (should stay 0). */
  unknownRefs: number;
  /** Replayed samples the head refused (duplicates of checkpointed data, mostly). */
  skippedSamples: number;
  /**
   * Samples past the clock plus the creation grace period, dropped: an older version accepted them,
   * and keeping them would move the head's bounds (and stop the series taking real-time samples).
   */
  futureSamples: number;
  /** One of those, for the warning. */
  futureExample: string;
}

export const emptyReplayStats = (): ReplayStats => ({ records: 0, samples: 0, unknownRefs: 0, skippedSamples: 0, futureSamples: 0, futureExample: '' });

export class Replayer {
  /** WAL refs that turned out to name an existing series (a series recreated after retention dropped it). */
  private readonly alias = new Map<number, MemSeries>();
  readonly stats: ReplayStats = emptyReplayStats();
  /** The upper bound live appends have, fixed at open. */
  private readonly maxValidT: number;

  constructor(private readonly head: Head) {
    this.maxValidT = head.maxValidTime();
  }

  private appendReplayed(s: MemSeries, t: number, hi: number, lo: number): void {
    const code = this.head.append(s, t, hi, lo, -Infinity, this.maxValidT);
    if (code === AppendCode.TOO_FAR_IN_FUTURE) {
      if (this.stats.futureSamples++ === 0) this.stats.futureExample = `${labelsToString(s.labels)} @ ${describeTime(t)}`;
    } else if (code !== AppendCode.OK) this.stats.skippedSamples++;
  }

  /** Histograms are ordered against the series' histograms only: a checkpoint restores float chunks first. */
  private appendReplayedHistogram(ref: number, h: HeadHistogramSample): void {
    const s = this.seriesFor(ref);
    this.stats.samples++;
    if (s === undefined) {
      this.stats.unknownRefs++;
      return;
    }
    const code = this.head.appendHistogram(s, h.t, h.h, h.float, -Infinity, this.maxValidT, true);
    if (code === AppendCode.TOO_FAR_IN_FUTURE) {
      if (this.stats.futureSamples++ === 0) this.stats.futureExample = `${labelsToString(s.labels)} @ ${describeTime(h.t)}`;
    } else if (code !== AppendCode.OK) this.stats.skippedSamples++;
  }

  /** A checkpointed chunk that reaches past the bound: its samples one by one, the future ones dropped. */
  private replayChunkSamples(s: MemSeries, c: SealedChunk): void {
    const ts = new Float64Array(c.count);
    const bits = new Uint32Array(c.count * 2);
    const bytes = sealedBytes(c);
    const n = decodeXor(bytes, bytes.length * 8, c.count, -Infinity, Infinity, ts, bits, 0);
    for (let k = 0; k < n; k++) this.appendReplayed(s, ts[k]!, bits[2 * k + 1]!, bits[2 * k]!);
  }

  private seriesFor(ref: number): MemSeries | undefined {
    return this.head.series.get(ref) ?? this.alias.get(ref);
  }

  apply(buf: Buffer, start: number, end: number): void {
    const r = new RecordReader(buf, start, end);
    const type = r.byte();
    const count = r.u32();
    this.stats.records++;
    const head = this.head;
    switch (type) {
      case REC_SERIES:
        for (let i = 0; i < count; i++) {
          const ref = r.uvarint();
          const key = r.latin1(r.uvarint());
          if (head.series.has(ref)) continue;
          const existing = head.byKey.get(key);
          if (existing !== undefined) this.alias.set(ref, existing);
          else head.createSeries(labelsFromKey(key), key, ref);
        }
        break;
      case REC_SAMPLES: {
        const baseT = r.f64();
        for (let i = 0; i < count; i++) {
          const ref = r.uvarint();
          const t = baseT + r.varint();
          const lo = r.u32();
          const hi = r.u32();
          const s = this.seriesFor(ref);
          this.stats.samples++;
          if (s === undefined) this.stats.unknownRefs++;
          else this.appendReplayed(s, t, hi, lo);
        }
        break;
      }
      case REC_CHUNKS:
        for (let i = 0; i < count; i++) {
          const ref = r.uvarint();
          const minT = r.f64();
          const maxT = r.f64();
          const n = r.uvarint();
          const lastLo = r.u32();
          const lastHi = r.u32();
          const data = r.bytes(r.uvarint()).toString('latin1');
          const s = this.seriesFor(ref);
          const chunk = { minT, maxT, count: n, data };
          if (s === undefined) this.stats.unknownRefs++;
          else if (maxT > this.maxValidT) this.replayChunkSamples(s, chunk);
          else head.addSealedChunk(s, chunk, lastHi, lastLo);
        }
        break;
      default:
        if (!HISTOGRAM_RECORD_TYPES.has(type)) throw new RangeError(`unknown WAL record type ${type}`);
        readHistogramRecord(r, type, count, (ref, h) => this.appendReplayedHistogram(ref, h));
    }
  }
}
