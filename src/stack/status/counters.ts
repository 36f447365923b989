// Counters read from the components' /metrics, turned into "what happened lately": per label value, how much a
// counter grew over a recent window. Hop states are derived from these recent outcomes, not from totals since start.
import { parseExposition, type ExposedSample } from '../../exposition/parse.js';

/** label value -> count (e.g. code "200" -> 12). */
export type Counts = Record<string, number>;

/** Sums `name`'s samples by one label (the others summed over); an absent metric gives {}. */
export function sumBy(samples: readonly ExposedSample[], name: string, label: string): Counts {
  const out: Counts = {};
  for (const s of samples) {
    if (s.name !== name) continue;
    const key = s.labels.find((l) => l.name === label)?.value ?? '';
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** The value of a label-less gauge, or undefined. */
export function gaugeValue(samples: readonly ExposedSample[], name: string): number | undefined {
  return samples.find((s) => s.name === name && s.labels.length === 0)?.value;
}

/** A metrics body parsed; undefined when it is not valid exposition text. */
export function parseMetrics(text: string): ExposedSample[] | undefined {
  try {
    return parseExposition(text);
  } catch {
    return undefined;
  }
}

/** Several families in one Counts, each key prefixed ("code:200", "fail:timeout"), so they share one window. */
export function joined(parts: Record<string, Counts>): Counts {
  const out: Counts = {};
  for (const [prefix, c] of Object.entries(parts)) for (const [k, v] of Object.entries(c)) out[`${prefix}:${k}`] = v;
  return out;
}

/** One family back out of a joined Counts. */
export function part(c: Counts, prefix: string): Counts {
  const out: Counts = {};
  for (const [k, v] of Object.entries(c)) if (k.startsWith(`${prefix}:`)) out[k.slice(prefix.length + 1)] = v;
  return out;
}

export const total = (c: Counts): number => Object.values(c).reduce((a, b) => a + b, 0);

/** Growth of each key from `prev` to `cur`; a key that went down was reset (a restarted process): its value is the growth. */
export function growth(prev: Counts, cur: Counts): Counts {
  const out: Counts = {};
  for (const [k, v] of Object.entries(cur)) {
    const before = prev[k] ?? 0;
    const d = v >= before ? v - before : v;
    if (d > 0) out[k] = d;
  }
  return out;
}

/**
 * One counter family's recent growth (or several joined: requests and their failures must age together). `recent()` sums the growth over the last `windowMs`; when nothing happened
 * in the window, the last growth seen within `holdMs` stands (a fleet manager request that times out after 5 s
 * happens less often than the window: its outcome must not flicker to "no evidence" between two requests).
 */
export class CounterWindow {
  #prev?: Counts;
  #steps: Array<{ at: number; d: Counts }> = [];
  #last?: { at: number; d: Counts };

  constructor(private readonly windowMs = 5000, private readonly holdMs = 60_000) {}

  /** Records a new reading of the totals; undefined (unreachable) keeps the previous reading as the baseline. */
  observe(cur: Counts | undefined, now = Date.now()): void {
    if (cur === undefined) return;
    if (this.#prev !== undefined) {
      const d = growth(this.#prev, cur);
      if (total(d) > 0) {
        this.#steps.push({ at: now, d });
        this.#last = { at: now, d };
      }
    }
    this.#prev = cur;
    this.#steps = this.#steps.filter((s) => now - s.at <= this.windowMs);
  }

  recent(now = Date.now()): Counts {
    const out: Counts = {};
    for (const s of this.#steps) for (const [k, v] of Object.entries(s.d)) out[k] = (out[k] ?? 0) + v;
    if (total(out) > 0) return out;
    return this.#last && now - this.#last.at <= this.holdMs ? { ...this.#last.d } : {};
  }
}
