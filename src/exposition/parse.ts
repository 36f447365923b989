// Prometheus text exposition format (0.0.4) parser, with the rules of Prometheus's own textparse.PromParser:
// `# HELP` / `# TYPE` lines, other comments ignored, `name{label="value",...} value [timestamp]` samples,
// label-value escapes \\ \" \n (other escapes kept as written), Go's float grammar for values (NaN, ±Inf),
// int64 millisecond timestamps. A syntax error fails the whole body (as a scrape of it fails in Prometheus).
// One pass over the text, no regex backtracking on attacker-sized input: linear in the body size.

export interface ExposedLabel {
  name: string;
  value: string;
}

export interface ExposedSample {
  /** The metric name (the `__name__` of the series). */
  name: string;
  /** Labels in the order written, without `__name__`. */
  labels: ExposedLabel[];
  value: number;
  /** Milliseconds, when the line carried one. */
  timestamp?: number;
}

export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionError';
  }
}

const METRIC_TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

const isNameStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95; // a-z A-Z _
const isNameChar = (c: number) => isNameStart(c) || (c >= 48 && c <= 57);
const isMetricStart = (c: number) => isNameStart(c) || c === 58; // and ':'
const isMetricChar = (c: number) => isNameChar(c) || c === 58;
const isBlank = (c: number) => c === 32 || c === 9;

// Go's strconv.ParseFloat, decimal forms and the special words (hex floats are not used by any exporter).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^(?:[+-]?(?:inf|infinity)|nan)$/i;
const INTEGER = /^-?\d{1,19}$/;

/** A Go float literal as ParseFloat reads it; undefined where ParseFloat fails (out of range included). */
export function parseGoFloat(s: string): number | undefined {
  if (s.length > 0 && s.length <= 400 && DECIMAL.test(s)) {
    const v = Number(s);
    return Number.isFinite(v) ? v : undefined; // "1e999": Go answers ErrRange, the scrape fails
  }
  if (SPECIAL.test(s)) return /nan/i.test(s) ? NaN : s.startsWith('-') ? -Infinity : Infinity;
  return undefined;
}

/** Reads one line's tokens; `pos` moves through `line`. */
class LineReader {
  pos = 0;
  constructor(
    readonly line: string,
    readonly no: number,
  ) {}

  fail(msg: string): never {
    const near = this.line.slice(this.pos, this.pos + 40);
    throw new ExpositionError(this.no, `${msg}${near === '' ? ' at end of line' : ` near "${near}"`}`);
  }

  at(): number {
    return this.pos < this.line.length ? this.line.charCodeAt(this.pos) : -1;
  }

  skipBlanks(): number {
    const start = this.pos;
    while (isBlank(this.at())) this.pos++;
    return this.pos - start;
  }

  name(start: (c: number) => boolean, rest: (c: number) => boolean, what: string): string {
    const from = this.pos;
    if (!start(this.at())) this.fail(`expected ${what}`);
    this.pos++;
    while (rest(this.at())) this.pos++;
    return this.line.slice(from, this.pos);
  }

  /** A quoted label value, unescaped as Prometheus does. */
  quoted(): string {
    if (this.at() !== 34) this.fail('expected \'"\' to start a label value');
    this.pos++;
    let out = '';
    let from = this.pos;
    for (;;) {
      const c = this.at();
      if (c === -1) this.fail('unterminated label value');
      if (c === 34) break;
      if (c === 92) {
        const next = this.line.charCodeAt(this.pos + 1);
        if (Number.isNaN(next)) this.fail('unterminated label value');
        out += this.line.slice(from, this.pos);
        out += next === 110 ? '\n' : next === 92 ? '\\' : next === 34 ? '"' : `\\${String.fromCharCode(next)}`;
        this.pos += 2;
        from = this.pos;
        continue;
      }
      this.pos++;
    }
    out += this.line.slice(from, this.pos);
    this.pos++;
    return out;
  }

  /** The next run of non-blank characters. */
  word(): string {
    const from = this.pos;
    while (this.pos < this.line.length && !isBlank(this.at())) this.pos++;
    return this.line.slice(from, this.pos);
  }
}

