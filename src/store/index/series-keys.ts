// Series lookup by canonical key without building a string per request: a 32-bit hash of the key's
// bytes (computed straight from the request Buffer) picks a bucket, and the candidate is verified
// byte by byte, so a hash collision can never merge two series.

export interface Keyed {
  readonly key: string;
}

// Murmur3 (x86, 32-bit) steps, shared by the byte and the string variant below. The two variants differ
// only in how they read a byte, and exist so neither has to copy its input.
function mixK(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, tail: number, rest: number): number {
  if (rest > 0) h ^= mixK(tail);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Murmur3-style hash of bytes buf[start, end). Must agree with hashString for the same bytes. */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x9747b28c ^ (end - start);
  let p = start;
  for (; p + 4 <= end; p += 4) h = mixH(h, buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24));
  const rest = end - p;
  let k = 0;
  if (rest > 0) k = buf[p]!;
  if (rest > 1) k ^= buf[p + 1]! << 8;
  if (rest > 2) k ^= buf[p + 2]! << 16;
  return finish(h, k, rest);
}

/** hashBytes over the char codes of a latin1 (one byte per char) string. */
export function hashString(s: string): number {
  const end = s.length;
  let h = 0x9747b28c ^ end;
  let p = 0;
  for (; p + 4 <= end; p += 4) h = mixH(h, s.charCodeAt(p) | (s.charCodeAt(p + 1) << 8) | (s.charCodeAt(p + 2) << 16) | (s.charCodeAt(p + 3) << 24));
  const rest = end - p;
  let k = 0;
  if (rest > 0) k = s.charCodeAt(p);
  if (rest > 1) k ^= s.charCodeAt(p + 1) << 8;
  if (rest > 2) k ^= s.charCodeAt(p + 2) << 16;
  return finish(h, k, rest);
}

function sameBytes(key: string, buf: Uint8Array, start: number, end: number): boolean {
  if (key.length !== end - start) return false;
  for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

/** key -> series, with collisions kept in small arrays (rare). */
export class SeriesKeyIndex<T extends Keyed> {
  private readonly buckets = new Map<number, T | T[]>();

  getBytes(buf: Uint8Array, start: number, end: number): T | undefined {
    const b = this.buckets.get(hashBytes(buf, start, end));
    if (b === undefined) return undefined;
    if (!Array.isArray(b)) return sameBytes(b.key, buf, start, end) ? b : undefined;
    for (const s of b) if (sameBytes(s.key, buf, start, end)) return s;
    return undefined;
  }

  get(key: string): T | undefined {
    const b = this.buckets.get(hashString(key));
    if (b === undefined) return undefined;
    if (!Array.isArray(b)) return b.key === key ? b : undefined;
    return b.find((s) => s.key === key);
  }

  set(s: T): void {
    const h = hashString(s.key);
    const b = this.buckets.get(h);
    if (b === undefined) this.buckets.set(h, s);
    else if (Array.isArray(b)) b.push(s);
    else this.buckets.set(h, [b, s]);
  }

  delete(s: T): void {
    const h = hashString(s.key);
    const b = this.buckets.get(h);
    if (b === s) this.buckets.delete(h);
    else if (Array.isArray(b)) {
      const rest = b.filter((x) => x !== s);
      this.buckets.set(h, rest.length === 1 ? rest[0]! : rest);
    }
  }
}
