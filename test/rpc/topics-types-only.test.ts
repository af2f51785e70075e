/**
 * Topics through the types-only client (`createClient<typeof chat>(url)`): no
 * definition at run time, so `client.<topic>` is built on first use, once
 * topic support is registered (zwire/client registers it; browsers import
 * zwire/client/topics).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createClient, RpcError, type Subscription } from '../../src/client/index.js';
import { chat, closeAfter, collect, serveChat } from './topics-fixture.js';
import { until } from './fixture.js';

function typesOnly(url: string, user: string) {
  const c = createClient<typeof chat>(`${url}?user=${user}`, { heartbeatMs: 0 });
  closeAfter(() => c.close());
  return c;
}

describe('types-only client topics', () => {
  it('subscribes, receives in order, reads presence and publishes where the definition allows', async () => {
    const { server, url } = await serveChat();
    const ada = typesOnly(url, 'ada');
    const sub = ada.room.subscribe({ room: 'lobby' });
    expectTypeOf(sub).toEqualTypeOf<Subscription<{ from: string; text: string }, { user: string }>>();
    await sub.ready();
    const got = collect(sub);
    for (let i = 1; i <= 5; i++) await server.publish('room', { room: 'lobby' }, { from: 'system', text: `m${i}` });
    await until(() => got.items.length === 5);
    expect(got.items.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(await sub.presence()).toEqual([{ user: 'ada' }]);

    const board = ada.board.subscribe({ id: 1 });
    await board.ready();
    const posted = collect(board);
    expect((await ada.board.publish({ id: 1 }, { text: 'hi' })).offset).toBe(1);
    await until(() => posted.items.length === 1);
    expect(posted.items).toEqual([{ text: 'hi' }]);
    await sub.unsubscribe();
    await board.unsubscribe();
  });

  it('the server refuses what the definition does not allow, as a typed error', async () => {
    const { url } = await serveChat();
    const bob = typesOnly(url, 'bob');
    // a topic without client publishing: the types forbid it, the server refuses it at run time
    const room = bob.room as unknown as { publish(key: unknown, msg: unknown): Promise<unknown> };
    const err = await room.publish({ room: 'lobby' }, { from: 'bob', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    // no presence on this topic: the types-only client does not know it, the server answers that nobody shows any
    const tick = bob.ticker.subscribe({ symbol: 'Z' });
    await tick.ready();
    expect(await tick.presence()).toEqual([]);
  });
});
