// Lexical helpers: Go-style string (un)quoting, Prometheus durations and numbers, and a small scanner that finds
// the lexical errors Prometheus's lexer reports (unclosed parentheses, unterminated strings, ...) with its wording.

import { parsePrometheusDuration } from '../duration/duration.js';

export class LexError extends Error {
  constructor(readonly pos: number, message: string, readonly end: number = pos) {
    super(message);
  }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes bytes as UTF-8; invalid byte sequences become lone surrogates 0xDC00+byte ("surrogate escape") so they
 * survive into label values and can be detected (`isWellFormed`) and printed back as \xNN.
 */
function decodeBytes(bytes: number[]): string {
  const buf = Uint8Array.from(bytes);
  try {
    return utf8Decoder.decode(buf);
  } catch {
    let out = '';
    let i = 0;
    while (i < buf.length) {
      const b = buf[i]!;
      const len = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
      if (len > 0 && i + len <= buf.length) {
        try {
          out += utf8Decoder.decode(buf.subarray(i, i + len));
          i += len;
          continue;
        } catch {
          /* fall through to escape one byte */
        }
      }
      out += String.fromCharCode(0xdc00 + b);
      i++;
    }
    return out;
  }
}

/** Unquotes a PromQL string literal ("...", '...' or `...`), Go escape rules. Throws LexError on bad escapes. */
export function unquoteString(lit: string, basePos = 0): string {
  const q = lit[0];
  if (q === '`') {
    if (lit.length < 2 || lit[lit.length - 1] !== '`') throw new LexError(basePos, 'unterminated raw string');
    return lit.slice(1, -1);
  }
  if ((q !== '"' && q !== "'") || lit.length < 2 || lit[lit.length - 1] !== q) {
    throw new LexError(basePos, 'unterminated quoted string');
  }
  const body = lit.slice(1, -1);
  if (!body.includes('\\')) return body;
  const bytes: number[] = [];
  const pushStr = (s: string) => {
    for (const b of Buffer.from(s, 'utf8')) bytes.push(b);
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      const cp = body.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      pushStr(ch);
      i += ch.length - 1;
      continue;
    }
    const e = body[++i];
    const escPos = basePos + i;
    switch (e) {
      case 'a': bytes.push(7); break;
      case 'b': bytes.push(8); break;
      case 'f': bytes.push(12); break;
      case 'n': bytes.push(10); break;
      case 'r': bytes.push(13); break;
      case 't': bytes.push(9); break;
      case 'v': bytes.push(11); break;
      case '\\': bytes.push(92); break;
      case '"':
      case "'":
        if (e !== q) throw new LexError(escPos, 'unknown escape sequence');
        bytes.push(e.charCodeAt(0));
        break;
      case 'x': {
        const h = body.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new LexError(escPos, 'illegal character in escape sequence');
        bytes.push(parseInt(h, 16));
        i += 2;
        break;
      }
      case 'u':
      case 'U': {
        const n = e === 'u' ? 4 : 8;
        const h = body.slice(i + 1, i + 1 + n);
        if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) throw new LexError(escPos, 'illegal character in escape sequence');
        const cp = parseInt(h, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw new LexError(escPos, 'escape sequence is invalid Unicode code point');
        pushStr(String.fromCodePoint(cp));
        i += n;
        break;
      }
      default:
        if (e !== undefined && e >= '0' && e <= '7') {
          const o = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(o) || parseInt(o, 8) > 255) throw new LexError(escPos, 'illegal character in escape sequence');
          bytes.push(parseInt(o, 8));
          i += 2;
          break;
        }
        throw new LexError(escPos, 'unknown escape sequence');
    }
  }
  return decodeBytes(bytes);
}

/** Quotes a string like Go's %q / strconv.Quote (double quotes, escapes; surrogate-escaped bytes as \xNN). */
export function quoteString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0xdc80 && c <= 0xdcff && !isHighSurrogate(s.charCodeAt(i - 1))) {
      out += '\\x' + (c - 0xdc00).toString(16).padStart(2, '0');
    } else out += s[i];
  }
  return out + '"';
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

// PromQL durations are Prometheus's (integers, units y w d h m s ms in order); the scanner is shared with the
// Go durations of flags and config files.
export { formatPrometheusDuration as formatDuration, parsePrometheusDuration as parseDuration } from '../duration/duration.js';

