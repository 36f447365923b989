import type { Readable, Writable } from 'node:stream';

const COLOURS = [36, 33, 35, 32, 34, 31, 96, 93];

/**
 * Merges the output of several components into one stream, each line prefixed by its component
 * ("api        | {...}"), so `obspath up` reads like one log. Lines are never split or interleaved mid-line.
 */
export class LogMux {
  #width = 0;
  #colour = new Map<string, number>();

  constructor(private readonly out: Writable, private readonly useColour = (out as { isTTY?: boolean }).isTTY === true) {}

  /** Registers a component name (for alignment) and returns a function that writes one of its lines. */
  writer(component: string): (line: string) => void {
    this.#width = Math.max(this.#width, component.length);
    if (!this.#colour.has(component)) this.#colour.set(component, COLOURS[this.#colour.size % COLOURS.length]!);
    return (line: string) => {
      const name = component.padEnd(this.#width);
      const prefix = this.useColour ? `\x1b[${this.#colour.get(component)}m${name} |\x1b[0m ` : `${name} | `;
      this.out.write(`${prefix}${line}\n`);
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
