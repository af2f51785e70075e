/**
 * Typed topics (user story 5): a chat server and two clients in one process.
 * Ada and Bob join a room (presence), talk through a validated `say` call
 * that publishes on the room, Bob's connection drops while Ada keeps talking,
 * and Bob's subscription comes back with exactly the messages he missed,
 * recovered from the room's history.
 */
import { z } from 'zod';
import { createClient, zwireTransport, type ClientTransport, type TransportFactory } from '../src/client/index.js';
import { createServer, defineService, RpcError, type ConnectionInfo } from '../src/server/rpc-entry.js';

export const chat = defineService({
  say: { input: z.object({ room: z.string(), text: z.string().max(2000) }), output: z.object({ offset: z.number() }) },
  room: {
    topic: z.object({ room: z.string() }), // one channel per room
    message: z.object({ from: z.string(), text: z.string() }),
    history: { size: 100, ttlMs: 600_000 }, // kept for recovery after a reconnect
    presence: z.object({ user: z.string() }), // what each subscriber shows to the others
  },
});

const server = createServer(
  chat,
  {
    say: async ({ room, text }, ctx) => ctx.publish('room', { room }, { from: ctx.conn.user, text }), // resolves { epoch, offset }
    room: {
      subscribe: async ({ room }, ctx) => {
        if (room === 'staff' && ctx.conn.user !== 'ada') throw new RpcError('FORBIDDEN', 'staff only');
        return { presence: { user: ctx.conn.user } };
      },
    },
  },
  { context: (info: ConnectionInfo) => ({ user: info.params.user ?? 'anon' }) },
);
const { port } = await server.listen({ port: 0 });
const url = `ws://127.0.0.1:${port}/`;
console.log(`chat server on ${url}`);

// Bob's transport can be cut, to show a reconnect.
const bobs: { connection?: ClientTransport } = {};
const cuttable: TransportFactory = async (protocols, events, signal) =>
  (bobs.connection = await zwireTransport(`${url}?user=bob`)(protocols, events, signal));

const ada = createClient(chat, url, { params: { user: 'ada' } });
const bob = createClient(chat, url, { transport: cuttable, reconnect: { initialDelayMs: 50 } });

const adaRoom = ada.room.subscribe({ room: 'lobby' });
let leaves = 0;
adaRoom.on('join', (p) => console.log(`ada sees ${p.user} join`));
adaRoom.on('leave', (p) => console.log(`ada sees ${p.user} leave (${++leaves})`));
await adaRoom.ready();

const bobRoom = bob.room.subscribe({ room: 'lobby' });
bobRoom.on('subscribed', ({ recovered, position }) => console.log(`bob subscribed at offset ${position.offset}, recovered: ${recovered}`));
bobRoom.on('reset', () => console.log('bob missed messages that history no longer holds: refetch'));
await bobRoom.ready();
console.log(`presence: ${(await adaRoom.presence()).map((p) => p.user).sort().join(', ')}`);

const forbidden = await bob.room.subscribe({ room: 'staff' }).ready().catch((err: RpcError) => err.code);
console.log(`bob subscribing to staff: ${String(forbidden)}`);

const bobHeard: string[] = [];
const listening = (async () => {
  for await (const m of bobRoom) {
    bobHeard.push(m.text);
    console.log(`bob got ${m.from}: ${m.text} (offset ${bobRoom.position?.offset})`);
    if (m.text === 'bye') break; // leaving the loop unsubscribes
  }
})();

await ada.say({ room: 'lobby', text: 'hello bob' });
await until(() => bobHeard.length === 1);

bobs.connection?.close(4000, 'network lost'); // Bob drops; his subscription waits to come back
await until(() => bob.state !== 'open');
console.log('bob is offline');
for (const text of ['you missed this', 'and this']) await ada.say({ room: 'lobby', text });
await server.publish('room', { room: 'lobby' }, { from: 'server', text: 'bye' }); // outside any call too

await listening;
console.log(`bob heard: ${bobHeard.join(' | ')}`);
await until(() => leaves === 2); // once when his connection dropped, once when he left the loop
await Promise.all([ada.close(), bob.close()]);
await server.close();

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; !cond(); i++) {
    if (i > 500) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
