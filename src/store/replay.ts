// Applies WAL and checkpoint records to the head on startup.
import type { Head, MemSeries } from './head.js';
import { labelsFromKey } from './labels.js';
import { REC_CHUNKS, REC_SAMPLES, REC_SERIES, RecordReader } from './wal/records.js';

export interface ReplayStats {
  records: number;
  samples: number;
  /** Samples or chunks that named a series ref never defined (should stay 0). */
  unknownRefs: number;
  /** Replayed samples the head refused (duplicates of checkpointed data, mostly). */
  skippedSamples: number;
}

export class Replayer {
  /** WAL refs that turned out to name an existing series (a series recreated after retention dropped it). */
  private readonly alias = new Map<number, MemSeries>();
  readonly stats: ReplayStats = { records: 0, samples: 0, unknownRefs: 0, skippedSamples: 0 };

  constructor(private readonly head: Head) {}

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
          else if (head.append(s, t, hi, lo, -Infinity) !== 0) this.stats.skippedSamples++;
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
          if (s === undefined) this.stats.unknownRefs++;
          else head.addSealedChunk(s, { minT, maxT, count: n, data }, lastHi, lastLo);
        }
        break;
      default:
        throw new RangeError(`unknown WAL record type ${type}`);
    }
  }
}
