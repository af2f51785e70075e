import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../../src/client/index.js';
import { defineService } from '../../src/rpc/service.js';
import WebSocket from 'ws';
import { RpcError } from '../../src/rpc/errors.js';
import { connect } from '../../src/client/connect.js';
import { Subprotocol } from '../../src/rpc/envelope.js';
import { rejection, until } from './fixture.js';
import { createServer, type ConnectionInfo } from '../../src/server/rpc-entry.js';
import { chat, chatClient, closeAfter, collect, serveChat } from './topics-fixture.js';

describe.each(['json', 'msgpack'] as const)('typed topics over 127.0.0.1 (%s)', (codec) => {
  it('many subscribers receive the same publications in publish order', async () => {
    const { server, url } = await serveChat();
    // every fourth client runs over ws's WHATWG WebSocket, the transport the browser client uses
    const clients = Array.from({ length: 12 }, (_, i) => chatClient(url, `u${i}`, { codec: i % 3 === 0 ? 'json' : codec, WebSocket: i % 4 === 1 ? WebSocket : undefined }));
    const subs = clients.map((c) => c.room.subscribe({ room: 'lobby' }));
    await Promise.all(subs.map((s) => s.ready()));
    const got = subs.map((s) => collect(s));
    const sent: string[] = [];
    for (let i = 0; i < 150; i++) {
      const text = `m${i}`;
      sent.push(text);
      if (i % 2 === 0) await server.publish('room', { room: 'lobby' }, { from: 'system', text });
      else await clients[i % clients.length].say({ room: 'lobby', text });
    }
    await until(() => got.every((g) => g.items.length === 150), 10_000);
    for (const g of got) expect(g.items.map((m) => m.text)).toEqual(sent);
    expect(got[0].items[1].from).toBe('u1');
    expect(subs[0].position?.offset).toBe(150);
  });

  it('a server may leave out the handlers of its topics: anyone subscribes, clients publish where the topic allows', async () => {
    const server = createServer(chat, { say: ({ room, text }, ctx) => ctx.publish('room', { room }, { from: ctx.conn.user, text }) }, {
      context: (info: ConnectionInfo) => ({ user: info.params.user ?? 'anon' }),
    });
    const { port } = await server.listen({ port: 0 });
    closeAfter(() => server.close());
    const c = chatClient(`ws://127.0.0.1:${port}/`, 'eve', { codec });
    const room = c.room.subscribe({ room: 'secret' });
    const board = c.board.subscribe({ id: 1 });
    await Promise.all([room.ready(), board.ready()]);
    const gotRoom = collect(room);
    const gotBoard = collect(board);
    expect(await c.say({ room: 'secret', text: 'hi' })).toEqual({ offset: 1 });
    expect((await c.board.publish({ id: 1 }, { text: 'spam' })).offset).toBe(1);
    await until(() => gotRoom.items.length === 1 && gotBoard.items.length === 1);
    expect(gotRoom.items).toEqual([{ from: 'eve', text: 'hi' }]);
    expect(gotBoard.items).toEqual([{ text: 'spam' }]);
    expect(await room.presence()).toEqual([]);
  });

  it('publications carry Map, Set, Date and bigint as themselves; plain messages as they are', async () => {
    const svc = defineService({
      rich: { topic: z.object({ id: z.number() }), message: z.object({ tags: z.set(z.string()), by: z.map(z.string(), z.number()), at: z.date(), n: z.bigint() }) },
      plain: { topic: z.object({ id: z.number() }), message: z.object({ text: z.string(), list: z.array(z.number()) }) },
    });
    const server = createServer(svc, {});
    const { port } = await server.listen({ port: 0 });
    closeAfter(() => server.close());
    const c = createClient(svc, `ws://127.0.0.1:${port}/`, { heartbeatMs: 0, codec });
    closeAfter(() => c.close());
    const rich = c.rich.subscribe({ id: 1 });
    const plain = c.plain.subscribe({ id: 1 });
    await Promise.all([rich.ready(), plain.ready()]);
    const sent = { tags: new Set(['a', 'b']), by: new Map([['x', 1]]), at: new Date(1_700_000_000_000), n: 2n ** 70n };
    await server.publish('rich', { id: 1 }, sent);
    await server.publish('plain', { id: 1 }, { text: 't', list: [1, 2] });
    expect((await rich.next()).value).toEqual(sent);
    expect((await plain.next()).value).toEqual({ text: 't', list: [1, 2] });
  });

  it('ctx.publish and server.publish resolve with the position; offsets go up by one per key', async () => {
    const { server, url } = await serveChat();
    const c = chatClient(url, 'ada', { codec });
    const a = await server.publish('room', { room: 'r1' }, { from: 's', text: 'x' });
    const b = await c.say({ room: 'r1', text: 'y' });
    const other = await server.publish('room', { room: 'r2' }, { from: 's', text: 'z' });
    expect(a.offset).toBe(1);
    expect(b).toEqual({ offset: 2 });
    expect(other.offset).toBe(1);
    expect(other.epoch).not.toBe(a.epoch);
  });

  it('unsubscribe and leaving for-await stop delivery; other subscriptions go on', async () => {
    const { server, url } = await serveChat();
    const c = chatClient(url, 'ada', { codec });
    const watcher = chatClient(url, 'eve', { codec }).room.subscribe({ room: 'lobby' });
    const leaves: string[] = [];
    watcher.on('leave', (p) => leaves.push(p.user));
    await watcher.ready();
    const a = c.room.subscribe({ room: 'lobby' });
    const b = c.room.subscribe({ room: 'lobby' });
    await Promise.all([a.ready(), b.ready()]);
    const gotA = collect(a);
    const gotB: string[] = [];
    const loop = (async () => {
      for await (const m of b) {
        gotB.push(m.text);
        if (gotB.length === 2) break;
      }
    })();
    for (let i = 0; i < 3; i++) await server.publish('room', { room: 'lobby' }, { from: 's', text: `t${i}` });
    await loop;
    await until(() => gotA.items.length === 3);
    await until(() => leaves.length === 1);
    await a.unsubscribe();
    await until(() => leaves.length === 2);
    expect(leaves).toEqual(['ada', 'ada']);
    await server.publish('room', { room: 'lobby' }, { from: 's', text: 'after' });
    const w = collect(watcher);
    await until(() => w.items.length === 4);
    expect(w.items.map((m) => m.text)).toEqual(['t0', 't1', 't2', 'after']);
    await gotA.done;
    expect(gotA.items.map((m) => m.text)).toEqual(['t0', 't1', 't2']);
    expect(gotB).toEqual(['t0', 't1']);
    const ac = new AbortController();
    const viaSignal = c.room.subscribe({ room: 'lobby' }, { signal: ac.signal });
    await viaSignal.ready();
    ac.abort();
    await until(() => leaves.length === 3);
    expect(await viaSignal.next()).toEqual({ value: undefined, done: true });
  });

  it('a subscribe handler that throws refuses the subscription with its RpcError; personal channels reach their user only', async () => {
    const { server, url } = await serveChat();
    const ada = chatClient(url, 'ada', { codec });
    const bob = chatClient(url, 'bob', { codec });
    const secret = ada.room.subscribe({ room: 'secret' });
    const err = await rejection(secret.ready());
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toBe('admins only');
    await expect(secret.next()).rejects.toBeInstanceOf(RpcError);
    const errors: RpcError[] = [];
    const spy = bob.user.subscribe({ id: 'ada' });
    spy.on('error', (e) => errors.push(e));
    expect((await rejection(spy.ready())).code).toBe('FORBIDDEN');
    expect(errors.map((e) => e.code)).toEqual(['FORBIDDEN']);
    const mine = ada.user.subscribe({ id: 'ada' });
    const bobs = bob.user.subscribe({ id: 'bob' });
    await Promise.all([mine.ready(), bobs.ready()]);
    const gotAda = collect(mine);
    const gotBob = collect(bobs);
    await server.publish('user', { id: 'ada' }, { note: 'for ada' });
    await server.publish('user', { id: 'bob' }, { note: 'for bob' });
    await until(() => gotAda.items.length === 1 && gotBob.items.length === 1);
    expect(gotAda.items).toEqual([{ note: 'for ada' }]);
    expect(gotBob.items).toEqual([{ note: 'for bob' }]);
  });

  it('an invalid publication or key is rejected with BAD_REQUEST and the zod issues, and nothing is sent', async () => {
    const { server, url } = await serveChat();
    const c = chatClient(url, 'ada', { codec });
    const sub = c.room.subscribe({ room: 'lobby' });
    await sub.ready();
    const got = collect(sub);
    const bad = await rejection(server.publish('room', { room: 'lobby' }, { from: 1 as unknown as string, text: 'x' }));
    expect(bad.code).toBe('BAD_REQUEST');
    expect((bad.data as { issues: { path: string[] }[] }).issues[0].path).toEqual(['from']);
    expect((await rejection(server.publish('room', { room: 7 as unknown as string }, { from: 'a', text: 'x' }))).code).toBe('BAD_REQUEST');
    expect((await rejection(c.say({ room: 'lobby', text: 'x'.repeat(2001) }))).code).toBe('BAD_REQUEST');
    const ok = await server.publish('room', { room: 'lobby' }, { from: 'a', text: 'valid' });
    expect(ok.offset).toBe(1);
    await until(() => got.items.length === 1);
    expect(got.items).toEqual([{ from: 'a', text: 'valid' }]);
    expect((await rejection(new Promise((_, reject) => c.room.subscribe({ room: 3 as unknown as string }).ready().catch(reject)))).code).toBe('BAD_REQUEST');
  });

  it('several subscriptions to one key on one connection each see every publication and presence event once', async () => {
    const { server, url } = await serveChat();
    const c = chatClient(url, 'ada', { codec });
    const subs = [0, 1, 2].map(() => c.room.subscribe({ room: 'multi' }));
    const joins = subs.map(() => [] as string[]);
    subs.forEach((s, i) => s.on('join', (p) => joins[i].push(p.user)));
    await Promise.all(subs.map((s) => s.ready()));
    const got = subs.map((s) => collect(s));
    const bob = chatClient(url, 'bob', { codec }).room.subscribe({ room: 'multi' });
    await bob.ready();
    for (let i = 0; i < 5; i++) await server.publish('room', { room: 'multi' }, { from: 's', text: `${i}` });
    await until(() => got.every((g) => g.items.length === 5) && joins.every((j) => j.includes('bob')));
    await new Promise((r) => setTimeout(r, 50));
    for (const g of got) expect(g.items.map((m) => m.text)).toEqual(['0', '1', '2', '3', '4']);
    for (const j of joins) expect(j.filter((u) => u === 'bob')).toEqual(['bob']);
  });

  it('a consumer that does not read holds at most maxBuffered messages: the oldest go and reset fires', async () => {
    const { server, url } = await serveChat();
    const c = chatClient(url, 'ada', { codec });
    const sub = c.ticker.subscribe({ symbol: 'B' }, { maxBuffered: 5 });
    const resets: number[] = [];
    sub.on('reset', (p) => resets.push(p.offset));
    await sub.ready();
    for (let n = 1; n <= 20; n++) await server.publish('ticker', { symbol: 'B' }, { n });
    await until(() => sub.position?.offset === 20);
    expect(resets).toEqual(Array.from({ length: 15 }, (_, i) => i + 6));
    const got: number[] = [];
    for await (const m of sub) {
      got.push(m.n);
      if (m.n === 20) break;
    }
    expect(got).toEqual([16, 17, 18, 19, 20]);
  });

  it('answers too many subscriptions with TOO_MANY_REQUESTS', async () => {
    const { url } = await serveChat({ limits: { maxSubscriptions: 3 } });
    const c = chatClient(url, 'ada', { codec });
    const subs = [1, 2, 3].map((id) => c.board.subscribe({ id }));
    await Promise.all(subs.map((s) => s.ready()));
    expect((await rejection(c.board.subscribe({ id: 4 }).ready())).code).toBe('TOO_MANY_REQUESTS');
    await subs[0].unsubscribe();
    await c.board.subscribe({ id: 5 }).ready();
  });

  it('clients publish only where the definition enables it, through the publish handler', async () => {
    const { url } = await serveChat();
    const c = chatClient(url, 'ada', { codec });
    const sub = c.board.subscribe({ id: 1 });
    await sub.ready();
    const got = collect(sub);
    expect(await c.board.publish({ id: 1 }, { text: 'hello' })).toMatchObject({ offset: 1 });
    expect((await rejection(c.board.publish({ id: 1 }, { text: 'spam' }))).code).toBe('FORBIDDEN');
    expect((await rejection(c.board.publish({ id: 1 }, { text: 5 as unknown as string }))).code).toBe('BAD_REQUEST');
    expect(await c.board.publish({ id: 1 }, { text: 'again' })).toMatchObject({ offset: 2 });
    await until(() => got.items.length === 2);
    expect(got.items.map((m) => m.text)).toEqual(['hello', 'again']);
    expect('publish' in c.room).toBe(false);
  });
});

