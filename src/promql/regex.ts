import v8 from 'node:v8';
import { translateClass } from './regex-class.js';

// Go RE2 regular expressions (as PromQL label matchers use them: fully anchored, `.` matching newlines) translated
// to JavaScript RegExp, plus fast paths that avoid regexes entirely (literal, `a|b|c` set lookup, prefix/suffix).
//
// JS regexes backtrack, so a pattern like `(a+)+$` can take exponential time where RE2 is linear. Two defences:
//  1. We reject the shapes that cause exponential backtracking: a repeated group that itself contains a repetition
//     (star height 2, `(a+)+`) and a repeated alternation whose branches can start the same way (`(a|ab)*`,
//     `(.|x)+`, `(|a)*`). Patterns are also capped in length. Checked while translating, before any RegExp exists.
//  2. For what remains (polynomial blow-ups like `.*.*.*.*x`), we turn on V8's fallback to its linear-time
//     (automaton) engine after excessive backtracking. That engine does not support the `u` flag, so patterns are
//     compiled without it (only `\p{...}` classes need `u`; those rely on rule 1 alone).

export class RegexError extends Error {}

v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

export const MAX_REGEX_LENGTH = 64 * 1024;
const MAX_REPEAT = 1000;

export interface Flags {
  i: boolean;
  s: boolean;
  U: boolean;
  m: boolean;
}

interface GroupState {
  flags: Flags;
  /** Flags outside this group, restored on ')'. */
  outer: Flags;
  hasRepeat: boolean;
  hasAlternation: boolean;
  branchStarts: string[];
  branchStart: string | null;
  out: string;
  /** Prefix written for the group, e.g. '(?:' — empty for the top level. */
  open: string;
}

export const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
function escapeLiteral(ch: string): string {
  return JS_SYNTAX.has(ch) ? '\\' + ch : ch;
}

function caseFold(ch: string): string {
  const lo = ch.toLowerCase();
  const up = ch.toUpperCase();
  if (lo === up || lo.length !== ch.length || up.length !== ch.length) return escapeLiteral(ch);
  return `[${escapeLiteral(lo)}${escapeLiteral(up)}]`;
}

