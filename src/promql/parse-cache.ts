// Parsed queries by their text. Dashboards, rules and the fleet manager send the same query text again and
// again, and parsing (lezer's tree, then our checks) was about a third of a selector query's time in the
// store's profile. Bounded (least recently used dropped first); errors are not kept. Cached trees are
// deep-frozen: a caller that rewrote one would change later answers, so it fails loudly instead.
import type { Expr } from './ast.js';

export class ParseCache {
  private readonly entries = new Map<string, Expr>();

  constructor(
    readonly maxEntries = 512,
    /** Longer texts are parsed every time (they are rarely repeated, and would hold much memory). */
    readonly maxTextLength = 4096,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The tree of `text` (parsed by `parse` on a miss); `key` must also name every parse option. */
  get(key: string, text: string, parse: (text: string) => Expr): Expr {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const expr = parse(text);
    if (text.length > this.maxTextLength || this.maxEntries <= 0) return expr;
    deepFreeze(expr);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, expr);
    return expr;
  }
}

function deepFreeze(v: unknown): void {
  if (v === null || typeof v !== 'object' || Object.isFrozen(v) || ArrayBuffer.isView(v)) return;
  Object.freeze(v);
  for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
}
