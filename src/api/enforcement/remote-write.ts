// Tenant enforcement on remote-write bodies: snappy-decode the prometheus.WriteRequest, set the tenant
// label on every series (a caller's own value is replaced), re-encode. Works on the protobuf bytes:
// samples, exemplars, histograms and metadata are copied as they are, never decoded. A request at the
// 64 MiB limit is about a second of work, so it is done in slices with the event loop let run between.
import {
  Slicer,
  SnappyError,
  encodeLabelField,
  snappyCompressSliced,
  snappyDecode,
  varintSize,
  writeRequestPrefixError,
  writeVarint,
} from '../../remotewrite/wire.js';

export class WriteRewriteError extends Error {
  constructor(readonly status: 400 | 413 | 415, message: string) {
    super(message);
    this.name = 'WriteRewriteError';
  }
}

function readVarint(buf: Uint8Array, pos: { p: number }, end: number): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos.p >= end) throw new WriteRewriteError(400, 'proto: truncated varint');
    const b = buf[pos.p++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result;
    mul *= 128;
  }
  throw new WriteRewriteError(400, 'proto: varint longer than 10 bytes');
}

/** A field tag; field number 0 is invalid (as in Go's protobuf), so a body of zeros fails at its first byte. */
function readTag(buf: Uint8Array, pos: { p: number }, end: number): number {
  const tag = readVarint(buf, pos, end);
  if (tag < 8) throw new WriteRewriteError(400, `proto: invalid field number 0 at byte ${pos.p - 1}`);
  return tag;
}

function skipField(buf: Uint8Array, pos: { p: number }, wire: number, end: number): void {
  switch (wire) {
    case 0:
      readVarint(buf, pos, end);
      break;
    case 1:
      pos.p += 8;
      break;
    case 2: {
      const len = readVarint(buf, pos, end);
      pos.p += len;
      break;
    }
    case 5:
      pos.p += 4;
      break;
    default:
      throw new WriteRewriteError(400, `proto: unsupported wire type ${wire}`);
  }
  if (pos.p > end) throw new WriteRewriteError(400, 'proto: field runs past the end of its message');
}




function compareBytes(buf: Uint8Array, s: number, e: number, other: Uint8Array): number {
  const n = Math.min(e - s, other.length);
  for (let i = 0; i < n; i++) {
    const d = buf[s + i]! - other[i]!;
    if (d !== 0) return d;
  }
  return e - s - other.length;
}

export interface RewriteStats {
  series: number;
  /** Series whose caller-supplied tenant label was replaced. */
  overwritten: number;
}

const RAW = 0;
const SCRATCH = 1;

/**
 * Byte ranges [start, end) of the input (RAW) or of the rewrite's own bytes (SCRATCH), in output order. A
 * plain array (small integers, on the JS heap): three typed arrays per request were three ArrayBuffers to
 * allocate and collect, which showed in the remote-write profile's GC time.
 */
class Pieces {
  a: number[] = [];
  n = 0;
  bytes = 0;

  push(from: number, s: number, e: number): void {
    if (e === s) return;
    this.bytes += e - s;
    const j = 3 * (this.n - 1);
    // Adjacent ranges of one source are one piece (a body of many tiny fields stays cheap to copy).
    if (this.n > 0 && this.a[j] === from && this.a[j + 2] === s) {
      this.a[j + 2] = e;
      return;
    }
    this.a[3 * this.n] = from;
    this.a[3 * this.n + 1] = s;
    this.a[3 * this.n + 2] = e;
    this.n++;
  }

  pushAll(other: Pieces): void {
    for (let i = 0; i < other.n; i++) this.push(other.a[3 * i]!, other.a[3 * i + 1]!, other.a[3 * i + 2]!);
  }

  clear(): void {
    this.n = 0; // the array is kept and overwritten from the start
    this.bytes = 0;
  }
}

/** Input bytes rewritten between two checks of the slice clock (at most 8 Ki fields). */
const STEP_BYTES = 16 << 10;
/** Output bytes copied between two checks of the slice clock. */
const COPY_BYTES = 256 << 10;

/**
 * Sets the tenant label on every series of an uncompressed WriteRequest. Works in steps that can stop
 * anywhere (in the request, a series or a label), so a large request is rewritten a slice at a time,
 * with the same bytes and the same first error as in one go.
 */
class TenantRewrite {
  /** Read position (also the `pos` of readVarint and skipField). */
  p = 0;
  private readonly end: number;
  private readonly out = new Pieces();
  /** Bytes the rewrite adds: the tenant label field first, then each series' new tag and length. */
  // Starts under half of Buffer's pool size, so it is a slice of the pool rather than an ArrayBuffer of its own.
  private scratch = Buffer.allocUnsafe(1024);
  private scratchLen = 0;
  private readonly add: [number, number];
  series = 0;
  overwritten = 0;
  // The TimeSeries being read (tsEnd -1: none): its labels, in order, then its other fields.
  private tsEnd = -1;
  private readonly labels = new Pieces();
  private readonly rest = new Pieces();
  private inserted = false;
  // The Label being read (labelEnd -1: none): the field's start, the message's start, its name.
  private labelEnd = -1;
  private labelField = 0;
  private labelStart = 0;
  private nameStart = -1;
  private nameEnd = -1;

