import { parseSampleValue, ShapeError, type ApiResult, type Labels, type MatrixData, type RangeSeries, type SamplePoint } from './types.js';

// A scanner for the one body shape a range query answers with, as Prometheus writes it:
//   {"status":"success","data":{"resultType":"matrix","result":[{"metric":{...},"values":[[t,"v"],...]},...]}}
// JSON.parse plus the walk over its tree was the largest cost of the fleet manager's query_range (bench:fleet
// profile: ~22% of its CPU for 7 answers, 7k points): every point became an array, a string and a heap number
// before it became a SamplePoint. This reads the points straight from the text. It gives up (undefined) on
// anything else — whitespace, other key orders, warnings, exponents or sub-millisecond digits in timestamps —
// and the caller then takes the general path (JSON.parse + parseQueryData), which decides what the body means.
// Whatever it returns equals what that path returns (fuzz-tested against it).

const PREFIX = '{"status":"success","data":{"resultType":"matrix","result":[';
const SERIES_START = '{"metric":{';
const VALUES_START = ',"values":[';

/** Thrown inside the scanner to give up; never leaves this module. */
const GIVE_UP = Symbol('give up');

const C_QUOTE = 34, C_BACKSLASH = 92, C_COMMA = 44, C_COLON = 58, C_DOT = 46, C_MINUS = 45, C_0 = 48, C_9 = 57;
const C_LBRACKET = 91, C_RBRACKET = 93, C_RBRACE = 125;

