// Go's number and fmt formatting, as Prometheus's rule templates print values: `{{ $value }}` is Go's %v of a
// float64, `humanize` uses %.4g, `printf` takes Go verbs. JavaScript's own formatting differs (exponent
// thresholds, two-digit exponents, trailing zeros), so annotations would not match Prometheus's byte for byte.

/** Decimal digits (no trailing zeros) and exponent of |v|, rounded to `prec` significant digits (-1: shortest). */
function digitsOf(v: number, prec: number): { digits: string; exp: number } {
  const s = prec < 0 ? Math.abs(v).toExponential() : Math.abs(v).toExponential(Math.max(prec - 1, 0));
  const [mant, e] = s.split('e') as [string, string];
  const digits = mant.replace('.', '').replace(/0+$/, '') || '0';
  return { digits, exp: Number(e) };
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
  const decimals = Math.max(digits.length - exp - 1, 0);
  return sign + Math.abs(v).toFixed(decimals);
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
    case 'f': case 'F': return special(num, flags.includes('+')) ?? plus(num.toFixed(prec ?? 6));
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
