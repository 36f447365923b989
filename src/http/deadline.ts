// A per-request deadline that is also the abort signal handed to undici. undici takes any object with
// `aborted`, `reason` and add/removeEventListener; this one is far lighter than an AbortController (an
// EventTarget) and AbortSignal.any, which were a visible share of every proxied request's CPU time.

export class Deadline {
  readonly #timer: NodeJS.Timeout;
  #listeners: Array<() => void> = [];
  /** The timer ran out (as opposed to an abort followed from another signal). */
  fired = false;
  aborted = false;
  reason?: unknown;

  /** Aborts with `reason()` after `ms`, unless cleared first. */
  constructor(readonly ms: number, reason: () => Error) {
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.abort(reason());
    }, ms);
  }

  /** The timer does not keep the process alive. */
  unref(): this {
    this.#timer.unref();
    return this;
  }

  /** Aborts too when `signal` does (a caller that went away), with its reason. */
  follow(signal: AbortSignal): this {
    if (signal.aborted) this.abort(signal.reason);
    else signal.addEventListener('abort', () => this.abort(signal.reason), { once: true });
    return this;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    clearTimeout(this.#timer);
    for (const l of this.#listeners.splice(0)) l();
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const i = this.#listeners.indexOf(listener);
    if (i >= 0) this.#listeners.splice(i, 1);
  }

  /** This object as undici's `signal` option is typed; undici uses only the members above. */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }

  clear(): void {
    clearTimeout(this.#timer);
  }

  /** `p`, or a rejection with the abort reason when the deadline passes (or the followed signal aborts) first. */
  race<T>(p: Promise<T>): Promise<T> {
    if (this.aborted) return Promise.reject(this.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.reason);
      this.addEventListener('abort', onAbort);
      p.then(resolve, reject).finally(() => this.removeEventListener('abort', onAbort));
    });
  }
}