/** Parses a PromQL number literal (decimal, hex, Inf, NaN, or a duration meaning seconds). */
export function parseNumber(text: string): number | null {
  const t = text.replace(/_/g, '');
  const lower = t.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (lower === 'nan' || lower === '+nan' || lower === '-nan') return NaN;
  if (/^[+-]?0x[0-9a-f]+$/i.test(t)) {
    const neg = t.startsWith('-');
    const v = parseInt(t.replace(/^[+-]/, ''), 16);
    return neg ? -v : v;
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
  const sign = t.startsWith('-') ? -1 : 1;
  const d = parsePrometheusDuration(t.replace(/^[+-]/, ''));
  if (d !== null) return (sign * d) / 1000;
  return null;
}

/**
 * Scans a query for the lexical errors Prometheus's lexer reports, in its words. Strings and comments are skipped;
 * bracket nesting is tracked. Returns null when the query is lexically fine.
 */
/** Deeper nesting is rejected up front so no recursive step (parse, check, eval, print) can exhaust the stack. */
export const MAX_NESTING_DEPTH = 1000;

export function findLexicalError(q: string): LexError | null {
  const stack: { ch: string; pos: number }[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (c === '#') {
      while (i < q.length && q[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const start = i;
      i++;
      let closed = false;
      while (i < q.length) {
        const d = q[i]!;
        if (c !== '`' && d === '\\') {
          i += 2;
          continue;
        }
        if (c !== '`' && d === '\n') break;
        if (d === c) {
          closed = true;
          break;
        }
        i++;
      }
      if (!closed) return new LexError(start, c === '`' ? 'unterminated raw string' : 'unterminated quoted string', q.length);
      i++;
      continue;
    }
    const top = stack[stack.length - 1];
    if ((c === '(' || c === '[' || c === '{') && stack.length >= MAX_NESTING_DEPTH) {
      return new LexError(i, `expression nested too deeply (more than ${MAX_NESTING_DEPTH} levels)`, i + 1);
    }
    if (c === '(' || c === '[') {
      if (top?.ch === '{') return new LexError(i, `unexpected character inside braces: '${c}'`, i + 1);
      if (c === '[' && top?.ch === '[') return new LexError(i, 'unexpected left bracket', i + 1);
      stack.push({ ch: c, pos: i });
    } else if (c === '{') {
      if (top?.ch === '{') return new LexError(i, "unexpected left brace '{'", i + 1);
      stack.push({ ch: c, pos: i });
    } else if (c === ')') {
      if (top?.ch === '{') return new LexError(i, "unexpected character inside braces: ')'", i + 1);
      if (top?.ch !== '(') return new LexError(i, "unexpected right parenthesis ')'", i + 1);
      stack.pop();
    } else if (c === '}') {
      if (top?.ch !== '{') return new LexError(i, "unexpected right brace '}'", i + 1);
      stack.pop();
    } else if (c === ']') {
      if (top?.ch !== '[') return new LexError(i, "unexpected right bracket ']'", i + 1);
      stack.pop();
    } else if (!/[\s\w.:+\-*/%^=!<>~,@]/.test(c)) {
      if (top?.ch === '{') return new LexError(i, `unexpected character inside braces: '${c}'`, i + 1);
      return new LexError(i, `unexpected character: '${c}'`, i + 1);
    }
    i++;
  }
  const open = stack[stack.length - 1];
  if (open) {
    if (open.ch === '(') return new LexError(q.length, 'unclosed left parenthesis');
    if (open.ch === '{') return new LexError(q.length, 'unexpected end of input inside braces');
    return new LexError(q.length, 'unclosed left bracket');
  }
  return null;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'atan2', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'start', 'end']);
const AGGREGATORS = new Set(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);

/** Describes the token starting at `pos` the way Prometheus's "unexpected ..." parse errors do. */
export function describeTokenAt(q: string, pos: number): string {
  let i = pos;
  while (i < q.length && /\s/.test(q[i]!)) i++;
  if (i >= q.length) return 'end of input';
  const rest = q.slice(i);
  let m = /^[a-zA-Z_:][\w:]*/.exec(rest);
  if (m) {
    const w = m[0];
    const lw = w.toLowerCase();
    if (AGGREGATORS.has(lw)) return `<aggr:${lw}>`;
    if (lw === 'and' || lw === 'or' || lw === 'unless' || lw === 'atan2') return `<op:${lw}>`;
    if (KEYWORDS.has(lw)) return `<${lw}>`;
    if (lw === 'inf' || lw === 'nan') return `number "${w}"`;
    return `identifier "${w}"`;
  }
  m = /^(\d[\w.]*|\.\d[\w]*)/.exec(rest);
  if (m) return /[a-z]$/i.test(m[0]) && !/^0x/i.test(m[0]) ? `duration "${m[0]}"` : `number "${m[0]}"`;
  m = /^(==|!=|>=|<=|=~|!~|[-+*/%^<>=])/.exec(rest);
  if (m) return m[0] === '=' ? '"="' : `<op:${m[0]}>`;
  if (rest[0] === '"' || rest[0] === "'" || rest[0] === '`') return 'string';
  if (rest[0] === ',') return '","';
  return `"${rest[0]}"`;
}
