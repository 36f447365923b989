// Protobuf and snappy wire helpers shared by the remote-write encoder, the ingester and the API's
// remote-write tenant relabelling, and the time slicing that keeps one large request from holding
// the event loop.
import { compressFragment } from './snappy-compress.js';

/** Milliseconds of work a request does before it lets other work run (the target is < 50 ms a hold). */
export const SLICE_MS = 4;

/** Lets the event loop run timers, I/O and other requests before the caller goes on. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Measures one slice of work: call `due()` between small steps, `pause()` when it says so. */
export class Slicer {
  private t0 = performance.now();
  /** Times the event loop was given back. */
  pauses = 0;

  due(): boolean {
    return performance.now() - this.t0 >= SLICE_MS;
  }

  async pause(): Promise<void> {
    await yieldToEventLoop();
    this.pauses++;
    this.t0 = performance.now();
  }
}

/** Bytes a protobuf varint of `n` (a non-negative safe integer) takes. */
export function varintSize(n: number): number {
  let s = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    s++;
  }
  return s;
}

/** Writes `n` as a protobuf varint at `p`; returns the position after it. */
export function writeVarint(out: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) {
    out[p++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[p++] = n;
  return p;
}

/**
 * Why decoded bytes cannot start a prometheus.WriteRequest, or null: the first field's tag must have a
 * field number (0 is invalid in protobuf) and a wire type protobuf still uses (0, 1, 2 or 5).
 */
export function writeRequestPrefixError(head: Uint8Array): string | null {
  if (head.length === 0) return null;
  let tag = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < head.length; i++) {
    tag += (head[i]! & 0x7f) * mul;
    mul *= 128;
    if (head[i]! < 0x80) break;
  }
  if (tag < 8) return 'proto: invalid field number 0 at byte 0';
  const wire = tag & 7;
  if (wire !== 0 && wire !== 1 && wire !== 2 && wire !== 5) return `proto: unsupported wire type ${wire} at byte 0`;
  return null;
}

/** One `Label{name=1, value=2}` as a `labels = 1` field of a prompb.TimeSeries (tag, length, message). */
export function encodeLabelField(name: Buffer, value: Buffer): Buffer {
  const inner = 1 + varintSize(name.length) + name.length + 1 + varintSize(value.length) + value.length;
  const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
  let p = 0;
  out[p++] = 0x0a;
  p = writeVarint(out, p, inner);
  out[p++] = 0x0a;
  p = writeVarint(out, p, name.length);
  p += name.copy(out, p);
  out[p++] = 0x12;
  p = writeVarint(out, p, value.length);
  value.copy(out, p);
  return out;
}

export class SnappyError extends Error {
  constructor(
    /** 400: corrupt or lying input; 413: declares more than the limit. */
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'SnappyError';
  }
}

/** Bytes of output one byte of snappy input can produce at most (a 3-byte copy of 64 bytes). */
const MAX_EXPANSION = 64 / 3;

/** Output bytes decoded before the prefix check. */
const PREFIX_BYTES = 256 << 10;
/**
 * Output bytes decoded between two checks of the slice clock. Small, because code V8 has not
 * optimized yet (the first large request after start) runs tens of times slower.
 */
const STEP_BYTES = 16 << 10;

/**
 * Decodes a snappy block, checking before allocating that the declared length is within `maxLength`
 * and within what the input could possibly expand to, and after decoding that exactly that many bytes
 * came out (snappyjs checks neither: a 14-byte body declaring 60 MiB made it allocate 60 MiB and
 * hand back zeros). Large outputs are decoded in slices with a yield between them, so one request
 * at the size limit does not hold the event loop for the whole decode.
 */
export async function snappyDecode(
  src: Uint8Array,
  maxLength: number,
  checkPrefix?: (head: Buffer) => string | null,
  slicer = new Slicer(),
): Promise<Buffer> {
  const { declared, start } = checkPreamble(src, maxLength);
  const out = Buffer.allocUnsafe(declared);
  const at = { p: start, o: 0 };
  while (at.p < src.length && at.o < PREFIX_BYTES) {
    if (slicer.due()) await slicer.pause();
    decodeBlock(src, at, out, at.o + STEP_BYTES);
  }
  // A body whose first bytes already cannot be what the caller expects stops here, not after 64 MiB.
  const bad = checkPrefix?.(out.subarray(0, at.o)) ?? null;
  if (bad !== null) throw new SnappyError(400, bad);
  while (at.p < src.length) {
    if (slicer.due()) await slicer.pause();
    decodeBlock(src, at, out, at.o + STEP_BYTES);
  }
  if (at.o !== declared) throw new SnappyError(400, `snappy: corrupt input (declares ${declared} bytes, decodes to ${at.o})`);
  return out;
}

