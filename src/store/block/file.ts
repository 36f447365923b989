// Positioned synchronous reads from an open file: the PromQL Querier contract is synchronous, so block
// reads happen with readSync on a descriptor held open for the block's lifetime.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export class ReadFile {
  readonly fd: number;
  readonly size: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  /** Up to `n` bytes at `pos` (fewer only at the end of the file). */
  read(pos: number, n: number): Buffer {
    const len = Math.max(0, Math.min(n, this.size - pos));
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const r = readSync(this.fd, buf, got, len - got, pos + got);
      if (r === 0) break;
      got += r;
    }
    return got === len ? buf : buf.subarray(0, got);
  }

  close(): void {
    closeSync(this.fd);
  }
}