/** Translates an RE2 pattern into JS RegExp source (for regexFlags(src)), rejecting dangerous shapes. */
export function translateRegex(pattern: string): string {
  if (pattern.length > MAX_REGEX_LENGTH) throw new RegexError(`regular expression too long (${pattern.length} > ${MAX_REGEX_LENGTH} characters)`);
  const top: GroupState = newGroup({ i: false, s: true, U: false, m: false }, '');
  const stack: GroupState[] = [top];
  const cps = Array.from(pattern);
  let lastAtomStart = -1; // index in cur.out where the last quantifiable atom starts
  let lastAtomIsGroup: GroupState | null = null;
  let lastAtomText = '';

  const cur = () => stack[stack.length - 1]!;
  const emitAtom = (js: string, text: string, group: GroupState | null = null) => {
    const g = cur();
    if (g.branchStart === null) g.branchStart = text;
    lastAtomStart = g.out.length;
    g.out += js;
    lastAtomIsGroup = group;
    lastAtomText = text;
  };

  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const g = cur();
    switch (c) {
      case '(': {
        let open = '(';
        const outer = { ...g.flags };
        const flags = { ...g.flags };
        if (cps[i + 1] === '?') {
          const rest = cps.slice(i + 2, i + 40).join('');
          const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
          if (named) {
            open = `(?<${named[1]}>`;
            i += 1 + named[0].length;
          } else {
            const fm = /^(-?[imsU]*|[imsU]+-[imsU]*)([:)])/.exec(rest);
            if (!fm || fm[1] === '' || fm[1] === '-') throw new RegexError(`invalid or unsupported Perl syntax: \`(?${rest.slice(0, 1)}\``);
            let on = true;
            for (const f of fm[1]!) {
              if (f === '-') on = false;
              else flags[f as keyof Flags] = on;
            }
            i += 1 + fm[0].length;
            if (fm[2] === ')') {
              g.flags = flags; // (?i) applies to the rest of the enclosing group
              break;
            }
            open = '(?:';
          }
        }
        const ng = newGroup(flags, open);
        ng.outer = outer;
        stack.push(ng);
        lastAtomStart = -1;
        break;
      }
      case ')': {
        if (stack.length === 1) throw new RegexError('unexpected ): `' + pattern + '`');
        stack.pop();
        endBranch(g);
        const parent = cur();
        emitAtom(g.open + g.out + ')', 'group:' + g.out, g);
        if (g.hasRepeat) parent.hasRepeat = true;
        if (g.hasAlternation) parent.hasAlternation = true;
        break;
      }
      case '|':
        endBranch(g);
        g.hasAlternation = true;
        g.out += '|';
        lastAtomStart = -1;
        break;
      case '*':
      case '+':
      case '?':
      case '{': {
        let min = 0;
        let max = Infinity;
        let text: string = c;
        if (c === '{') {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(cps.slice(i, i + 16).join(''));
          if (!m) {
            emitAtom('\\{', '{');
            break;
          }
          min = Number(m[1]);
          max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
          if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT) || max < min) {
            throw new RegexError(`invalid repeat count: \`${m[0]}\``);
          }
          text = m[0];
          i += m[0].length - 1;
        } else if (c === '+') min = 1;
        else if (c === '?') max = 1;
        if (lastAtomStart < 0) throw new RegexError(`missing argument to repetition operator: \`${text}\``);
        let lazy = false;
        if (cps[i + 1] === '?') {
          lazy = true;
          i++;
        }
        if (g.flags.U) lazy = !lazy;
        const repeats = max > 1;
        const inner = lastAtomIsGroup as GroupState | null;
        if (repeats && inner) {
          if (inner.hasRepeat) throw new RegexError('regular expression rejected: nested repetition (e.g. `(a+)+`) can backtrack catastrophically');
          if (inner.hasAlternation && branchesOverlap(inner.branchStarts)) {
            throw new RegexError('regular expression rejected: repeated alternation with overlapping branches (e.g. `(a|ab)*`) can backtrack catastrophically');
          }
        }
        if (repeats) g.hasRepeat = true;
        g.out += text + (lazy ? '?' : '');
        lastAtomStart = -1;
        void lastAtomText;
        break;
      }
      case '[': {
        const [js, next] = translateClass(cps, i, g.flags);
        emitAtom(js, 'class:' + cps.slice(i, next).join(''));
        i = next - 1;
        break;
      }
      case '.':
        emitAtom(g.flags.s ? '.' : '[^\\n]', '.');
        break;
      case '^':
        if (g.flags.m) throw new RegexError('multi-line mode (?m) is not supported');
        g.out += '^';
        lastAtomStart = -1;
        break;
      case '$':
        if (g.flags.m) throw new RegexError('multi-line mode (?m) is not supported');
        g.out += '$';
        lastAtomStart = -1;
        break;
      case '\\': {
        const e = cps[i + 1];
        if (e === undefined) throw new RegexError('trailing backslash at end of expression: ``');
        i++;
        if (e === 'Q') {
          const end = cps.indexOf('\\', i + 1);
          let j = i + 1;
          const stop = end >= 0 && cps[end + 1] === 'E' ? end : cps.length;
          for (; j < stop; j++) emitAtom(g.flags.i ? caseFold(cps[j]!) : escapeLiteral(cps[j]!), cps[j]!);
          i = stop === cps.length ? stop : stop + 1;
          break;
        }
        const [js, text] = translateEscape(e, cps, i, g.flags, false);
        i += text.length - 1;
        if (js === '^' || js === '$' || js === '\\b' || js === '\\B') {
          g.out += js;
          lastAtomStart = -1;
        } else emitAtom(js, text);
        break;
      }
      default:
        emitAtom(g.flags.i ? caseFold(c) : escapeLiteral(c), c);
    }
  }
  if (stack.length > 1) throw new RegexError('missing closing ): `' + pattern + '`');
  return top.out;
}

function newGroup(flags: Flags, open: string): GroupState {
  return { flags: { ...flags }, outer: flags, hasRepeat: false, hasAlternation: false, branchStarts: [], branchStart: null, out: '', open };
}

function endBranch(g: GroupState): void {
  g.branchStarts.push(g.branchStart ?? '');
  g.branchStart = null;
}

