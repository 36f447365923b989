// JSON encoding byte-compatible with Prometheus's API: timestamps as float seconds, sample values as
// strings in Go's strconv.FormatFloat(v, 'f', -1, 64) form, NaN / +Inf / -Inf spelled as Prometheus does.
import type { Labels } from '../storage/interface.js';

/** Go's FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatSampleValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  if (!s.includes('e')) return s;
  // Expand JS's exponent form (1e+21, 1.5e-7) into plain digits.
  const neg = v < 0;
  const [mant, expStr] = (neg ? s.slice(1) : s).split('e') as [string, string];
  const exp = Number(expStr);
  const [intPart, frac = ''] = mant.split('.') as [string, string?];
  const digits = intPart + frac;
  const point = intPart.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${out}` : out;
}

/** Timestamps are JSON numbers of seconds with millisecond precision (1435781451.781). */
export function formatTimestamp(ms: number): string {
  return String(ms / 1000);
}

export function metricJson(labels: Labels): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    if (i > 0) out += ',';
    out += `${JSON.stringify(labels[i]!.name)}:${JSON.stringify(labels[i]!.value)}`;
  }
  return `${out}}`;
}

export function pointJson(ms: number, v: number): string {
  return `[${formatTimestamp(ms)},"${formatSampleValue(v)}"]`;
}

export function successJson(dataJson: string, warnings: readonly string[] = [], infos: readonly string[] = []): string {
  let out = `{"status":"success","data":${dataJson}`;
  if (warnings.length > 0) out += `,"warnings":${JSON.stringify(warnings)}`;
  if (infos.length > 0) out += `,"infos":${JSON.stringify(infos)}`;
  return `${out}}`;
}
