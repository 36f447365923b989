// Tenant enforcement on remote-write bodies: snappy-decode the prometheus.WriteRequest, set the tenant
// label on every series (a caller's own value is replaced), re-encode. Works on the protobuf bytes:
// samples, exemplars, histograms and metadata are copied as they are, never decoded.
import snappy from 'snappyjs';
import { SnappyError, encodeLabelField, snappyDecode, varintSize, writeRequestPrefixError, writeVarint } from '../../store/remote-write/wire.js';

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




/** Byte range of a Label message's name. */
function labelName(buf: Uint8Array, start: number, end: number): [number, number] {
  const pos = { p: start };
  let ns = -1;
  let ne = -1;
  while (pos.p < end) {
    const tag = readVarint(buf, pos, end);
    if (tag === 0x0a) {
      const len = readVarint(buf, pos, end);
      ns = pos.p;
      ne = pos.p + len;
      pos.p = ne;
      if (ne > end) throw new WriteRewriteError(400, 'proto: label name runs past its message');
    } else skipField(buf, pos, tag & 7, end);
  }
  return ns < 0 ? [start, start] : [ns, ne];
}

function compareBytes(buf: Uint8Array, s: number, e: number, other: Buffer): number {
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

/** The uncompressed WriteRequest with the tenant label set on every series. */
export function setTenantLabel(raw: Uint8Array, label: string, value: string, stats?: RewriteStats): Buffer {
  const tenantLabel = Buffer.from(label, 'utf8');
  const add = { bytes: encodeLabelField(tenantLabel, Buffer.from(value, 'utf8')), name: tenantLabel };
  const end = raw.length;
  // Upper bound: every series grows by the new label and at most 5 more bytes of length.
  const pos = { p: 0 };
  const pieces: Array<[number, number] | Buffer> = [];
  let series = 0;
  let overwritten = 0;
  let outLen = 0;
  while (pos.p < end) {
    const fieldStart = pos.p;
    const tag = readTag(raw, pos, end);
    if (tag !== 0x0a) {
      skipField(raw, pos, tag & 7, end);
      // Adjacent fields that are copied as they are share one piece (a body of many tiny fields stays cheap).
      const last = pieces.at(-1);
      if (Array.isArray(last) && last[1] === fieldStart) last[1] = pos.p;
      else pieces.push([fieldStart, pos.p]);
      outLen += pos.p - fieldStart;
      continue;
    }
    const len = readVarint(raw, pos, end);
    const tsStart = pos.p;
    const tsEnd = tsStart + len;
    if (tsEnd > end) throw new WriteRewriteError(400, 'proto: WriteRequest.timeseries runs past the end of the body');
    series++;
    // Pass 1: labels (kept in order, tenant label dropped, new one inserted in sorted position), then the rest.
    const labels: Array<[number, number] | Buffer> = [];
    const rest: Array<[number, number]> = [];
    let inserted = false;
    let size = 0;
    const inner = { p: tsStart };
    while (inner.p < tsEnd) {
      const fs = inner.p;
      const t = readTag(raw, inner, tsEnd);
      if (t === 0x0a) {
        const l = readVarint(raw, inner, tsEnd);
        const ms = inner.p;
        const me = ms + l;
        if (me > tsEnd) throw new WriteRewriteError(400, 'proto: TimeSeries.labels runs past its message');
        inner.p = me;
        const [ns, ne] = labelName(raw, ms, me);
        const cmp = compareBytes(raw, ns, ne, add.name);
        if (cmp === 0) {
          overwritten++;
          continue;
        }
        if (cmp > 0 && !inserted) {
          labels.push(add.bytes);
          size += add.bytes.length;
          inserted = true;
        }
        labels.push([fs, me]);
        size += me - fs;
      } else {
        skipField(raw, inner, t & 7, tsEnd);
        rest.push([fs, inner.p]);
        size += inner.p - fs;
      }
    }
    if (!inserted) {
      labels.push(add.bytes);
      size += add.bytes.length;
    }
    const head = Buffer.allocUnsafe(1 + varintSize(size));
    head[0] = 0x0a;
    writeVarint(head, 1, size);
    pieces.push(head, ...labels, ...rest);
    outLen += head.length + size;
    pos.p = tsEnd;
  }
  const out = Buffer.allocUnsafe(outLen);
  let p = 0;
  for (const piece of pieces) {
    if (Buffer.isBuffer(piece)) p += piece.copy(out, p);
    else {
      out.set(raw.subarray(piece[0], piece[1]), p);
      p += piece[1] - piece[0];
    }
  }
  if (stats) {
    stats.series += series;
    stats.overwritten += overwritten;
  }
  return out;
}


/** Snappy body in, snappy body out, with the tenant label set on every series. */
export async function rewriteRemoteWrite(body: Uint8Array, label: string, value: string, maxDecompressed: number, stats?: RewriteStats): Promise<Buffer> {
  let raw: Uint8Array;
  try {
    raw = await snappyDecode(body, maxDecompressed, writeRequestPrefixError); // bounded: a lying length is refused before allocating
  } catch (err) {
    if (err instanceof SnappyError) throw new WriteRewriteError(err.status, err.message);
    throw err;
  }
  const out = setTenantLabel(raw, label, value, stats);
  const c = snappy.compress(out);
  return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
}
