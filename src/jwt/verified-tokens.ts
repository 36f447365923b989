// Tokens whose signature and claims were already checked, answered again without the check while their entry
// lasts. The caller decides how long (`until`, ms: never past the token's own expiry) and clears the whole set
// when the issuer's keys change, so a removed key stops being accepted when it would without the cache.

export class VerifiedTokens<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();

  /** At most `max` tokens, the oldest dropped first; 0 keeps none. */
  constructor(private readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value stored with a token whose entry still lasts; an ended entry is dropped. */
  get(token: string): T | undefined {
    const hit = this.entries.get(token);
    if (hit === undefined) return undefined;
    if (hit.until > Date.now()) return hit.value;
    this.entries.delete(token);
    return undefined;
  }

  set(token: string, value: T, until: number): void {
    if (this.max <= 0) return;
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { value, until });
  }

  clear(): void {
    this.entries.clear();
  }
}
