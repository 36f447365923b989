// The flat view the remote-write decoder fills: byte ranges and typed arrays, no per-sample objects (native
// histograms, rare, excepted).
import type { WireHistogram } from './histogram-proto.js';

/**
 * Flat view of one decoded request. Owned by the decoder and overwritten by its next decode: whoever
 * uses it keeps the decoder to itself until done (the ingester takes one from a pool per request).
 */
export class DecodedWriteRequest {
  buf: Buffer = Buffer.alloc(0);
  seriesCount = 0;
  metadataCount = 0;
  sampleCount = 0;
  // Per series (index < seriesCount):
  /** Index of the first label in labelRanges, and how many. */
  labelFirst = new Int32Array(64);
  labelCount = new Int32Array(64);
  /** [keyStart, keyEnd): the label fields when contiguous, else keyStart = -1. */
  keyStart = new Int32Array(64);
  keyEnd = new Int32Array(64);
  sampleFirst = new Int32Array(64);
  sampleEnd = new Int32Array(64);
  histogramCount = new Int32Array(64);
  /** Index of the series' first histogram in `histograms` (it has histogramCount of them). */
  histogramFirst = new Int32Array(64);
  exemplarCount = new Int32Array(64);
  /** Histogram samples of all series, in request order (objects: they are rare beside float samples). */
  histograms: WireHistogram[] = [];
  histogramTotal = 0;
  // Per label: [fieldStart, nameStart, nameEnd, valueStart, valueEnd].
  labelRanges = new Int32Array(64 * 5);
  labelTotal = 0;
  // Per sample.
  timestamps = new Float64Array(1024);
  /** Value bits: [lo, hi] per sample. */
  valueBits = new Uint32Array(2048);

  /** The raw bytes of series i's label fields as a latin1 string (the store's series key when canonical). */
  rawKey(i: number): string {
    const s = this.keyStart[i]!;
    if (s >= 0) return this.buf.toString('latin1', s, this.keyEnd[i]!);
    let key = '';
    const first = this.labelFirst[i]!;
    for (let l = first; l < first + this.labelCount[i]!; l++) {
      const r = l * 5;
      key += this.buf.toString('latin1', this.labelRanges[r]!, this.labelRanges[r + 4]!);
    }
    return key;
  }

  labelName(l: number): string {
    return this.buf.toString('utf8', this.labelRanges[l * 5 + 1]!, this.labelRanges[l * 5 + 2]!);
  }

  labelValue(l: number): string {
    return this.buf.toString('utf8', this.labelRanges[l * 5 + 3]!, this.labelRanges[l * 5 + 4]!);
  }
}

export function grow<T extends Int32Array | Float64Array | Uint32Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = a.length * 2;
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** Materialized form, for tests and tools. */
export interface WriteRequestObject {
  timeseries: Array<{
    labels: Array<{ name: string; value: string }>;
    samples: Array<{ value: number; timestamp: number }>;
    exemplars: number;
    /** How many histogram samples the series carried, and the samples themselves. */
    histograms: number;
    histogramSamples: WireHistogram[];
  }>;
  metadata: number;
}

export function toWriteRequestObject(d: DecodedWriteRequest): WriteRequestObject {
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  const timeseries: WriteRequestObject['timeseries'] = [];
  for (let i = 0; i < d.seriesCount; i++) {
    const labels = [];
    for (let l = d.labelFirst[i]!; l < d.labelFirst[i]! + d.labelCount[i]!; l++) {
      labels.push({ name: d.labelName(l), value: d.labelValue(l) });
    }
    const samples = [];
    for (let k = d.sampleFirst[i]!; k < d.sampleEnd[i]!; k++) {
      u[0] = d.valueBits[2 * k]!;
      u[1] = d.valueBits[2 * k + 1]!;
      samples.push({ value: f[0]!, timestamp: d.timestamps[k]! });
    }
    const h0 = d.histogramFirst[i]!;
    const histogramSamples = d.histograms.slice(h0, h0 + d.histogramCount[i]!);
    timeseries.push({ labels, samples, exemplars: d.exemplarCount[i]!, histograms: d.histogramCount[i]!, histogramSamples });
  }
  return { timeseries, metadata: d.metadataCount };
}