// 10^k is exact in a double up to k = 22: an integer mantissa below 2^53 divided by it is correctly rounded,
// which is what Number() gives for the same decimal text.
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  expect(literal: string): void {
    if (!this.text.startsWith(literal, this.pos)) throw GIVE_UP;
    this.pos += literal.length;
  }

  code(): number {
    return this.text.charCodeAt(this.pos);
  }

  /** A JSON string at pos (the opening quote included); escapes go through JSON.parse, raw control characters give up. */
  string(): string {
    if (this.code() !== C_QUOTE) throw GIVE_UP;
    const start = this.pos + 1;
    let escaped = false;
    for (let i = start; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (c === C_QUOTE) {
        this.pos = i + 1;
        if (!escaped) return this.text.slice(start, i);
        try {
          return JSON.parse(this.text.slice(start - 1, i + 1)) as string;
        } catch {
          throw GIVE_UP;
        }
      }
      if (c < 0x20) throw GIVE_UP;
      if (c === C_BACKSLASH) {
        escaped = true;
        i++; // the escaped character, a quote included
      }
    }
    throw GIVE_UP;
  }

  /** `{"k":"v",...}` after its opening brace, through its closing brace; labels as parseLabels builds them. */
  labels(): Labels {
    const out: Labels = {};
    if (this.code() === C_RBRACE) {
      this.pos++;
      return out;
    }
    for (;;) {
      const k = this.string();
      if (this.code() !== C_COLON) throw GIVE_UP;
      this.pos++;
      out[k] = this.string();
      const c = this.code();
      this.pos++;
      if (c === C_RBRACE) return out;
      if (c !== C_COMMA) throw GIVE_UP;
    }
  }

  /** A timestamp in seconds with at most 3 decimals, as integer milliseconds (Math.round(t * 1000) of the same text). */
  timestampMs(): number {
    const t = this.text;
    let i = this.pos;
    let negative = false;
    if (t.charCodeAt(i) === C_MINUS) {
      negative = true;
      i++;
    }
    const intStart = i;
    let ms = 0;
    for (let c = t.charCodeAt(i); c >= C_0 && c <= C_9; c = t.charCodeAt(++i)) ms = ms * 10 + (c - C_0);
    const intDigits = i - intStart;
    // JSON allows no leading zero; 12 digits keep milliseconds far below 2^53.
    if (intDigits === 0 || intDigits > 12 || (intDigits > 1 && t.charCodeAt(intStart) === C_0)) throw GIVE_UP;
    ms *= 1000;
    if (t.charCodeAt(i) === C_DOT) {
      i++;
      let scale = 100;
      const fracStart = i;
      for (let c = t.charCodeAt(i); c >= C_0 && c <= C_9; c = t.charCodeAt(++i)) {
        ms += (c - C_0) * scale;
        scale /= 10;
      }
      const fracDigits = i - fracStart;
      if (fracDigits === 0 || fracDigits > 3) throw GIVE_UP;
    }
    this.pos = i;
    // -0 seconds is -0 ms on the general path too (Math.round(-0 * 1000)).
    return negative ? -ms : ms;
  }

  /**
   * A sample value string as parseSampleValue reads it. Plain decimals of at most 15 digits (exact in a double,
   * so the division below is Number()'s correctly rounded result) are read here; any other text (NaN, ±Inf,
   * 17-digit fractions, exponents) goes through parseSampleValue itself.
   */
  value(): number {
    const t = this.text;
    const open = this.pos;
    if (t.charCodeAt(open) !== C_QUOTE) throw GIVE_UP;
    let i = open + 1;
    let c = t.charCodeAt(i);
    const negative = c === C_MINUS;
    if (negative) c = t.charCodeAt(++i);
    let mantissa = 0;
    let digits = 0;
    let fraction = -1; // digits after the point, -1 without a point
    for (;; c = t.charCodeAt(++i)) {
      if (c >= C_0 && c <= C_9) {
        mantissa = mantissa * 10 + (c - C_0);
        digits++;
        if (fraction >= 0) fraction++;
      } else if (c === C_DOT && fraction < 0 && digits > 0) {
        fraction = 0;
      } else break;
    }
    if (c !== C_QUOTE || digits === 0 || digits > 15 || fraction === 0) return this.otherValue();
    this.pos = i + 1;
    const v = fraction > 0 ? mantissa / POW10[fraction]! : mantissa;
    return negative ? -v : v;
  }

  private otherValue(): number {
    try {
      return parseSampleValue(this.string());
    } catch (err) {
      if (err instanceof ShapeError) throw GIVE_UP;
      throw err;
    }
  }

  /** `[[t,"v"],...]` after its opening bracket, through its closing bracket. */
  points(): SamplePoint[] {
    const out: SamplePoint[] = [];
    if (this.code() === C_RBRACKET) {
      this.pos++;
      return out;
    }
    for (;;) {
      if (this.code() !== C_LBRACKET) throw GIVE_UP;
      this.pos++;
      const timestampMs = this.timestampMs();
      if (this.code() !== C_COMMA) throw GIVE_UP;
      this.pos++;
      const value = this.value();
      if (this.code() !== C_RBRACKET) throw GIVE_UP;
      this.pos++;
      out.push({ timestampMs, value });
      const c = this.code();
      this.pos++;
      if (c === C_RBRACKET) return out;
      if (c !== C_COMMA) throw GIVE_UP;
    }
  }

  /** The result list after its opening bracket, through `]}}` and the end of the text. */
  result(): RangeSeries[] {
    const out: RangeSeries[] = [];
    if (this.code() !== C_RBRACKET) {
      for (;;) {
        this.expect(SERIES_START);
        const metric = this.labels();
        this.expect(VALUES_START);
        out.push({ metric, values: this.points() });
        if (this.code() !== C_RBRACE) throw GIVE_UP;
        this.pos++;
        const c = this.code();
        if (c === C_RBRACKET) break;
        if (c !== C_COMMA) throw GIVE_UP;
        this.pos++;
      }
    }
    this.expect(']}}');
    if (this.pos !== this.text.length) throw GIVE_UP;
    return out;
  }
}

/**
 * The answer of a successful range query read straight from its text, or undefined when the body is not in the
 * exact shape above (then JSON.parse + parseQueryData decide, and their result or error stands).
 */
export function scanMatrixAnswer(text: string): ApiResult<MatrixData> | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  const s = new Scanner(text);
  s.pos = PREFIX.length;
  try {
    return { data: { resultType: 'matrix', result: s.result() }, warnings: [], infos: [] };
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  }
}
