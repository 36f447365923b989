import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';

const COLOURS = [36, 33, 35, 32, 34, 31, 96, 93];
/** A component's log file is rotated (to <name>.log.1) past this size, so the data dir stays bounded. */
export const LOG_FILE_MAX_BYTES = 5 * 1024 * 1024;

/**
 * Each component's lines, unprefixed, in <dir>/<component>.log (what `kubectl logs` would show; the doctor's
 * step 1 reads them). Truncated when the stack starts: a new run, new logs. Synchronous writes keep the
 * lines in order and need no flushing at exit.
 */
class LogFiles {
  readonly #files = new Map<string, { fd: number; bytes: number }>();
  #closed = false;

  constructor(private readonly dir: string, private readonly maxBytes: number) {
    mkdirSync(dir, { recursive: true });
  }

  write(component: string, line: string): void {
    if (this.#closed) return; // a late line after stop must not reopen (and truncate) the file
    const path = join(this.dir, `${component}.log`);
    let f = this.#files.get(component);
    if (!f) {
      f = { fd: openSync(path, 'w', 0o600), bytes: 0 };
      this.#files.set(component, f);
    }
    const data = `${line}\n`;
    if (f.bytes + data.length > this.maxBytes) {
      closeSync(f.fd);
      renameSync(path, `${path}.1`);
      f.fd = openSync(path, 'w', 0o600);
      f.bytes = 0;
    }
    f.bytes += writeSync(f.fd, data);
  }

  close(): void {
    this.#closed = true;
    for (const f of this.#files.values()) closeSync(f.fd);
    this.#files.clear();
  }
}

/**
 * Merges the output of several components into one stream, each line prefixed by its component
 * ("api        | {...}"), so `obspath up` reads like one log. Lines are never split or interleaved mid-line.
 */
export class LogMux {
  #width = 0;
  #colour = new Map<string, number>();

  readonly #files?: LogFiles;

  constructor(
    private readonly out: Writable,
    private readonly useColour = (out as { isTTY?: boolean }).isTTY === true,
    /** Also write each component's lines to <fileDir>/<component>.log. */
    fileDir?: string,
    maxFileBytes = LOG_FILE_MAX_BYTES,
  ) {
    if (fileDir) this.#files = new LogFiles(fileDir, maxFileBytes);
  }

  close(): void {
    this.#files?.close();
  }

  /** Registers a component name (for alignment) and returns a function that writes one of its lines. */
  writer(component: string): (line: string) => void {
    this.#width = Math.max(this.#width, component.length);
    if (!this.#colour.has(component)) this.#colour.set(component, COLOURS[this.#colour.size % COLOURS.length]!);
    return (line: string) => {
      const name = component.padEnd(this.#width);
      const prefix = this.useColour ? `\x1b[${this.#colour.get(component)}m${name} |\x1b[0m ` : `${name} | `;
      this.out.write(`${prefix}${line}\n`);
      this.#files?.write(component, line);
    };
  }

  /** Pipes a child's stdout/stderr into the mux, line by line. */
  attach(component: string, stream: Readable): void {
    const write = this.writer(component);
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.length > 0) write(line);
      }
    });
    stream.on('end', () => {
      if (buf.length > 0) write(buf);
      buf = '';
    });
  }
}

/** Every log file `obspath up` may write under <data>/logs/: the components', the supervisor's and its own. */
export const STACK_LOG_NAMES = ['issuer', 'store', 'api', 'token-refresher', 'fleet-manager', 'probe', 'doctor', 'alertmanager', 'supervisor', 'up'] as const;

/** The components with a log under `dir` (known names first, in path order, then any other *.log). */
export function logNamesIn(dir: string): string[] {
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => f.slice(0, -4)) : [];
  return [...STACK_LOG_NAMES.filter((n) => present.includes(n)), ...present.filter((n) => !(STACK_LOG_NAMES as readonly string[]).includes(n)).sort()];
}

/** A line's time (pino's "time", logfmt's ts=), in ms; undefined when it has none. */
export function lineTime(line: string): number | undefined {
  const m = /"time":"([^"]+)"|"time":(\d{10,})|\bts=(\S+)/.exec(line);
  if (!m) return undefined;
  const t = m[2] !== undefined ? Number(m[2]) : Date.parse(m[1] ?? m[3]!);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * A component's lines as kept: the rotated file (<name>.log.1) first, then the current one. With a follower
 * already open on the current file, its lines are those before the follower's start, so a line written while
 * the history is printed is followed, not lost (nor printed twice).
 */