  constructor(
    private readonly raw: Uint8Array,
    private readonly tenantName: Buffer,
    tenantValue: Buffer,
  ) {
    this.end = raw.length;
    this.add = this.addScratch(encodeLabelField(tenantName, tenantValue));
  }

  /** Reads about `bytes` more bytes of input; true once the request is done. */
  step(bytes: number): boolean {
    const stopAt = Math.min(this.end, this.p + bytes);
    for (;;) {
      if (this.labelEnd >= 0) {
        if (this.p < this.labelEnd) {
          if (this.p >= stopAt) return false;
          this.labelFields(Math.min(this.labelEnd, stopAt));
          continue;
        }
        this.closeLabel();
      }
      if (this.tsEnd >= 0) {
        if (this.p < this.tsEnd) {
          if (this.p >= stopAt) return false;
          this.seriesFields(Math.min(this.tsEnd, stopAt));
          continue;
        }
        this.closeSeries();
      }
      if (this.p >= this.end) return true;
      if (this.p >= stopAt) return false;
      this.requestFields(stopAt);
    }
  }

  /** WriteRequest fields up to `stop` or up to the next TimeSeries, which it opens. */
  private requestFields(stop: number): void {
    const raw = this.raw;
    const end = this.end;
    let p = this.p;
    const runStart = p;
    while (p < stop) {
      const fieldStart = p;
      let tag = raw[p]!;
      if (tag >= 8 && tag < 0x80) p++;
      else {
        this.p = p;
        tag = readTag(raw, this, end);
        p = this.p;
      }
      if (tag === 0x0a) {
        this.out.push(RAW, runStart, fieldStart);
        this.p = p;
        const len = readVarint(raw, this, end);
        const tsEnd = this.p + len;
        if (tsEnd > end) throw new WriteRewriteError(400, 'proto: WriteRequest.timeseries runs past the end of the body');
        this.series++;
        this.tsEnd = tsEnd;
        this.inserted = false;
        return;
      }
      // Any other field is copied as it is; a run of them is skipped in this tight loop.
      if ((tag & 7) === 0 && p < end && raw[p]! < 0x80) p++;
      else {
        this.p = p;
        skipField(raw, this, tag & 7, end);
        p = this.p;
      }
    }
    this.out.push(RAW, runStart, p);
    this.p = p;
  }

  /** TimeSeries fields up to `stop`: labels kept in order (the tenant's dropped), the rest after them. */
  private seriesFields(stop: number): void {
    const raw = this.raw;
    const end = this.tsEnd;
    while (this.p < stop) {
      const fs = this.p;
      const t = readTag(raw, this, end);
      if (t === 0x0a) {
        const l = readVarint(raw, this, end);
        const me = this.p + l;
        if (me > end) throw new WriteRewriteError(400, 'proto: TimeSeries.labels runs past its message');
        this.labelField = fs;
        this.labelStart = this.p;
        this.labelEnd = me;
        this.nameStart = this.nameEnd = -1;
        this.labelFields(Math.min(me, stop));
        if (this.p < me) return;
        this.closeLabel();
      } else {
        skipField(raw, this, t & 7, end);
        this.rest.push(RAW, fs, this.p);
      }
    }
  }

  /** Label fields up to `stop`, looking for the name. */
  private labelFields(stop: number): void {
    const raw = this.raw;
    const end = this.labelEnd;
    while (this.p < stop) {
      const tag = readVarint(raw, this, end);
      if (tag === 0x0a) {
        const len = readVarint(raw, this, end);
        this.nameStart = this.p;
        this.nameEnd = this.p + len;
        this.p = this.nameEnd;
        if (this.nameEnd > end) throw new WriteRewriteError(400, 'proto: label name runs past its message');
      } else skipField(raw, this, tag & 7, end);
    }
  }

  private closeLabel(): void {
    const me = this.labelEnd;
    this.labelEnd = -1;
    const [ns, ne] = this.nameStart < 0 ? [this.labelStart, this.labelStart] : [this.nameStart, this.nameEnd];
    const cmp = compareBytes(this.raw, ns, ne, this.tenantName);
    if (cmp === 0) {
      this.overwritten++;
      return;
    }
    if (cmp > 0 && !this.inserted) {
      this.labels.push(SCRATCH, this.add[0], this.add[1]);
      this.inserted = true;
    }
    this.labels.push(RAW, this.labelField, me);
  }

