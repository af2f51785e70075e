/**
 * An engine that loses deliveries (as the Redis engine does while its
 * connection is down) and says so with `interrupted()`: every subscription of
 * the channel catches up from history, so its client gets every publication
 * once, in order, and is told (reset) only what history cannot give back.
 */
import { describe, expect, it } from 'vitest';
import type { Engine, EngineHandler } from '../../src/engine/engine.js';
import { memoryEngine } from '../../src/engine/index.js';
import { delegate } from '../engine/delegate.js';
import type { StreamPosition } from '../../src/rpc/topic.js';
import { until } from './fixture.js';
import { chatClient, collect, serveChat } from './topics-fixture.js';

/** The memory engine, with deliveries to the node dropped while `cut`, `interrupt()` to report it, and history reads that can be held at a gate. */
function lossy(): { engine: Engine; cut(on: boolean): void; interrupt(channels: string[]): void; gate(): { entered: () => number; open: () => void } } {
  const inner = memoryEngine();
  let handler: EngineHandler | null = null;
  let dropping = false;
  let gate: Promise<void> | null = null;
  let entered = 0;
  const engine = delegate(inner, {
    start: (h) => {
      handler = h;
      return inner.start({
        publication: (c, p) => {
          if (!dropping) h.publication(c, p);
        },
        join: (c, id, info) => h.join(c, id, info),
        leave: (c, id, info) => h.leave(c, id, info),
      });
    },
    history: async (c, q) => {
      const taken = await inner.history(c, q);
      entered++;
      if (gate !== null) await gate;
      return taken;
    },
  });
  return {
    engine,
    cut: (on) => (dropping = on),
    interrupt: (channels) => handler?.interrupted?.(channels),
    gate: () => {
      let open = (): void => undefined;
      gate = new Promise<void>((r) => (open = r));
      entered = 0;
      return {
        entered: () => entered,
        open: () => {
          gate = null;
          open();
        },
      };
    },
  };
}

const ROOM = { room: 'lossy' };
const CHANNEL = 'room:{"room":"lossy"}';

async function setup() {
  const l = lossy();
  const { server, url } = await serveChat({ engine: l.engine });
  let n = 0;
  const say = () => server.publish('room', ROOM, { from: 's', text: String(++n) });
  const c = chatClient(url, 'ada');
  const sub = c.room.subscribe(ROOM);
  const resets: StreamPosition[] = [];
  sub.on('reset', (p) => resets.push(p));
  const got = collect(sub);
  await sub.ready();
  const texts = (): number[] => got.items.map((m) => Number(m.text));
  return { l, say, got, texts, resets, sub };
}

const upTo = (k: number): number[] => Array.from({ length: k }, (_, i) => i + 1);

describe('a subscription whose engine lost deliveries catches up from history', () => {
  it('a publication after a gap: the subscription reads the missing ones from history before it', async () => {
    const { l, say, got, texts, resets } = await setup();
    for (let i = 0; i < 3; i++) await say();
    l.cut(true);
    for (let i = 0; i < 4; i++) await say();
    l.cut(false);
    for (let i = 0; i < 3; i++) await say();
    await until(() => got.items.length >= 10);
    expect(texts()).toEqual(upTo(10));
    expect(resets).toEqual([]);
  });

  it('a gap at the end: interrupted() makes the subscription read what it missed', async () => {
    const { l, say, got, texts, resets, sub } = await setup();
    await say();
    l.cut(true);
    for (let i = 0; i < 5; i++) await say();
    l.cut(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(texts()).toEqual([1]);
    l.interrupt([CHANNEL, 'room:{"room":"elsewhere"}']);
    await until(() => got.items.length >= 6);
    await say();
    await until(() => got.items.length >= 7);
    expect(texts()).toEqual(upTo(7));
    expect(resets).toEqual([]);
    expect(sub.position?.offset).toBe(7);
  });

  it.each([
    ['interrupted() again', true],
    ['a held publication that does not follow', false],
  ])('a loss while it reads history, told by %s: it reads history again once merged', async (_how, told) => {
    const { l, say, got, texts, resets } = await setup();
    await say();
    const gate = l.gate();
    l.interrupt([CHANNEL]);
    await until(() => gate.entered() === 1);
    // Lost while the first read is held: neither that read nor the live path has them.
    l.cut(true);
    for (let i = 0; i < 3; i++) await say();
    l.cut(false);
    if (told) l.interrupt([CHANNEL]);
    else await say();
    gate.open();
    await until(() => got.items.length >= (told ? 4 : 5));
    await say();
    await until(() => got.items.length >= (told ? 5 : 6));
    expect(texts()).toEqual(upTo(told ? 5 : 6));
    expect(resets).toEqual([]);
  });

  it('publications lost beyond what history keeps: a reset to the current position, then live', async () => {
    const l = lossy();
    const { server, url } = await serveChat({ engine: l.engine });
    const c = chatClient(url, 'ada');
    const sub = c.small.subscribe({ id: 9 });
    const resets: StreamPosition[] = [];
    sub.on('reset', (p) => resets.push(p));
    const got = collect(sub);
    await sub.ready();
    await server.publish('small', { id: 9 }, { n: 1 });
    l.cut(true);
    for (let n = 2; n <= 8; n++) await server.publish('small', { id: 9 }, { n });
    l.cut(false);
    await server.publish('small', { id: 9 }, { n: 9 });
    // small keeps 3: history holds 7, 8 and 9, which cannot follow 1
    await until(() => resets.length === 1);
    await server.publish('small', { id: 9 }, { n: 10 });
    await until(() => got.items.length >= 2);
    expect(got.items.map((m) => m.n)).toEqual([1, 10]);
    expect(resets.map((p) => p.offset)).toEqual([9]);
  });
});
