// Parameter parsing with Prometheus's rules and messages (web/api/v1): times as RFC 3339 or unix seconds,
// durations as float seconds or Prometheus durations (match[] selectors: matchers-param.ts, which needs the
// PromQL parser; the console's proxy reads times and durations only and does not load it).
import { parseDuration } from '../config/duration.js';
import { PromQLError } from '../promql/errors.js';

// Prometheus's minTime/maxTime for "no bound", in ms.
export const MIN_TIME_MS = -9223372036854;
export const MAX_TIME_MS = 9223372036854;

export class ParamError extends PromQLError {
  constructor(message: string) {
    super('bad_data', message);
  }
}

export function parseTimeParam(params: URLSearchParams, name: string, fallbackMs: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallbackMs;
  const t = parseTime(raw);
  if (t === undefined) throw new ParamError(`invalid parameter "${name}": cannot parse "${raw}" to a valid timestamp`);
  return t;
}

/** Unix seconds (with fraction) or RFC 3339; Prometheus's special min/max time strings too. */
export function parseTime(raw: string): number | undefined {
  if (/^[+-]?\d+(\.\d+)?$/.test(raw)) {
    const secs = Number(raw);
    return Math.round(secs * 1000);
  }
  if (raw === '-292273086-05-16T16:47:06Z') return MIN_TIME_MS;
  if (raw === '292277025-08-18T07:12:54.999999999Z') return MAX_TIME_MS;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(raw)) return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : ms;
}

export function parseDurationParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (/^[+-]?\d+(\.\d+)?$/.test(raw)) {
    const ms = Number(raw) * 1000;
    if (!Number.isFinite(ms)) throw new ParamError(`invalid parameter "${name}": cannot parse "${raw}" to a valid duration. It overflows int64`);
    return ms;
  }
  try {
    return parseDuration(raw);
  } catch {
    throw new ParamError(`invalid parameter "${name}": cannot parse "${raw}" to a valid duration`);
  }
}

export function parseLimit(params: URLSearchParams): number {
  const raw = params.get('limit');
  if (raw === null || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new ParamError(`invalid parameter "limit": cannot parse "${raw}" to a valid limit`);
  return n;
}
