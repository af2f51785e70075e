import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { memoryEngine } from '../../src/engine/index.js';
import { delegate } from '../engine/delegate.js';
import type { StreamPosition } from '../../src/rpc/topic.js';
import { until } from './fixture.js';
import { chatClient, collect, serveChat } from './topics-fixture.js';

/** The memory engine, with each history read held back after it was taken until the test opens the gate. */
function gatedHistory(): { engine: Engine; entered: () => number; open: () => void } {
  const inner = memoryEngine();
  let entered = 0;
  let release: (() => void) | null = null;
  const gate = new Promise<void>((r) => (release = r));
  const engine = delegate(inner, {
    history: async (c, q) => {
      const taken = await inner.history(c, q);
      entered++;
      await gate;
      return taken;
    },
  });
  return { engine, entered: () => entered, open: () => release?.() };
}

describe('a subscription catching up merges history and the live publications held meanwhile', () => {
  it.each([
    ['held publications fit', 100],
    ['held publications overflow, so history is read again', 3],
  ])('%s: every publication once, in order, no reset', async (_name, maxRecoveryBuffer) => {
    const gated = gatedHistory();
    const { server, url } = await serveChat({ engine: gated.engine, limits: { maxRecoveryBuffer } });
    const say = (n: number) => server.publish('room', { room: 'merge' }, { from: 's', text: String(n) });
    for (let n = 1; n <= 5; n++) await say(n);
    const c = chatClient(url, 'ada');
    const sub = c.room.subscribe({ room: 'merge' });
    const resets: StreamPosition[] = [];
    sub.on('reset', (p) => resets.push(p));
    const got = collect(sub);
    await until(() => gated.entered() === 1);
    // published after the history read was taken and before it is answered: only the live path has them
    for (let n = 6; n <= 15; n++) await say(n);
    gated.open();
    await sub.ready();
    await say(16);
    await until(() => got.items.length === 11);
    expect(got.items.map((m) => Number(m.text))).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(resets).toEqual([]);
    expect(gated.entered()).toBe(maxRecoveryBuffer === 3 ? 2 : 1);
  });

  it('held publications overflow and history is too short to bridge them: a Reset, then live', async () => {
    const gated = gatedHistory();
    const { server, url } = await serveChat({ engine: gated.engine, limits: { maxRecoveryBuffer: 3 } });
    const c = chatClient(url, 'ada');
    const sub = c.small.subscribe({ id: 1 });
    const resets: StreamPosition[] = [];
    sub.on('reset', (p) => resets.push(p));
    const got = collect(sub);
    await until(() => gated.entered() === 1);
    for (let n = 1; n <= 10; n++) await server.publish('small', { id: 1 }, { n });
    gated.open();
    await sub.ready();
    await server.publish('small', { id: 1 }, { n: 11 });
    await until(() => got.items.length === 4);
    // 1-3 were held, 4-10 were not; the second history read starts at 8 (a history of 3), so it cannot continue after 3
    expect(got.items.map((m) => m.n)).toEqual([1, 2, 3, 11]);
    expect(resets.map((p) => p.offset)).toEqual([10]);
  });
});
