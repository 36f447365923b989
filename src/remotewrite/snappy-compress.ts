// Snappy block compression of one fragment (at most 64 KiB) straight into the caller's buffer. The
// algorithm and its hash are snappyjs's compressFragment (MIT), so the bytes are the ones snappy.compress
// gives; what differs is the memory: snappyjs allocates a zero-filled output of the worst-case size per
// call (which the caller then copies out of) and clears its hash table entry by entry. In the API's
// remote-write rewrite the compression was the largest single cost (29% of a 100-series batch).

const MAX_HASH_TABLE_BITS = 14;
const INPUT_MARGIN = 15;
const hashTables: Array<Uint16Array | undefined> = [];

// The hash as snappyjs computes it (a double multiply, then ToUint32): Math.imul would change the output.
const hash = (key: number, shift: number): number => (key * 0x1e35a7bd) >>> shift;
const load32 = (a: Uint8Array, p: number): number => a[p]! + (a[p + 1]! << 8) + (a[p + 2]! << 16) + (a[p + 3]! << 24);
const equals32 = (a: Uint8Array, p: number, q: number): boolean => a[p] === a[q] && a[p + 1] === a[q + 1] && a[p + 2] === a[q + 2] && a[p + 3] === a[q + 3];

function emitLiteral(input: Uint8Array, ip: number, len: number, out: Uint8Array, op: number): number {
  if (len <= 60) out[op++] = (len - 1) << 2;
  else if (len < 256) {
    out[op++] = 60 << 2;
    out[op++] = len - 1;
  } else {
    out[op++] = 61 << 2;
    out[op++] = (len - 1) & 0xff;
    out[op++] = (len - 1) >>> 8;
  }
  if (len <= 16) for (let i = 0; i < len; i++) out[op + i] = input[ip + i]!;
  else out.set(input.subarray(ip, ip + len), op);
  return op + len;
}

function emitCopyLessThan64(out: Uint8Array, op: number, offset: number, len: number): number {
  if (len < 12 && offset < 2048) {
    out[op] = 1 + ((len - 4) << 2) + ((offset >>> 8) << 5);
    out[op + 1] = offset & 0xff;
    return op + 2;
  }
  out[op] = 2 + ((len - 1) << 2);
  out[op + 1] = offset & 0xff;
  out[op + 2] = offset >>> 8;
  return op + 3;
}

function emitCopy(out: Uint8Array, op: number, offset: number, len: number): number {
  while (len >= 68) {
    op = emitCopyLessThan64(out, op, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    op = emitCopyLessThan64(out, op, offset, 60);
    len -= 60;
  }
  return emitCopyLessThan64(out, op, offset, len);
}

function hashTableFor(inputSize: number): { table: Uint16Array; shift: number } {
  let bits = 1;
  while (1 << bits <= inputSize && bits <= MAX_HASH_TABLE_BITS) bits++;
  bits--;
  const table = (hashTables[bits] ??= new Uint16Array(1 << bits));
  table.fill(0);
  return { table, shift: 32 - bits };
}

/**
 * Compresses input[ip, ip + size) (size <= 64 KiB) as one snappy fragment into out at op; returns the
 * new op. `out` must have room for 32 + size + size / 6 bytes (snappy's worst case).
 */
export function compressFragment(input: Uint8Array, ip: number, size: number, out: Uint8Array, op: number): number {
  const { table, shift } = hashTableFor(size);
  const base = ip;
  const ipEnd = ip + size;
  let nextEmit = ip;
  if (size >= INPUT_MARGIN) {
    const ipLimit = ipEnd - INPUT_MARGIN;
    ip += 1;
    let nextHash = hash(load32(input, ip), shift);
    for (;;) {
      // Look for a 4-byte match, skipping faster through input that does not compress.
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const h = nextHash;
        nextIp = ip + (skip >>> 5);
        skip++;
        if (ip > ipLimit) return emitRest(input, nextEmit, ipEnd, out, op);
        nextHash = hash(load32(input, nextIp), shift);
        candidate = base + table[h]!;
        table[h] = ip - base;
      } while (!equals32(input, ip, candidate));
      op = emitLiteral(input, nextEmit, ip - nextEmit, out, op);
      do {
        const start = ip;
        let matched = 4;
        while (ip + matched < ipEnd && input[ip + matched] === input[candidate + matched]) matched++;
        ip += matched;
        op = emitCopy(out, op, start - candidate, matched);
        nextEmit = ip;
        if (ip >= ipLimit) return emitRest(input, nextEmit, ipEnd, out, op);
        table[hash(load32(input, ip - 1), shift)] = ip - 1 - base;
        const h = hash(load32(input, ip), shift);
        candidate = base + table[h]!;
        table[h] = ip - base;
      } while (equals32(input, ip, candidate));
      ip += 1;
      nextHash = hash(load32(input, ip), shift);
    }
  }
  return emitRest(input, nextEmit, ipEnd, out, op);
}

function emitRest(input: Uint8Array, nextEmit: number, ipEnd: number, out: Uint8Array, op: number): number {
  return nextEmit < ipEnd ? emitLiteral(input, nextEmit, ipEnd - nextEmit, out, op) : op;
}
