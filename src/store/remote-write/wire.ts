// Protobuf and snappy wire helpers shared by the remote-write encoder, the ingester and the API's
// remote-write tenant relabelling.

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

/** Length announced by a snappy block's preamble (a uvarint), or -1 when malformed. */
export function snappyLength(b: Uint8Array): number {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 5 && i < b.length; i++) {
    n += (b[i]! & 0x7f) * mul;
    if (b[i]! < 0x80) return n;
    mul *= 128;
  }
  return -1;
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