/** Reads the declared length (a uvarint) and checks it against the limit and the input's size. */
function checkPreamble(src: Uint8Array, maxLength: number): { declared: number; start: number } {
  let declared = 0;
  let mul = 1;
  let p = 0;
  for (; ; p++) {
    if (p >= src.length || p >= 5) throw new SnappyError(400, 'snappy: corrupt input (bad length preamble)');
    declared += (src[p]! & 0x7f) * mul;
    mul *= 128;
    if (src[p]! < 0x80) break;
  }
  p++;
  if (declared > 0xffffffff) throw new SnappyError(400, 'snappy: corrupt input (bad length preamble)');
  if (declared > maxLength) throw new SnappyError(413, `decompressed body of ${declared} bytes exceeds the limit of ${maxLength}`);
  if (declared > Math.ceil((src.length - p) * MAX_EXPANSION)) {
    throw new SnappyError(400, `snappy: corrupt input (declares ${declared} bytes, more than ${src.length} compressed bytes can hold)`);
  }
  return { declared, start: p };
}

/** Decodes tagged elements of src from at.p into out from at.o, until the input ends or at.o reaches stopAt. */
function decodeBlock(src: Uint8Array, at: { p: number; o: number }, out: Buffer, stopAt: number): void {
  const corrupt = (why: string): never => {
    throw new SnappyError(400, `snappy: corrupt input (${why})`);
  };
  const end = src.length;
  let p = at.p;
  let o = at.o;
  while (p < end && o < stopAt) {
    const tag = src[p++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = (tag >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60; // 1-4 little-endian length bytes follow
        if (p + extra > end) corrupt('truncated literal length');
        len = 0;
        for (let i = extra - 1; i >= 0; i--) len = len * 256 + src[p + i]!;
        len += 1;
        p += extra;
      }
      if (p + len > end) corrupt('literal past the end of the input');
      if (o + len > out.length) corrupt('output longer than declared');
      if (len <= 16) for (let i = 0; i < len; i++) out[o++] = src[p++]!;
      else {
        out.set(src.subarray(p, p + len), o);
        p += len;
        o += len;
      }
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (p >= end) corrupt('truncated copy');
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[p++]!;
    } else if (kind === 2) {
      if (p + 2 > end) corrupt('truncated copy');
      len = (tag >>> 2) + 1;
      offset = src[p]! | (src[p + 1]! << 8);
      p += 2;
    } else {
      if (p + 4 > end) corrupt('truncated copy');
      len = (tag >>> 2) + 1;
      offset = (src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24)) >>> 0;
      p += 4;
    }
    if (offset === 0 || offset > o) corrupt('copy from before the start of the output');
    if (o + len > out.length) corrupt('output longer than declared');
    if (offset === 1) {
      out.fill(out[o - 1]!, o, o + len); // a run of one byte (long runs of zeros are the common case)
      o += len;
    } else if (len <= 16 || offset < len) {
      // Short or overlapping (offset < len repeats the last `offset` bytes): a byte loop beats a native call.
      for (let i = 0; i < len; i++, o++) out[o] = out[o - offset]!;
    } else {
      out.copyWithin(o, o - offset, o - offset + len);
      o += len;
    }
  }
  at.p = p;
  at.o = o;
}

/** Uncompressed bytes compressed between two checks of the slice clock (one 64 KiB snappy block). */
const COMPRESS_STEP = 1 << 16;

/**
 * snappy.compress in slices: snappy compresses each 64 KiB block on its own, so the fragments compressed
 * one slice at a time under one length preamble are the very bytes snappy.compress gives for the whole.
 */
export async function snappyCompressSliced(data: Uint8Array, slicer = new Slicer()): Promise<Buffer> {
  const out = Buffer.allocUnsafe(32 + data.length + Math.floor(data.length / 6));
  let o = writeVarint(out, 0, data.length);
  for (let s = 0; s < data.length; s += COMPRESS_STEP) {
    if (s > 0 && slicer.due()) await slicer.pause();
    o = compressFragment(data, s, Math.min(data.length - s, COMPRESS_STEP), out, o);
  }
  return out.subarray(0, o);
}
