// A size-bounded least-recently-used cache (Map keeps insertion order; a hit re-inserts the entry).

export class Lru<K, V> {
  private readonly map = new Map<K, { value: V; cost: number }>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(
    /** Total cost (bytes, roughly) the cache may hold. */
    readonly maxCost: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get cost(): number {
    return this.used;
  }

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: K, value: V, cost: number): void {
    const old = this.map.get(key);
    if (old !== undefined) {
      this.used -= old.cost;
      this.map.delete(key);
    }
    if (cost > this.maxCost) return; // would evict everything else and still not fit
    this.map.set(key, { value, cost });
    this.used += cost;
    for (const [k, e] of this.map) {
      if (this.used <= this.maxCost) break;
      this.map.delete(k);
      this.used -= e.cost;
    }
  }

  clear(): void {
    this.map.clear();
    this.used = 0;
  }
}
