// A growing byte buffer for building a large JSON answer without a JS string. The fleet manager's range answer
// (~286 KB, ~30k small pieces) built as one string became a rope whose flattening and UTF-8 encoding by
// Buffer.from cost more than building it (bench:fleet profile: Buffer.from 9.5% of the fleet manager's CPU).
// A library: the fleet manager's answers and the store's query answers (promapi/result-bytes.ts) share it.

export class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(sizeHint: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, sizeHint));
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Text known to be ASCII (JSON punctuation, number text): copied a character per byte. */
  ascii(s: string): void {
    this.room(s.length);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Bytes already encoded (a piece written many times: encoded once, copied natively). */
  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Any text, as UTF-8 (what Buffer.from(s) would write). */
  text(s: string): void {
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** A string as JSON.stringify(s) writes it: printable ASCII without `"` or `\\` copied as is, else stringified. */
  jsonString(s: string): void {
    this.room(s.length + 2);
    const b = this.buf;
    const start = this.pos;
    let p = start;
    b[p++] = 34; // "
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 34 || c === 92) {
        this.pos = start;
        this.text(JSON.stringify(s));
        return;
      }
      b[p++] = c;
    }
    b[p++] = 34;
    this.pos = p;
  }

  /** A safe integer's decimal digits, as `${n}` writes them (-0 as 0). */
  int(n: number): void {
    this.room(17);
    const b = this.buf;
    if (n < 0) {
      b[this.pos++] = 45; // -
      n = -n;
    }
    if (n <= 0x7fffffff) {
      // int32 arithmetic throughout (no float modulo per digit): most sample values (counters, gauges).
      let m = n | 0;
      let len = 1;
      for (let x = m; x >= 10; x = (x / 10) | 0) len++;
      let p = this.pos + len;
      this.pos = p;
      do {
        const q = (m / 10) | 0;
        b[--p] = 48 + m - q * 10;
        m = q;
      } while (m > 0);
      return;
    }
    let len = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
    let p = this.pos + len;
    this.pos = p;
    do {
      b[--p] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  /** The bytes written (a view of the buffer, which the writer must not be used after). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}
