import { describe, expect, it } from 'vitest';
import { unwatch, watch, type Timed } from '../../src/upgrade/deadlines.js';

interface Fired {
  name: string;
  /** How late it fired after its deadline, in ms (negative: early). */
  late: number;
}

function timed(name: string, log: Fired[]): Timed {
  const t: Timed = { deadline: 0, prevTimed: null, nextTimed: null, timedOut: () => log.push({ name, late: Date.now() - t.deadline }) };
  return t;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(5);
}

describe('handshake deadlines', () => {
  it('times out, in order and not early, those not unwatched; unwatching from any position keeps the others', async () => {
    const log: Fired[] = [];
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => timed(n, log));
    const q = watch(a, 40);
    expect(watch(b, 40)).toBe(q);
    expect(watch(c, 40)).toBe(q);
    unwatch(b, q);
    await sleep(20);
    expect(watch(d, 40)).toBe(q);
    unwatch(a, q);
    await until(() => log.length === 2);
    expect(log.map((f) => f.name)).toEqual(['c', 'd']);
    for (const f of log) expect(f.late).toBeGreaterThanOrEqual(0);
    expect(q.head).toBeNull();
    expect(q.timer).toBeNull();
  });

  it('drops the timer once its queue is empty, and serves each limit apart', async () => {
    const log: Fired[] = [];
    const slow = timed('slow', log);
    const fast = timed('fast', log);
    const qs = watch(slow, 60);
    const qf = watch(fast, 10);
    expect(qf).not.toBe(qs);
    unwatch(slow, qs);
    expect(qs.timer).toBeNull();
    await until(() => log.length === 1);
    await sleep(80);
    expect(log.map((f) => f.name)).toEqual(['fast']);
    expect(qf.timer).toBeNull();
  });
});