  private closeSeries(): void {
    this.p = this.tsEnd;
    this.tsEnd = -1;
    if (!this.inserted) this.labels.push(SCRATCH, this.add[0], this.add[1]);
    const size = this.labels.bytes + this.rest.bytes;
    // The series' tag and length, written straight into the scratch bytes (no Buffer per series).
    const hs = this.reserveScratch(1 + varintSize(size));
    this.scratch[hs] = 0x0a;
    writeVarint(this.scratch, hs + 1, size);
    this.out.push(SCRATCH, hs, this.scratchLen);
    this.out.pushAll(this.labels);
    this.out.pushAll(this.rest);
    this.labels.clear();
    this.rest.clear();
  }

  /** Room for `n` more scratch bytes; returns where they start (scratchLen moves past them). */
  private reserveScratch(n: number): number {
    if (this.scratchLen + n > this.scratch.length) {
      const b = Buffer.allocUnsafe(Math.max(2 * this.scratch.length, this.scratchLen + n));
      this.scratch.copy(b, 0, 0, this.scratchLen);
      this.scratch = b;
    }
    const s = this.scratchLen;
    this.scratchLen += n;
    return s;
  }

  private addScratch(bytes: Buffer): [number, number] {
    const s = this.reserveScratch(bytes.length);
    bytes.copy(this.scratch, s);
    return [s, this.scratchLen];
  }

  /** The rewritten request, in one go. */
  assemble(): Buffer {
    const out = Buffer.allocUnsafe(this.out.bytes);
    this.copySome(out, { i: 0, s: -1, o: 0 }, Infinity);
    return out;
  }

  /** The rewritten request, copied a slice at a time. */
  async assembleSliced(slicer: Slicer): Promise<Buffer> {
    const out = Buffer.allocUnsafe(this.out.bytes);
    const at = { i: 0, s: -1, o: 0 };
    while (this.copySome(out, at, COPY_BYTES)) if (slicer.due()) await slicer.pause();
    return out;
  }

  /**
   * Copies pieces from `at` (piece i, from byte s of it; -1: its start) to out at o, until about
   * `budget` bytes were copied (a piece counts at least 16). False once everything is copied.
   */
  private copySome(out: Buffer, at: { i: number; s: number; o: number }, budget: number): boolean {
    const { a, n } = this.out;
    let o = at.o;
    for (; at.i < n; at.i++, at.s = -1) {
      if (budget <= 0) break;
      const from = a[3 * at.i] === RAW ? this.raw : this.scratch;
      const s = at.s < 0 ? a[3 * at.i + 1]! : at.s;
      const e = Math.min(a[3 * at.i + 2]!, s + budget);
      // Short pieces (most label runs) by a loop: a subarray view for each cost an object per piece.
      if (e - s <= 64) for (let k = s; k < e; k++) out[o++] = from[k]!;
      else {
        out.set(from.subarray(s, e), o);
        o += e - s;
      }
      budget -= Math.max(16, e - s);
      if (e < a[3 * at.i + 2]!) {
        at.s = e; // the rest of this piece goes in the next call
        break;
      }
    }
    at.o = o;
    return at.i < n;
  }
}

function rewriter(raw: Uint8Array, label: string, value: string): TenantRewrite {
  return new TenantRewrite(raw, Buffer.from(label, 'utf8'), Buffer.from(value, 'utf8'));
}

function addStats(rw: TenantRewrite, stats?: RewriteStats): void {
  if (stats) {
    stats.series += rw.series;
    stats.overwritten += rw.overwritten;
  }
}

/** The uncompressed WriteRequest with the tenant label set on every series, in one go. */
export function setTenantLabel(raw: Uint8Array, label: string, value: string, stats?: RewriteStats): Buffer {
  const rw = rewriter(raw, label, value);
  while (!rw.step(Infinity));
  addStats(rw, stats);
  return rw.assemble();
}

/**
 * setTenantLabel about SLICE_MS of work at a time, giving the event loop back between slices (the
 * clock is read every `stepBytes` of input: tests pass 1 to stop at every byte).
 */
export async function setTenantLabelSliced(
  raw: Uint8Array,
  label: string,
  value: string,
  stats?: RewriteStats,
  slicer = new Slicer(),
  stepBytes = STEP_BYTES,
): Promise<Buffer> {
  const rw = rewriter(raw, label, value);
  while (!rw.step(stepBytes)) if (slicer.due()) await slicer.pause();
  addStats(rw, stats);
  return rw.assembleSliced(slicer);
}

/** Snappy body in, snappy body out, with the tenant label set on every series. */
export async function rewriteRemoteWrite(body: Uint8Array, label: string, value: string, maxDecompressed: number, stats?: RewriteStats): Promise<Buffer> {
  const slicer = new Slicer();
  let raw: Uint8Array;
  try {
    raw = await snappyDecode(body, maxDecompressed, writeRequestPrefixError, slicer); // bounded: a lying length is refused before allocating
  } catch (err) {
    if (err instanceof SnappyError) throw new WriteRewriteError(err.status, err.message);
    throw err;
  }
  const out = await setTenantLabelSliced(raw, label, value, stats, slicer);
  return snappyCompressSliced(out, slicer);
}
