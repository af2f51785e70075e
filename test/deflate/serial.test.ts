import { describe, expect, it } from 'vitest';
import { Serial } from '../../src/deflate/serial.js';

describe('Serial', () => {
  it('runs tasks in call order, synchronous and asynchronous alike, and goes on after a failure', async () => {
    const q = new Serial();
    const log: string[] = [];
    const slow = (name: string, ms: number) => () =>
      new Promise<string>((resolve) => setTimeout(() => {
        log.push(name);
        resolve(name);
      }, ms));
    const results = Promise.allSettled([
      q.run(slow('a', 20)),
      q.run(() => {
        log.push('b');
        return 'b';
      }),
      q.run(() => {
        log.push('c');
        throw new Error('c failed');
      }),
      q.run(slow('d', 1)),
      q.run(() => Promise.reject(new Error('e failed'))),
      q.run(() => 'f'),
    ]);
    const settled = await results;
    expect(log).toEqual(['a', 'b', 'c', 'd']);
    expect(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'b', 'c failed', 'd', 'e failed', 'f']);
  });

  it('a synchronous task on an idle queue runs at once', () => {
    const q = new Serial();
    let ran = false;
    void q.run(() => {
      ran = true;
    });
    expect(ran).toBe(true);
  });
});
