import { closeSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
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
