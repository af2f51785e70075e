import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RpcClient } from '../../src/client/index.js';
import type { Subscription } from '../../src/client/rpc-subscription.js';
import type { StreamPosition } from '../../src/rpc/topic.js';
import { until } from './fixture.js';
import { cutProxy, type CutProxy } from './cut-proxy.js';
import { chatClient, collect, startChat, type Chat } from './topics-fixture.js';

describe.each(['json', 'msgpack'] as const)('recovery after a reconnect (%s)', (codec) => {
  let proxy: CutProxy;
  let server: Awaited<ReturnType<typeof startChat>>['server'];
  let direct: string;
  beforeAll(async () => {
    const s = await startChat();
    server = s.server;
    direct = s.url;
    proxy = await cutProxy(s.port);
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });
  const viaProxy = (): string => `ws://127.0.0.1:${proxy.port}/`;

  /** Waits for a subscription to be accepted, then records its items, resets and resubscriptions. */
  async function observe<T>(sub: Subscription<T, unknown>) {
    const resets: StreamPosition[] = [];
    let subscribed = 0;
    sub.on('reset', (p) => resets.push(p));
    sub.on('subscribed', () => subscribed++);
    await sub.ready();
    return { sub, resets, got: collect(sub), subscribed: () => subscribed };
  }

  async function watch(key: { room: string }) {
    const c = chatClient(viaProxy(), 'ada', { codec });
    return { c, ...(await observe(c.room.subscribe(key))) };
  }

  /** Cuts the client off, runs `meanwhile` while it cannot come back, then lets it reconnect. */
  async function offline(c: RpcClient<Chat>, meanwhile: () => Promise<unknown>): Promise<void> {
    proxy.block(true);
    proxy.cut();
    await until(() => c.state === 'reconnecting');
    await meanwhile();
    proxy.block(false);
  }

  let run = 0;
  it('recovers exactly the publications missed while disconnected: no gap, no duplicate (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ before: fc.nat(15), during: fc.nat(25) }), { minLength: 1, maxLength: 4 }), async (steps) => {
        const key = { room: `p${codec}${++run}` };
        const w = await watch(key);
        const sent: string[] = [];
        const publish = async (): Promise<void> => {
          const text = `m${sent.length}`;
          sent.push(text);
          await server.publish('room', key, { from: 's', text });
        };
        for (const [i, step] of steps.entries()) {
          for (let k = 0; k < step.before; k++) await publish();
          proxy.cut();
          for (let k = 0; k < step.during; k++) await publish();
          await until(() => w.subscribed() === i + 2, 5000);
        }
        await publish();
        await until(() => w.got.items.length >= sent.length, 5000);
        expect(w.got.items.map((m) => m.text)).toEqual(sent);
        expect(w.resets).toEqual([]);
        expect(w.sub.position?.offset).toBe(sent.length);
        await w.c.close();
      }),
      { numRuns: 15 },
    );
  }, 60_000);

  it('says reset when the history no longer covers the position (overflow), then continues live', async () => {
    const c = chatClient(viaProxy(), 'ada', { codec });
    const { sub, resets, got, subscribed } = await observe(c.small.subscribe({ id: 1 }));
    await server.publish('small', { id: 1 }, { n: 1 });
    await until(() => got.items.length === 1);
    await offline(c, async () => {
      for (let n = 2; n <= 11; n++) await server.publish('small', { id: 1 }, { n });
    });
    await until(() => subscribed() === 2, 5000);
    expect(resets).toEqual([{ epoch: sub.position?.epoch, offset: 11 }]);
    await server.publish('small', { id: 1 }, { n: 12 });
    await until(() => got.items.length === 2);
    expect(got.items).toEqual([{ n: 1 }, { n: 12 }]);
  });

  it('recovers within a small history when it still covers the gap', async () => {
    const c = chatClient(viaProxy(), 'ada', { codec });
    const { resets, got } = await observe(c.small.subscribe({ id: 2 }));
    await server.publish('small', { id: 2 }, { n: 1 });
    await until(() => got.items.length === 1);
    await offline(c, async () => {
      for (let n = 2; n <= 4; n++) await server.publish('small', { id: 2 }, { n });
    });
    await until(() => got.items.length === 4, 5000);
    expect(got.items.map((m) => m.n)).toEqual([1, 2, 3, 4]);
    expect(resets).toEqual([]);
  });

  it('says reset when the epoch changed while disconnected (history expired)', async () => {
    const c = chatClient(viaProxy(), 'ada', { codec });
    const { resets, got, subscribed } = await observe(c.brief.subscribe({ id: 1 }));
    const first = await server.publish('brief', { id: 1 }, { n: 1 });
    await until(() => got.items.length === 1);
    let second: StreamPosition | undefined;
    await offline(c, async () => {
      await new Promise((r) => setTimeout(r, 400));
      second = await server.publish('brief', { id: 1 }, { n: 2 });
    });
    expect(second?.epoch).not.toBe(first.epoch);
    expect(second?.offset).toBe(1);
    await until(() => subscribed() === 2, 5000);
    expect(resets).toEqual([second]);
    await server.publish('brief', { id: 1 }, { n: 3 });
    await until(() => got.items.length === 2);
    expect(got.items).toEqual([{ n: 1 }, { n: 3 }]);
  });

  it('says reset when a live publication comes in a new epoch', async () => {
    const c = chatClient(direct, 'ada', { codec });
    const { resets, got } = await observe(c.brief.subscribe({ id: 2 }));
    await server.publish('brief', { id: 2 }, { n: 1 });
    await new Promise((r) => setTimeout(r, 400));
    const later = await server.publish('brief', { id: 2 }, { n: 2 });
    await until(() => got.items.length === 2);
    expect(resets).toEqual([{ epoch: later.epoch, offset: 0 }]);
  });

  it('drops presence when a connection drops abruptly, and keeps the snapshot right', async () => {
    const key = { room: `presence-${codec}` };
    const bob = chatClient(direct, 'bob', { codec });
    const bobSub = bob.room.subscribe(key);
    const events: string[] = [];
    bobSub.on('join', (p) => events.push(`join ${p.user}`));
    bobSub.on('leave', (p) => events.push(`leave ${p.user}`));
    await bobSub.ready();
    const ada = chatClient(viaProxy(), 'ada', { codec, reconnect: false });
    const adaSub = ada.room.subscribe(key);
    await adaSub.ready();
    await until(() => events.length === 2);
    expect(events).toEqual(['join bob', 'join ada']);
    expect((await bobSub.presence()).map((p) => p.user).sort()).toEqual(['ada', 'bob']);
    expect((await adaSub.presence()).map((p) => p.user).sort()).toEqual(['ada', 'bob']);
    proxy.cut();
    await until(() => events.length === 3);
    expect(events[2]).toBe('leave ada');
    expect(await bobSub.presence()).toEqual([{ user: 'bob' }]);
    const err = await adaSub.next().then(
      () => null,
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe('UNAVAILABLE');
  });
});

