// The functions Prometheus's templates offer (template/template.go) that need no query engine, plus Go's
// text/template builtins. Numbers follow Go's formatting (gofmt.ts) so the text matches Prometheus's.
import { formatG, formatV, sprintf } from './gofmt.js';

export type TemplateFunc = (...args: unknown[]) => unknown;

/** Go's truth: false, 0, "", nil and empty maps/lists are false. */
export function truth(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function toFloat(x: unknown): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'string') {
    const t = x.trim();
    const n = /^[-+]?inf(inity)?$/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(t) ? NaN : Number(t);
    if (t === '' || (Number.isNaN(n) && !/^nan$/i.test(t))) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(x)}: invalid syntax`);
    return n;
  }
  throw new Error(`can't convert ${typeof x} to float`);
}

const g4 = (v: number) => formatG(v, 4);
const SMALL = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

function scaleDown(v: number): [number, string] {
  let prefix = '';
  for (const p of SMALL) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return [v, prefix];
}

export function humanize(x: unknown): string {
  let v = toFloat(x);
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  const [s, prefix] = scaleDown(v);
  return g4(s) + prefix;
}

export function humanize1024(x: unknown): string {
  let v = toFloat(x);
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

export function humanizeDuration(x: unknown): string {
  let v = toFloat(x);
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return `${g4(v)}s`;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    const d = Math.trunc(v);
    const [s, m, h, days] = [d % 60, Math.trunc(d / 60) % 60, Math.trunc(d / 3600) % 24, Math.trunc(d / 86400)];
    if (days !== 0) return `${sign}${days}d ${h}h ${m}m ${s}s`;
    if (h !== 0) return `${sign}${h}h ${m}m ${s}s`;
    if (m !== 0) return `${sign}${m}m ${s}s`;
    return `${sign}${g4(v)}s`;
  }
  const [s, prefix] = scaleDown(v);
  return `${g4(s)}${prefix}s`;
}

export function humanizePercentage(x: unknown): string {
  return `${g4(toFloat(x) * 100)}%`;
}

/** Go's time.Time String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC". */
export function humanizeTimestamp(x: unknown): string {
  const v = toFloat(x);
  if (!Number.isFinite(v)) return g4(v);
  const d = new Date(v * 1000);
  const frac = (v * 1000) % 1000 === 0 ? '' : `.${String(Math.round(((v % 1) + 1) % 1 * 1e9)).padStart(9, '0').replace(/0+$/, '')}`;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}${frac} +0000 UTC`;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new Error(`incompatible types for comparison: ${typeof a} and ${typeof b}`);
}

export const TEMPLATE_FUNCS: Record<string, TemplateFunc> = {
  humanize, humanize1024, humanizeDuration, humanizePercentage, humanizeTimestamp,
  toUpper: (s) => String(s).toUpperCase(),
  toLower: (s) => String(s).toLowerCase(),
  title: (s) => String(s).replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase()),
  stripPort: (s) => String(s).replace(/^\[?([^\]]*?)\]?:\d+$/, '$1'),
  stripDomain: (s) => { const [host, port] = String(s).split(/:(?=\d+$)/); return host!.split('.')[0]! + (port ? `:${port}` : ''); },
  match: (re, s) => new RegExp(String(re)).test(String(s)),
  reReplaceAll: (re, repl, s) => String(s).replace(new RegExp(String(re), 'g'), String(repl).replace(/\$\{?(\w+)\}?/g, '$$$1')),
  safeHtml: (s) => String(s),
  urlQueryEscape: (s) => encodeURIComponent(String(s)).replace(/%20/g, '+'),
  toTime: (x) => new Date(toFloat(x) * 1000).toISOString(),
  printf: (f, ...args) => sprintf(String(f), args),
  print: (...args) => args.map(formatV).join(''),
  println: (...args) => `${args.map(formatV).join(' ')}\n`,
  len: (x) => (typeof x === 'string' || Array.isArray(x) ? x.length : x !== null && typeof x === 'object' ? Object.keys(x).length : 0),
  index: (x, ...keys) => keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? ((v as Record<string, unknown>)[String(k)] ?? '') : ''), x),
  not: (x) => !truth(x),
  and: (...xs) => xs.find((x) => !truth(x)) ?? xs.at(-1),
  or: (...xs) => xs.find((x) => truth(x)) ?? xs.at(-1),
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
};
