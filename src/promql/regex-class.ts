// RE2 character classes (`[a-z]`, `[^\\d]`, `[[:alpha:]]`, case folding under (?i)) translated to JS.

import { decodeUnicodeEscapes, JS_SYNTAX, RegexError, translateEscape, type Flags } from './regex.js';

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F', digit: '0-9',
  graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ', upper: 'A-Z',
  word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/** Translates a character class starting at cps[start] === '['; returns JS source and the index after ']'. */
export function translateClass(cps: string[], start: number, flags: Flags): [string, number] {
  let i = start + 1;
  let neg = false;
  if (cps[i] === '^') {
    neg = true;
    i++;
  }
  const items: string[] = [];
  const singles: string[] = [];
  let first = true;
  for (;;) {
    const c = cps[i];
    if (c === undefined) throw new RegexError('missing closing ]: `' + cps.slice(start).join('') + '`');
    if (c === ']' && !first) {
      i++;
      break;
    }
    first = false;
    if (c === '[' && cps[i + 1] === ':') {
      const m = /^\[:(\^?)([a-z]+):\]/.exec(cps.slice(i, i + 16).join(''));
      if (m && POSIX_CLASSES[m[2]!]) {
        if (m[1]) throw new RegexError('negated POSIX classes are not supported');
        items.push(POSIX_CLASSES[m[2]!]!);
        i += m[0].length;
        continue;
      }
    }
    let lo: string;
    if (c === '\\') {
      const e = cps[i + 1];
      if (e === undefined) throw new RegexError('missing closing ]');
      const [js, text] = translateEscape(e, cps, i + 1, flags, true);
      i += 1 + text.length;
      if (/^[dDwWsSpP]$/.test(e) || js.length > 2 || js.startsWith('\\u')) {
        if (js.startsWith('\\u')) {
          lo = decodeUnicodeEscapes(js);
        } else {
          items.push(js);
          continue;
        }
      } else lo = js.length === 2 ? js[1]! : js;
    } else {
      lo = c;
      i++;
    }
    if (cps[i] === '-' && cps[i + 1] !== undefined && cps[i + 1] !== ']') {
      let hi = cps[i + 1]!;
      i += 2;
      if (hi === '\\') {
        const e = cps[i]!;
        const [js, text] = translateEscape(e, cps, i, flags, true);
        i += text.length;
        hi = js.startsWith('\\u') ? decodeUnicodeEscapes(js) : js.length === 2 ? js[1]! : js;
      }
      if (hi.codePointAt(0)! < lo.codePointAt(0)!) throw new RegexError(`invalid character class range: \`${lo}-${hi}\``);
      items.push(`${classChar(lo)}-${classChar(hi)}`);
      if (flags.i) items.push(...foldRange(lo, hi));
    } else {
      singles.push(lo);
      items.push(classChar(lo));
      if (flags.i) {
        const l = lo.toLowerCase();
        const u = lo.toUpperCase();
        if (l !== lo && l.length === lo.length) items.push(classChar(l));
        if (u !== lo && u.length === lo.length) items.push(classChar(u));
      }
    }
  }
  return [`[${neg ? '^' : ''}${items.join('')}]`, i];
}

function classChar(ch: string): string {
  return JS_SYNTAX.has(ch) || ch === '-' ? '\\' + ch : ch;
}

function foldRange(lo: string, hi: string): string[] {
  const out: string[] = [];
  const a = lo.codePointAt(0)!;
  const b = hi.codePointAt(0)!;
  const la = Math.max(a, 97);
  const lb = Math.min(b, 122);
  if (la <= lb) out.push(`${String.fromCharCode(la - 32)}-${String.fromCharCode(lb - 32)}`);
  const ua = Math.max(a, 65);
  const ub = Math.min(b, 90);
  if (ua <= ub) out.push(`${String.fromCharCode(ua + 32)}-${String.fromCharCode(ub + 32)}`);
  return out;
}

