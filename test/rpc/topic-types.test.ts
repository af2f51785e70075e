import { describe, expect, expectTypeOf, it } from 'vitest';
import type { RpcClient } from '../../src/client/index.js';
import type { Subscription } from '../../src/client/rpc-subscription.js';
import type { StreamPosition } from '../../src/rpc/topic.js';
import { compileMarked } from './compile-fixture.js';
import type { Chat } from './topics-fixture.js';

type Client = RpcClient<Chat>;

describe('topic types (checked by tsc)', () => {
  it('types subscribe keys, messages, presence and client publish from the definition', () => {
    expectTypeOf<Parameters<Client['room']['subscribe']>[0]>().toEqualTypeOf<{ room: string }>();
    expectTypeOf<ReturnType<Client['room']['subscribe']>>().toEqualTypeOf<Subscription<{ from: string; text: string }, { user: string }>>();
    expectTypeOf<ReturnType<Client['ticker']['subscribe']>>().toEqualTypeOf<Subscription<{ n: number; pad?: string | undefined }, never>>();
    expectTypeOf<Client['board']['publish']>().parameter(1).toEqualTypeOf<{ text: string }>();
    expectTypeOf<Client['board']['publish']>().returns.toEqualTypeOf<Promise<StreamPosition>>();
    expectTypeOf<Client['room']>().not.toHaveProperty('publish');
  });
});

// Each line marked `// ERR` must fail to compile; nothing else may.
const SOURCE = `
import { z } from 'zod';
import { createClient } from '../../src/client/index.js';
import { createServer, RpcError } from '../../src/server/rpc-entry.js';
import { defineService } from '../../src/rpc/service.js';

const svc = defineService({
  say: { input: z.object({ text: z.string() }), output: z.object({ offset: z.number() }) },
  room: { topic: z.object({ room: z.string() }), message: z.object({ from: z.string(), text: z.string() }), presence: z.object({ user: z.string() }) },
  board: { topic: z.object({ id: z.number() }), message: z.object({ text: z.string() }), publish: true },
});
export async function client(): Promise<void> {
  const c = createClient(svc, 'ws://127.0.0.1:1');
  const sub = c.room.subscribe({ room: 'lobby' });
  c.room.subscribe({ room: 1 }); // ERR
  c.room.subscribe({ name: 'lobby' }); // ERR
  c.room.subscribe(); // ERR
  for await (const m of sub) {
    m.text.toUpperCase();
    m.missing; // ERR
    m.from.toFixed(); // ERR
  }
  (await sub.presence())[0].user.toUpperCase();
  (await sub.presence())[0].name; // ERR
  sub.on('join', (p) => p.user.toUpperCase());
  sub.on('join', (p) => p.id); // ERR
  sub.on('nope', () => {}); // ERR
  await c.board.publish({ id: 1 }, { text: 'hi' });
  await c.board.publish({ id: 1 }, { body: 'hi' }); // ERR
  await c.room.publish({ room: 'lobby' }, { from: 'a', text: 'b' }); // ERR
}
createServer(svc, {
  say: ({ text }, ctx) => ctx.publish('room', { room: 'lobby' }, { from: 'me', text }),
  room: {
    subscribe: ({ room }) => {
      if (room === 'x') throw new RpcError('FORBIDDEN');
      return { presence: { user: 'ada' } };
    },
  },
  board: { publish: ({ id }, { text }) => void id.toFixed(text.length) },
});
createServer(svc, {
  say: ({ text }, ctx) => ctx.publish('room', { room: 'lobby' }, { from: 'me', body: text }), // ERR
  room: { subscribe: () => ({ presence: { name: 'ada' } }) }, // ERR
  board: {},
});
// topics need no handler object; methods do
createServer(svc, { say: ({ text }, ctx) => ctx.publish('room', { room: 'lobby' }, { from: 'me', text }) });
createServer(svc, { say: ({ text }) => ({ offset: text.length }), board: { publish: ({ id }) => void id.toFixed() } });
createServer(svc, { room: {} }); // ERR
createServer(svc, { say: () => ({ offset: 1 }), room: { subscribe: ({ room }) => void room.toFixed() } }); // ERR
createServer(svc, {
  say: (_input, ctx) => ctx.publish('nope', { room: 'lobby' }, { from: 'me', text: 'x' }), // ERR
  room: { subscribe: ({ room }) => void room.toFixed() }, // ERR
  board: {},
});
`;

describe('wrong topic use does not compile (TypeScript compiler on a fixture)', () => {
  it('reports an error on exactly the marked lines', () => {
    const { errorLines, marked } = compileMarked('__virtual_wrong_topics', SOURCE);
    expect(errorLines).toEqual(marked);
  }, 60_000);
});