describe('topic envelopes from a raw peer', () => {
  it('answers unknown topics, bad envelopes and publishing on a server-only topic with typed errors', async () => {
    const { url } = await serveChat();
    const conn = await connect(url, { protocols: [Subprotocol.json] });
    closeAfter(async () => conn.terminate());
    const answers = conn[Symbol.asyncIterator]();
    const ask = async (env: unknown[]): Promise<unknown[]> => {
      await conn.send(JSON.stringify(env));
      return JSON.parse((await answers.next()).value.text()) as unknown[];
    };
    expect((await ask([16, 1, 'nope', {}])).slice(0, 3)).toEqual([12, 1, 'NOT_FOUND']);
    expect((await ask([16, 2, 'room', { room: 'a' }, 'epoch-without-offset'])).slice(0, 4)).toEqual([12, 2, 'BAD_REQUEST', 'bad position']);
    expect((await ask([16, -1, 'room', { room: 'a' }])).slice(0, 3)).toEqual([12, 0, 'BAD_REQUEST']);
    expect((await ask([23, 3, 'room', { room: 'a' }, { from: 'x', text: 'y' }])).slice(0, 3)).toEqual([12, 3, 'FORBIDDEN']);
    expect((await ask([22, 4, 99])).slice(0, 3)).toEqual([12, 4, 'NOT_FOUND']);
    const subscribed = await ask([16, 5, 'room', { room: 'a' }]);
    expect(subscribed.slice(0, 4)).toEqual([17, 5, 'room:{"room":"a"}', false]);
    expect(JSON.parse((await answers.next()).value.text())).toEqual([20, 'room:{"room":"a"}', { user: 'anon' }]);
    expect((await ask([16, 5, 'room', { room: 'b' }])).slice(0, 3)).toEqual([12, 5, 'BAD_REQUEST']);
  });
});