function branchesOverlap(starts: string[]): boolean {
  const seen = new Set<string>();
  for (const s of starts) {
    if (s === '' || s === '.' || s.startsWith('class:') || s.startsWith('group:') || s.startsWith('\\')) return true;
    const k = s.toLowerCase();
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

/** Translates the escape `\e` (e at cps[i]); returns JS source and the consumed text (starting at e). */
export function translateEscape(e: string, cps: string[], i: number, flags: Flags, inClass: boolean): [string, string] {
  switch (e) {
    case 'd': case 'D': case 'w': case 'W':
      return ['\\' + e, e];
    case 's':
      return [inClass ? '\\t\\n\\f\\r ' : '[\\t\\n\\f\\r ]', e];
    case 'S':
      return [inClass ? '\\S' : '[^\\t\\n\\f\\r ]', e];
    case 'b': case 'B':
      if (inClass) throw new RegexError('invalid escape sequence: `\\' + e + '`');
      return ['\\' + e, e];
    case 'A':
      return ['^', e];
    case 'z':
      return ['$', e];
    case 'n': return ['\\n', e];
    case 't': return ['\\t', e];
    case 'r': return ['\\r', e];
    case 'f': return ['\\f', e];
    case 'v': return ['\\v', e];
    case 'a': return ['\\x07', e];
    case 'p': case 'P': {
      const m = /^[pP](\{\^?[A-Za-z_]+\}|[A-Za-z])/.exec(cps.slice(i, i + 40).join(''));
      if (!m) throw new RegexError('invalid character class range: `\\' + e + '`');
      let name = m[1]!.replace(/[{}]/g, '');
      let neg = e === 'P';
      if (name.startsWith('^')) {
        neg = !neg;
        name = name.slice(1);
      }
      const prop = name.length <= 2 ? `General_Category=${name}` : `Script=${name}`;
      return [`\\${neg ? 'P' : 'p'}{${prop}}`, m[0]];
    }
    case 'x': {
      const rest = cps.slice(i + 1, i + 12).join('');
      const m = /^\{([0-9a-fA-F]{1,6})\}|^([0-9a-fA-F]{2})/.exec(rest);
      if (!m) throw new RegexError('invalid escape sequence: `\\x`');
      const cp = parseInt(m[1] ?? m[2]!, 16);
      const ch = String.fromCodePoint(cp);
      return [flags.i && !inClass ? caseFold(ch) : codePointEscape(cp), 'x' + m[0]];
    }
    default:
      if (/[0-7]/.test(e)) {
        const m = /^[0-7]{1,3}/.exec(cps.slice(i, i + 3).join(''))!;
        if (e !== '0' && m[0].length === 1) throw new RegexError('invalid escape sequence: `\\' + e + '`');
        return [codePointEscape(parseInt(m[0], 8)), m[0]];
      }
      if (/[A-Za-z0-9_]/.test(e)) throw new RegexError('invalid escape sequence: `\\' + e + '`');
      if (inClass) return [JS_SYNTAX.has(e) || e === '-' ? '\\' + e : e, e];
      return [flags.i ? caseFold(e) : escapeLiteral(e), e];
  }
}

/** A compiled string predicate for a regex matcher value (fully anchored, like Prometheus). */
export function compileRegexPredicate(pattern: string): (s: string) => boolean {
  const fast = fastPath(pattern);
  if (fast) return fast;
  const src = translateRegex(pattern);
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${src})$`, regexFlags(src));
  } catch (err) {
    throw new RegexError(`error parsing regexp: ${(err as Error).message}`);
  }
  return (s) => re.test(s);
}

const META = /[\\.+*?()|[\]{}^$]/;

/** Literal, literal-set, prefix/suffix/contains and match-all fast paths; null when the pattern needs a regex. */
function fastPath(p: string): ((s: string) => boolean) | null {
  if (!META.test(p)) return (s) => s === p;
  if (p === '.*') return () => true;
  if (p === '.+') return (s) => s.length > 0;
  if (p.includes('|') && !/[\\.+*?()[\]{}^$]/.test(p)) {
    const set = new Set(p.split('|'));
    return (s) => set.has(s);
  }
  if (p.endsWith('.*') && !META.test(p.slice(0, -2))) {
    const pre = p.slice(0, -2);
    return (s) => s.startsWith(pre);
  }
  if (p.startsWith('.*') && !META.test(p.slice(2))) {
    const suf = p.slice(2);
    if (p.endsWith('.*') && p.length >= 4 && !META.test(p.slice(2, -2))) {
      const mid = p.slice(2, -2);
      return (s) => s.includes(mid);
    }
    return (s) => s.endsWith(suf);
  }
  if (p.startsWith('.*') && p.endsWith('.*') && p.length >= 4 && !META.test(p.slice(2, -2))) {
    const mid = p.slice(2, -2);
    return (s) => s.includes(mid);
  }
  return null;
}

/** The literal alternatives of a pure `a|b|c` pattern (for index lookups by stores), or null. */
export function regexSetValues(pattern: string): string[] | null {
  if (!META.test(pattern)) return [pattern];
  if (pattern.includes('|') && !/[\\.+*?()[\]{}^$]/.test(pattern)) return pattern.split('|');
  return null;
}

/** `\\uXXXX` escape(s) for a code point (a surrogate pair above the BMP), valid without the `u` flag. */
function codePointEscape(cp: number): string {
  return Array.from(String.fromCodePoint(cp), (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('');
}

/** RegExp flags for translated source: dotAll always; `u` only when Unicode property classes need it. */
export function regexFlags(src: string): string {
  return /\\[pP]\{/.test(src) ? 'su' : 's';
}

export function decodeUnicodeEscapes(js: string): string {
  return js.split('\\u').filter((x) => x !== '').map((h) => String.fromCharCode(parseInt(h, 16))).join('');
}
