// One IPC channel between the cluster's primary and one worker: requests with answers (either side may ask)
// and one-way pushes. Messages carry an `obspath` tag so other users of the channel (prom-client) are left alone.

export interface ChannelEnd {
  send(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  isConnected(): boolean;
}

type Message =
  | { obspath: 'call'; id: number; kind: string; payload: unknown }
  | { obspath: 'answer'; id: number; value?: unknown; error?: { message: string; reason?: string } }
  | { obspath: 'push'; kind: string; payload: unknown };

/** An error the other side threw while answering; `reason` is kept so typed errors can be rebuilt. */
export class RemoteError extends Error {
  constructor(message: string, readonly reason?: string) {
    super(message);
    this.name = 'RemoteError';
  }
}

type Handler = (payload: any) => unknown;

export class Channel {
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly #handlers = new Map<string, Handler>();
  readonly #pushHandlers = new Map<string, Handler>();

  constructor(private readonly end: ChannelEnd, private readonly timeoutMs = 5000) {
    end.on('message', (m) => this.#receive(m as Message));
  }

  /** Asks the other side; rejects when it throws, is gone, or does not answer within the timeout. */
  call<T>(kind: string, payload?: unknown): Promise<T> {
    if (!this.end.isConnected()) return Promise.reject(new RemoteError(`${kind}: the other process is gone`, 'disconnected'));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RemoteError(`${kind}: no answer within ${this.timeoutMs} ms`, 'timeout'));
      }, this.timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.end.send({ obspath: 'call', id, kind, payload } satisfies Message);
    });
  }

  push(kind: string, payload?: unknown): void {
    if (this.end.isConnected()) this.end.send({ obspath: 'push', kind, payload } satisfies Message);
  }

  /** Answers the other side's calls of `kind`. */
  handle(kind: string, handler: Handler): void {
    this.#handlers.set(kind, handler);
  }

  onPush(kind: string, handler: Handler): void {
    this.#pushHandlers.set(kind, handler);
  }

  /** Fails every call still waiting (the other side exited). */
  failPending(why: string): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new RemoteError(why, 'disconnected'));
      this.#pending.delete(id);
    }
  }

  #receive(m: Message): void {
    if (typeof m !== 'object' || m === null || !('obspath' in m)) return;
    if (m.obspath === 'push') this.#pushHandlers.get(m.kind)?.(m.payload);
    else if (m.obspath === 'call') void this.#answer(m.id, m.kind, m.payload);
    else if (m.obspath === 'answer') {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.error) p.reject(new RemoteError(m.error.message, m.error.reason));
      else p.resolve(m.value);
    }
  }

  async #answer(id: number, kind: string, payload: unknown): Promise<void> {
    const handler = this.#handlers.get(kind);
    let answer: Message;
    try {
      if (!handler) throw new Error(`no handler for "${kind}"`);
      answer = { obspath: 'answer', id, value: await handler(payload) };
    } catch (err) {
      const e = err as Error & { reason?: unknown };
      answer = { obspath: 'answer', id, error: { message: e.message ?? String(err), reason: typeof e.reason === 'string' ? e.reason : undefined } };
    }
    if (this.end.isConnected()) this.end.send(answer);
  }
}