function parseLabels(r: LineReader): ExposedLabel[] {
  const labels: ExposedLabel[] = [];
  r.pos++; // '{'
  for (;;) {
    r.skipBlanks();
    if (r.at() === 125) break; // '}' (a trailing comma is allowed)
    const name = r.name(isNameStart, isNameChar, 'a label name');
    r.skipBlanks();
    if (r.at() !== 61) r.fail(`expected "=" after label name "${name}"`);
    r.pos++;
    r.skipBlanks();
    labels.push({ name, value: r.quoted() });
    r.skipBlanks();
    if (r.at() === 44) {
      r.pos++;
      continue;
    }
    if (r.at() !== 125) r.fail('expected "," or "}" after a label');
    break;
  }
  r.pos++; // '}'
  return labels;
}

function parseSample(r: LineReader): ExposedSample {
  const name = r.name(isMetricStart, isMetricChar, 'a metric name');
  // No blank before '{': Prometheus's lexer reads `name {...}` as a name followed by a value "{...}".
  const labels = r.at() === 123 ? parseLabels(r) : [];
  if (r.skipBlanks() === 0) r.fail('expected a blank before the value');
  const text = r.word();
  const value = parseGoFloat(text);
  if (value === undefined) r.fail(`invalid value "${text.slice(0, 40)}"`);
  r.skipBlanks();
  if (r.pos === r.line.length) return { name, labels, value };
  const ts = r.word();
  if (!INTEGER.test(ts)) r.fail(`invalid timestamp "${ts.slice(0, 40)}"`);
  const timestamp = Number(ts);
  if (!Number.isSafeInteger(timestamp)) r.fail(`timestamp "${ts}" out of range`);
  r.skipBlanks();
  if (r.pos !== r.line.length) r.fail('expected end of line after the timestamp');
  return { name, labels, value, timestamp };
}

function checkComment(r: LineReader): void {
  r.pos++; // '#'
  if (r.skipBlanks() === 0) return;
  const keyword = r.word();
  if (keyword !== 'HELP' && keyword !== 'TYPE') return; // any other comment
  if (r.skipBlanks() === 0) r.fail(`expected a metric name after # ${keyword}`);
  r.name(isMetricStart, isMetricChar, 'a metric name');
  if (keyword === 'HELP') return; // the rest is free text
  if (r.skipBlanks() === 0) r.fail('expected a metric type after # TYPE <name>');
  const type = r.word();
  if (!METRIC_TYPES.has(type)) r.fail(`invalid metric type "${type.slice(0, 40)}"`);
}

/**
 * Calls `onSample` for every sample of the body, in order. Throws ExpositionError at the first malformed
 * line (nothing is half-applied by the caller that collects first and appends after).
 */
export function forEachSample(text: string, onSample: (s: ExposedSample) => void): void {
  let start = 0;
  let no = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    no++;
    parseLine(text.slice(start, end), no, onSample);
    start = end + 1;
  }
}

/**
 * forEachSample for large bodies: awaits `pause()` whenever `due()` says the event loop has waited long
 * enough (checked every 256 lines), so parsing a big or hostile body never blocks a server for long.
 */
export async function forEachSampleSliced(text: string, onSample: (s: ExposedSample) => void, slicer: { due(): boolean; pause(): Promise<void> }): Promise<void> {
  let start = 0;
  let no = 0;
  while (start < text.length) {
    if ((no & 255) === 255 && slicer.due()) await slicer.pause();
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    no++;
    parseLine(text.slice(start, end), no, onSample);
    start = end + 1;
  }
}

function parseLine(line: string, no: number, onSample: (s: ExposedSample) => void): void {
  const r = new LineReader(line, no);
  r.skipBlanks();
  const c = r.at();
  if (c === -1) return; // blank line
  if (c === 35) checkComment(r);
  else onSample(parseSample(r));
}

/** Every sample of the body. */
export function parseExposition(text: string): ExposedSample[] {
  const out: ExposedSample[] = [];
  forEachSample(text, (s) => out.push(s));
  return out;
}
