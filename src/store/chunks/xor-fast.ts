// A faster reader of the head's XOR chunks for queries: the same samples and errors as decodeXor (xor.ts), but
// every field is cut from a 32-bit window peeked at the bit position instead of being assembled bit by bit through
// a BitReader. Profile: decoding was ~60% of an instant sum(rate(x[5m])) over 10k series (the whole 1h chunk is
// decoded to reach its last 5 minutes, as in Prometheus).

const TWO_32 = 4294967296;

/** The 32 bits starting at bit `pos` (MSB first); bits past the array read as 0. */
function peek(b: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  const sh = pos & 7;
  if (i + 4 < b.length) {
    const w = (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
    return sh === 0 ? w >>> 0 : ((w << sh) | (b[i + 4]! >>> (8 - sh))) >>> 0;
  }
  let w = 0;
  for (let k = 0; k < 5; k++) w = w * 256 + (i + k < b.length ? b[i + k]! : 0);
  // w holds 40 bits: drop the first sh, keep 32.
  return Math.floor(w / 2 ** (8 - sh)) % TWO_32;
}

function pastEnd(): never {
  throw new RangeError('chunk: read past end');
}

/**
 * decodeXor's contract: decodes `count` samples from the first `nbits` bits of `bytes` and appends those with
 * mint <= t <= maxt to `ts` / `valBits` (value halves, low word first) from index `out`; returns the new length.
 */
export function decodeXorFast(bytes: Uint8Array, nbits: number, count: number, mint: number, maxt: number, ts: Float64Array, valBits: Uint32Array, out: number): number {
  if (count === 0) return out;
  if (nbits < 128) pastEnd();
  let t = (peek(bytes, 0) | 0) * TWO_32 + peek(bytes, 32);
  let hi = peek(bytes, 64);
  let lo = peek(bytes, 96);
  let pos = 128;
  let delta = 0;
  let leading = 0;
  let trailing = 0;
  for (let i = 0; ; ) {
    if (t > maxt) break;
    if (t >= mint) {
      ts[out] = t;
      valBits[out * 2] = lo;
      valBits[out * 2 + 1] = hi;
      out++;
    }
    if (++i >= count) break;
    // Delta of delta: '0', '10'+14, '110'+17, '1110'+20 bits, or '1111'+64.
    let p = peek(bytes, pos);
    let dod: number;
    if (p >>> 31 === 0) {
      dod = 0;
      pos += 1;
    } else if ((p & 0x40000000) === 0) {
      dod = (p >>> 16) & 0x3fff;
      if (dod > 8192) dod -= 16384;
      pos += 16;
    } else if ((p & 0x20000000) === 0) {
      dod = (p >>> 12) & 0x1ffff;
      if (dod > 65536) dod -= 131072;
      pos += 20;
    } else if ((p & 0x10000000) === 0) {
      dod = (p >>> 8) & 0xfffff;
      if (dod > 524288) dod -= 1048576;
      pos += 24;
    } else {
      dod = (peek(bytes, pos + 4) | 0) * TWO_32 + peek(bytes, pos + 36);
      pos += 68;
    }
    if (pos > nbits) pastEnd();
    delta += dod;
    t += delta;
    // Value: '0' same, '10' + bits in the last window, '11' + 5-bit leading + 6-bit length + bits.
    p = peek(bytes, pos);
    if (p >>> 31 === 0) {
      if (++pos > nbits) pastEnd();
      continue;
    }
    if ((p & 0x40000000) !== 0) {
      leading = (p >>> 25) & 31;
      let sig = (p >>> 19) & 63;
      if (sig === 0) sig = 64;
      trailing = 64 - leading - sig;
      pos += 13;
    } else pos += 2;
    const sig = 64 - leading - trailing;
    if (pos + sig > nbits) pastEnd();
    let xh: number;
    let xl: number;
    if (sig > 32) {
      xh = peek(bytes, pos) >>> (64 - sig);
      xl = peek(bytes, pos + sig - 32);
    } else {
      xh = 0;
      xl = peek(bytes, pos) >>> (32 - sig);
    }
    pos += sig;
    if (trailing >= 32) {
      xh = (xl << (trailing - 32)) >>> 0;
      xl = 0;
    } else if (trailing > 0) {
      xh = ((xh << trailing) | (xl >>> (32 - trailing))) >>> 0;
      xl = (xl << trailing) >>> 0;
    }
    hi = (hi ^ xh) >>> 0;
    lo = (lo ^ xl) >>> 0;
  }
  return out;
}
