// A per-request deadline that is also the abort signal handed to undici. undici takes any object with
// `aborted`, `reason` and add/removeEventListener; this one is far lighter than an AbortController (an
// EventTarget) and AbortSignal.any, which were a visible share of every proxied request's CPU time.

/** What undici and Deadline.follow read of an abort signal: an AbortSignal is one, and so is Cancellation. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * An abort signal without a timer, for "the caller went away": the same members as AbortSignal that
 * undici and Deadline use, at a fraction of an AbortController's cost (an EventTarget per request).
 */
export class Cancellation implements CancelSignal {
  #listeners: Array<() => void> = [];
  aborted = false;
  reason?: unknown;

  /** Aborts with `reason` (by default an AbortError, as AbortController.abort() gives). */
  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
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
}

/** A Cancellation that also aborts by itself after `ms`: the listener plumbing is Cancellation's. */
export class Deadline extends Cancellation {
  readonly #timer: NodeJS.Timeout;
  #followed?: { signal: CancelSignal; listener: () => void };
  /** The timer ran out (as opposed to an abort followed from another signal). */
  fired = false;

  /** Aborts with `reason()` after `ms`, unless cleared first. */
  constructor(readonly ms: number, reason: () => Error) {
    super();
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

  /** Aborts too when `signal` does (a caller that went away), with its reason; clear() stops following. */
  follow(signal: CancelSignal): this {
    if (signal.aborted) this.abort(signal.reason);
    else {
      const listener = () => this.abort(signal.reason);
      signal.addEventListener('abort', listener, { once: true });
      // Removed on clear(): a long-lived signal followed by many deadlines would otherwise collect listeners.
      this.#followed = { signal, listener };
    }
    return this;
  }

  override abort(reason?: unknown): void {
    if (this.aborted) return;
    clearTimeout(this.#timer);
    super.abort(reason);
  }

  clear(): void {
    clearTimeout(this.#timer);
    if (this.#followed) {
      this.#followed.signal.removeEventListener('abort', this.#followed.listener);
      this.#followed = undefined;
    }
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
