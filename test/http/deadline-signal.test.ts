// The light abort signals of src/http/deadline.ts: Cancellation (the caller went away) and Deadline
// following another signal. They stand in for AbortController / AbortSignal.any on every request, so they
// must behave as undici expects a signal to, and a deadline must not leave listeners on a long-lived signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cancellation, Deadline } from '../../src/http/deadline.js';

test('Cancellation: aborts once with an AbortError by default, calling each listener once; removed listeners are not called', () => {
  const c = new Cancellation();
  const calls: string[] = [];
  const removed = () => calls.push('removed');
  c.addEventListener('abort', () => calls.push('a'));
  c.addEventListener('abort', removed);
  c.removeEventListener('abort', removed);
  assert.equal(c.aborted, false);
  c.abort();
  c.abort(new Error('second'));
  assert.equal(c.aborted, true);
  assert.deepEqual(calls, ['a']);
  assert.ok(c.reason instanceof DOMException);
  assert.equal((c.reason as DOMException).name, 'AbortError');
});

test('Deadline.follow: aborts with the followed signal\'s reason, not as fired; an already aborted signal aborts at once', () => {
  const gone = new Cancellation();
  const d = new Deadline(60_000, () => new Error('timeout')).unref().follow(gone);
  gone.abort(new Error('client went away'));
  assert.equal(d.aborted, true);
  assert.equal(d.fired, false);
  assert.equal((d.reason as Error).message, 'client went away');
  d.clear();

  const ac = new AbortController();
  ac.abort();
  const d2 = new Deadline(60_000, () => new Error('timeout')).unref().follow(ac.signal);
  assert.equal(d2.aborted, true);
  d2.clear();
});

test('Deadline.clear stops following: many deadlines on one long-lived signal leave no listener behind', () => {
  let listeners = 0;
  const counting = new Cancellation();
  const add = counting.addEventListener.bind(counting);
  const remove = counting.removeEventListener.bind(counting);
  counting.addEventListener = (type, l) => { listeners++; add(type, l); };
  counting.removeEventListener = (type, l) => { listeners--; remove(type, l); };
  for (let i = 0; i < 100; i++) new Deadline(60_000, () => new Error('timeout')).unref().follow(counting).clear();
  assert.equal(listeners, 0);
  // And a cleared deadline no longer aborts when the signal does.
  const d = new Deadline(60_000, () => new Error('timeout')).unref().follow(counting);
  d.clear();
  counting.abort();
  assert.equal(d.aborted, false);
});

test('Deadline: fires after its time with the given reason', async () => {
  const d = new Deadline(20, () => new DOMException('too slow', 'TimeoutError'));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(d.fired, true);
  assert.equal(d.aborted, true);
  assert.equal((d.reason as DOMException).name, 'TimeoutError');
});
