// Go's number and fmt formatting, as Prometheus's rule templates print values: `{{ $value }}` is Go's %v of a
// float64, `humanize` uses %.4g, `printf` takes Go verbs. JavaScript's own formatting differs (exponent
// thresholds, two-digit exponents, trailing zeros), so annotations would not match Prometheus's byte for byte.

/** True when the decimal digits × 10^(exp - len + 1) are exactly the double |v| (BigInt arithmetic). */
function isExactDecimal(v: number, digits: string, exp: number): boolean {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(v));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  if (biased !== 0) mant |= 1n << 52n;
  const e2 = (biased === 0 ? 1 : biased) - 1075;
  const k = exp - digits.length + 1;
  let lhs = mant;
  let rhs = BigInt(digits);
  if (e2 >= 0) lhs <<= BigInt(e2);
  else rhs <<= BigInt(-e2);
  if (k >= 0) rhs *= 10n ** BigInt(k);
  else lhs *= 10n ** BigInt(-k);
  return lhs === rhs;
}

/**
 * |v| rounded to `keep` significant digits when that is an exact tie that Go rounds down: JavaScript rounds
 * exact ties up, Go (strconv) to even. Null when it is not such a tie (JavaScript's rounding is then Go's).
 */
function tieToEven(v: number, keep: number): { digits: string; exp: number } | null {
  const [m, e] = Math.abs(v).toExponential().split('e') as [string, string];
  const short = m.replace('.', '');
  const exp = Number(e);
  if (keep < 1 || short.length !== keep + 1 || !short.endsWith('5') || Number(short[keep - 1]) % 2 !== 0) return null;
  if (!isExactDecimal(v, short, exp)) return null;
  return { digits: short.slice(0, keep).replace(/0+$/, '') || '0', exp };
}

/** Decimal digits (no trailing zeros) and exponent of |v|, rounded to `prec` significant digits (-1: shortest). */
function digitsOf(v: number, prec: number): { digits: string; exp: number } {
  const tie = prec < 0 ? null : tieToEven(v, Math.max(prec, 1));
  if (tie !== null) return tie;
  const s = prec < 0 ? Math.abs(v).toExponential() : Math.abs(v).toExponential(Math.max(prec - 1, 0));
  const [mant, e] = s.split('e') as [string, string];
  return { digits: mant.replace('.', '').replace(/0+$/, '') || '0', exp: Number(e) };
}

/** Digits and exponent written out without an exponent, with at least `decimals` decimals. */
function fixedFromDigits(digits: string, exp: number, decimals: number): string {
  const int = exp >= 0 ? digits.slice(0, exp + 1).padEnd(exp + 1, '0') : '0';
  const frac = (exp >= 0 ? digits.slice(exp + 1) : '0'.repeat(-exp - 1) + digits).padEnd(decimals, '0');
  return frac === '' ? int : `${int}.${frac}`;
}

/** Go's %.Nf: fixed notation with `prec` decimals, exact ties to even. */
export function formatF(v: number, prec = 6): string {
  const sp = special(v, false);
  if (sp !== null) return sp;
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const a = Math.abs(v);
  const exp = a === 0 ? 0 : Number(a.toExponential().split('e')[1]);
  // 0.5, 0.05 (prec 1), ...: a tie between zero and the first digit; zero is even.
  if (a !== 0 && exp + 1 + prec === 0 && a.toExponential().startsWith('5e') && isExactDecimal(v, '5', exp)) return `${sign}${(0).toFixed(prec)}`;
  const tie = a === 0 ? null : tieToEven(v, exp + 1 + prec);
  if (tie !== null) return sign + fixedFromDigits(tie.digits, tie.exp, prec);
  if (a >= 1e21) return sign + fixedFromDigits(digitsOf(v, -1).digits, exp, prec);
  return sign + a.toFixed(prec);
}

