// The stack's change feed: one event per change worth a line (a hop changes state, an alert fires or resolves,
// the verdict changes, a component restarts, a fault is injected or cleared). The calm terminal prints it, the
// console shows it as the timeline. An in-memory ring: the newest MAX_EVENTS are kept.
export type StackEventKind =
  | 'start' | 'hop-state' | 'alert-firing' | 'alert-resolved' | 'verdict' | 'restart' | 'fault-injected' | 'fault-cleared';

export interface StackEvent {
  /** Increases by one per event, from 1; clients poll with ?since=<last seq seen>. */
  seq: number;
  /** ISO 8601 time of the change. */
  ts: string;
  kind: StackEventKind;
  /** One human line, without the timestamp. */
  text: string;
  hop?: string;
  fault?: string;
  alert?: string;
  verdict?: string;
}

const MAX_EVENTS = 1000;

export class StackEvents {
  private readonly ring: StackEvent[] = [];
  private seq = 0;
  private readonly listeners = new Set<(e: StackEvent) => void>();

  emit(e: Omit<StackEvent, 'seq' | 'ts'>): StackEvent {
    const event: StackEvent = { seq: ++this.seq, ts: new Date().toISOString(), ...e };
    this.ring.push(event);
    if (this.ring.length > MAX_EVENTS) this.ring.shift();
    for (const l of this.listeners) l(event);
    return event;
  }

  /** Events after `seq` (all kept ones for 0). */
  since(seq: number): StackEvent[] {
    return this.ring.filter((e) => e.seq > seq);
  }

  get lastSeq(): number {
    return this.seq;
  }

  subscribe(listener: (e: StackEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
