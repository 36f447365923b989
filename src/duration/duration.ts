// Durations, one scanner for the two grammars obspath reads: Go's time.ParseDuration (flags, config files,
// tenants' rate limits: "1.5h", "250ms", units in any order) and Prometheus's model.ParseDuration (PromQL:
// integers only, units y w d h m s ms, each at most once and in that order). A library: config/ and promql/
// both use it.

export interface DurationGrammar {
  /** Unit names and their size in ms, largest first. */
  units: ReadonlyMap<string, number>;
  /** Fractional numbers ("1.5h") are allowed. */
  fractions: boolean;
  /** Units must follow the order of `units`, each at most once (Prometheus); otherwise any order, summed (Go). */
  ordered: boolean;
}

export const GO_DURATION: DurationGrammar = {
  units: new Map([['y', 31_536_000_000], ['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1], ['us', 1e-3], ['µs', 1e-3], ['ns', 1e-6]]),
  fractions: true,
  ordered: false,
};

export const PROMETHEUS_DURATION: DurationGrammar = {
  units: new Map([['y', 365 * 86_400_000], ['w', 7 * 86_400_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]]),
  fractions: false,
  ordered: true,
};

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/**
 * Milliseconds of `s` in `grammar`: a sequence of <number><unit> parts (a unit is the whole run of characters
 * up to the next digit or dot, as in Go), or "0"; null when `s` is anything else.
 */
export function scanDuration(s: string, grammar: DurationGrammar): number | null {
  if (s === '0') return 0;
  if (s === '') return null;
  const order = [...grammar.units.keys()];
  let total = 0;
  let lastUnit = -1;
  let pos = 0;
  while (pos < s.length) {
    const start = pos;
    while (isDigit(s[pos])) pos++;
    if (pos === start) return null;
    if (grammar.fractions && s[pos] === '.' && isDigit(s[pos + 1])) {
      pos++;
      while (isDigit(s[pos])) pos++;
    }
    const value = Number(s.slice(start, pos));
    const unitStart = pos;
    while (pos < s.length && !isDigit(s[pos]) && s[pos] !== '.') pos++;
    const unit = s.slice(unitStart, pos);
    const size = grammar.units.get(unit);
    if (size === undefined) return null;
    if (grammar.ordered) {
      const i = order.indexOf(unit);
      if (i <= lastUnit) return null;
      lastUnit = i;
    }
    total += value * size;
  }
  return total;
}

/** `ms` as whole units, largest first (["1h", "30m"]), and the ms left over. */
export function splitDuration(ms: number, units: readonly (readonly [string, number])[]): { parts: string[]; rest: number } {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  return { parts, rest };
}

const GO_FORMAT_UNITS = [['h', 3_600_000], ['m', 60_000]] as const;

/** Parses a Go duration ("250ms", "1m30s", "1.5h"; surrounding spaces ignored) to ms; throws on anything else. */
export function parseGoDuration(text: string): number {
  const s = text.trim();
  if (s === '') throw new Error('invalid duration "": expected e.g. 500ms, 30s, 5m');
  const ms = scanDuration(s, GO_DURATION);
  if (ms === null) throw new Error(`invalid duration "${text}": expected e.g. 500ms, 30s, 5m, 1h30m`);
  return ms;
}

/** Formats ms the Go way ("1m30s", "1.5s", "250ms"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const { parts, rest } = splitDuration(ms, GO_FORMAT_UNITS);
  if (rest > 0) parts.push(`${rest / 1000}s`);
  return parts.join('');
}

/** Parses a Prometheus duration (`1h30m`, `5m`, `0`) to ms; null if not one. */
export function parsePrometheusDuration(s: string): number | null {
  return scanDuration(s, PROMETHEUS_DURATION);
}

/** Formats ms as a Prometheus duration (`1h30m`, `1m30s`, `500ms`; `0s` for zero; a minus sign when negative). */
export function formatPrometheusDuration(ms: number): string {
  if (ms === 0) return '0s';
  const { parts } = splitDuration(Math.abs(ms), [...PROMETHEUS_DURATION.units]);
  return (ms < 0 ? '-' : '') + parts.join('');
}
