import { describe, expect, it } from 'vitest';
import { CreditQueue } from '../../src/rpc/credit-queue.js';

/** A queue whose grants are recorded; `open` decides whether the call still takes credit. */
function queue(window: number, started = true): { q: CreditQueue<number>; grants: number[]; state: { open: boolean } } {
  const grants: number[] = [];
  const state = { open: true };
  const q = new CreditQueue<number>(
    window,
    (n) => {
      if (!state.open) return false;
      grants.push(n);
      return true;
    },
  );
  if (started) q.restart();
  return { q, grants, state };
}

describe('CreditQueue', () => {
  it('grants credit back each time the consumer has taken half a window', async () => {
    const { q, grants } = queue(4);
    for (let i = 0; i < 4; i++) {
      expect(q.spend()).toBe(true);
      q.push(i);
    }
    expect(q.spend()).toBe(false);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push((await q.next()).value as number);
    expect(got).toEqual([0, 1, 2, 3]);
    expect(grants).toEqual([2, 2]);
    // the 4 granted back (plus the 1 overdrawn above) leave 3
    expect([q.spend(), q.spend(), q.spend(), q.spend()]).toEqual([true, true, true, false]);
  });

  it('hands an item to a waiting consumer and counts it as taken', async () => {
    const { q, grants } = queue(2);
    const pending = q.next();
    q.push(7);
    expect(await pending).toEqual({ value: 7, done: false });
    expect(grants).toEqual([1]);
  });

  it('keeps counting while the call refuses credit, and grants the sum once it takes it', async () => {
    const { q, grants, state } = queue(4);
    state.open = false;
    for (let i = 0; i < 3; i++) q.push(i);
    await q.next();
    await q.next();
    expect(grants).toEqual([]);
    state.open = true;
    await q.next();
    expect(grants).toEqual([3]);
  });

  it('delivers what is buffered before the end or the failure', async () => {
    const { q } = queue(8);
    q.push(1);
    q.end();
    expect(await q.next()).toEqual({ value: 1, done: false });
    expect(await q.next()).toEqual({ value: undefined, done: true });

    const b = queue(8).q;
    b.push(1);
    const first = new Error('first');
    b.fail(first);
    b.fail(new Error('second'));
    expect(await b.next()).toEqual({ value: 1, done: false });
    await expect(b.next()).rejects.toBe(first);
  });

  it('wakes a waiting consumer on end, failure and close', async () => {
    const a = queue(2).q;
    const ended = a.next();
    a.end();
    expect(await ended).toEqual({ value: undefined, done: true });

    const b = queue(2).q;
    const failed = b.next();
    const err = new Error('x');
    b.fail(err);
    await expect(failed).rejects.toBe(err);

    const c = queue(2).q;
    const closed = c.next();
    c.close();
    expect(await closed).toEqual({ value: undefined, done: true });
  });

  it('close drops the buffer and sends no more credit; after a failure it keeps the failure', async () => {
    const { q, grants } = queue(2);
    q.push(1);
    q.push(2);
    q.close();
    expect(await q.next()).toEqual({ value: undefined, done: true });
    expect(grants).toEqual([]);

    const b = queue(2).q;
    const err = new Error('x');
    b.fail(err);
    b.close();
    await expect(b.next()).rejects.toBe(err);
  });

  it('restart offers the window less what is still buffered', () => {
    const { q } = queue(4, false);
    expect(q.spend()).toBe(false);
    expect(q.restart()).toBe(4);
    q.push(1);
    q.push(2);
    expect(q.restart()).toBe(2);
    expect([q.spend(), q.spend(), q.spend()]).toEqual([true, true, false]);
  });
});