function special(v: number, plus: boolean): string | null {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return plus ? '+Inf' : 'Inf';
  if (v === -Infinity) return '-Inf';
  return null;
}

function expForm(sign: string, digits: string, exp: number): string {
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp);
  return `${sign}${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
}

/** Go's %g with a precision (`prec` significant digits), or %v / strconv 'g' -1 (shortest) when prec < 0. */
export function formatG(v: number, prec = -1): string {
  const sp = special(v, true);
  if (sp !== null) return sp;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  if (prec === 0) prec = 1;
  const sign = v < 0 ? '-' : '';
  const { digits, exp } = digitsOf(v, prec);
  let eprec = prec < 0 ? 6 : prec;
  if (prec >= 0 && eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  if (exp < -4 || exp >= eprec) return expForm(sign, digits, exp);
  return sign + fixedFromDigits(digits, exp, 0);
}

/** Go's %e with a precision (default 6). */
export function formatE(v: number, prec = 6): string {
  const sp = special(v, true);
  if (sp !== null) return sp;
  const s = v.toExponential(prec);
  const [mant, e] = s.split('e') as [string, string];
  const n = Number(e);
  return `${mant}e${n < 0 ? '-' : '+'}${Math.abs(n) < 10 ? '0' : ''}${Math.abs(n)}`;
}

/** A value as Go's %v prints it (floats shortest, maps as map[k:v ...]). */
export function formatV(x: unknown): string {
  if (typeof x === 'number') return formatG(x);
  if (typeof x === 'string') return x;
  if (typeof x === 'boolean') return String(x);
  if (x === null || x === undefined) return '<no value>';
  if (typeof x === 'object') {
    const keys = Object.keys(x).sort();
    return `map[${keys.map((k) => `${k}:${formatV((x as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
  return String(x);
}

function goQuote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function pad(s: string, width: number, flags: string): string {
  if (s.length >= width) return s;
  if (flags.includes('-')) return s.padEnd(width);
  if (flags.includes('0') && /^[+-]?[\d.]/.test(s)) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + s.slice(sign.length).padStart(width - sign.length, '0');
  }
  return s.padStart(width);
}

function toNumber(x: unknown): number {
  return typeof x === 'number' ? x : typeof x === 'string' ? Number(x) : NaN;
}

function verb(conv: string, flags: string, prec: number | undefined, arg: unknown): string {
  const num = toNumber(arg);
  const plus = (s: string) => (flags.includes('+') && !s.startsWith('-') ? `+${s}` : s);
  switch (conv) {
    case 'v': return formatV(arg);
    case 's': return typeof arg === 'number' ? `%!s(float64=${formatG(arg)})` : formatV(arg);
    case 'q': return goQuote(formatV(arg));
    case 'd': return Number.isInteger(num) ? plus(String(num)) : `%!d(float64=${formatG(num)})`;
    case 'f': case 'F': return plus(formatF(num, prec ?? 6));
    case 'e': return plus(formatE(num, prec ?? 6));
    case 'g': return plus(formatG(num, prec ?? -1));
    case 'x': return Number.isInteger(num) ? num.toString(16) : Buffer.from(formatV(arg)).toString('hex');
    default: return `%!${conv}(${formatV(arg)})`;
  }
}

/** Go's fmt.Sprintf for the verbs templates use (%v %s %q %d %f %e %g %x %%, flags, width, precision). */
export function sprintf(format: string, args: readonly unknown[]): string {
  let i = 0;
  const out = format.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (_m, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    if (i >= args.length) return `%!${conv}(MISSING)`;
    const s = verb(conv, flags, prec === undefined ? undefined : Number(prec), args[i++]);
    return pad(s, width === undefined ? 0 : Number(width), flags);
  });
  if (i < args.length) return `${out}%!(EXTRA ${args.slice(i).map((a) => `${typeof a === 'number' ? 'float64' : 'string'}=${formatV(a)}`).join(', ')})`;
  return out;
}