export function readLogLines(dir: string, name: string, follower?: LogFollower): string[] {
  const lines: string[] = [];
  const rotated = join(dir, `${name}.log.1`);
  if (existsSync(rotated)) lines.push(...nonEmptyLines(readFileSync(rotated, 'utf8')));
  const current = join(dir, `${name}.log`);
  if (follower) lines.push(...follower.history());
  else if (existsSync(current)) lines.push(...nonEmptyLines(readFileSync(current, 'utf8')));
  return lines;
}

const nonEmptyLines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);

/**
 * Several components' lines merged in time order, each prefixed by its component ("api   | ..."). A line
 * without a time of its own keeps its place after the previous line of its file.
 */
export function interleave(byName: ReadonlyMap<string, readonly string[]>): string[] {
  const width = Math.max(0, ...[...byName.keys()].map((n) => n.length));
  const queues = [...byName.entries()].map(([name, lines]) => {
    let last = 0;
    return { name, items: lines.map((line) => ({ line, t: (last = lineTime(line) ?? last) })), i: 0 };
  });
  const out: string[] = [];
  for (;;) {
    let best: (typeof queues)[number] | undefined;
    for (const q of queues) if (q.i < q.items.length && (!best || q.items[q.i]!.t < best.items[best.i]!.t)) best = q;
    if (!best) return out;
    out.push(`${best.name.padEnd(width)} | ${best.items[best.i++]!.line}`);
  }
}

/**
 * Follows one log file like `tail -F`: new complete lines as they are written; when the file is replaced (LogMux
 * rotates it to <name>.log.1 and opens a new one) the old one is read to its end first, and when it is truncated
 * (a new `obspath up` run) it is read again from the start. Polls: fs.watch misses renames on some filesystems.
 */
export class LogFollower {
  #fd?: number;
  #ino?: number;
  #offset = 0;
  #partial = '';
  /** A multi-byte character split between two reads stays whole. */
  #decoder = new StringDecoder('utf8');

  constructor(readonly path: string, private readonly onLine: (line: string) => void, fromEnd = true) {
    this.#open(fromEnd);
  }

  #open(fromEnd: boolean): void {
    try {
      this.#fd = openSync(this.path, 'r');
      const st = fstatSync(this.#fd);
      this.#ino = st.ino;
      this.#offset = fromEnd ? st.size : 0;
      this.#partial = '';
      this.#decoder = new StringDecoder('utf8');
    } catch {
      this.#fd = undefined; // not there yet: looked for again at the next poll
    }
  }

  /**
   * The complete lines before the point this follower starts from (its file's end when it was opened); the
   * start moves back to the end of the last complete line, so a line being written is followed whole.
   */
  history(): string[] {
    if (this.#fd === undefined || this.#offset === 0) return [];
    const buf = Buffer.alloc(this.#offset);
    let read = 0;
    while (read < buf.length) {
      const n = readSync(this.#fd, buf, read, buf.length - read, read);
      if (n <= 0) break;
      read += n;
    }
    const end = buf.lastIndexOf(0x0a, read - 1) + 1;
    this.#offset = end;
    return nonEmptyLines(buf.subarray(0, end).toString('utf8'));
  }

  /** Reads what was written since the last poll. */
  poll(): void {
    if (this.#fd === undefined) return this.#open(false);
    let current: { ino: number; size: number } | undefined;
    try {
      current = statSync(this.path);
    } catch { /* renamed away and not yet recreated */ }
    if (current && current.ino === this.#ino && current.size < this.#offset) {
      this.#offset = 0; // truncated in place
      this.#partial = '';
    }
    this.#drain();
    if (current && current.ino !== this.#ino) {
      closeSync(this.#fd);
      this.#open(false);
      this.#drain();
    }
  }

  #drain(): void {
    if (this.#fd === undefined) return;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(this.#fd, buf, 0, buf.length, this.#offset);
      if (n <= 0) break;
      this.#offset += n;
      this.#partial += this.#decoder.write(buf.subarray(0, n));
      let i: number;
      while ((i = this.#partial.indexOf('\n')) >= 0) {
        const line = this.#partial.slice(0, i);
        this.#partial = this.#partial.slice(i + 1);
        if (line.length > 0) this.onLine(line);
      }
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
