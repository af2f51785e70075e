/**
 * Topics in the message layer: a chat room where every message a connection
 * sends is published to everyone in the room, the sender included.
 *   npx tsx examples/topics.ts
 * Runs the server and two clients (ada and bob) in one process, prints what
 * each client receives, then exits.
 */
import { connect, listen } from '../src/index.js';

const server = await listen({ port: 0 }, async (conn) => {
  conn.subscribe('room'); // conn.unsubscribe('room'); conn.topics
  for await (const m of conn) server.publish('room', m.data, { binary: m.binary }); // every subscriber, sender included
});

const url = `ws://127.0.0.1:${server.port}/`;
const ada = await connect(url);
const bob = await connect(url);
while (server.hub.subscriberCount('room') < 2) await new Promise((r) => setTimeout(r, 5));

/** The next `count` messages of a client, as text. */
async function read(conn: typeof ada, count: number): Promise<string[]> {
  const texts: string[] = [];
  for await (const m of conn) {
    texts.push(m.text());
    if (texts.length === count) break;
  }
  return texts;
}

await ada.send('hello from ada');
const [adaFirst, bobFirst] = await Promise.all([read(ada, 1), read(bob, 1)]);
await bob.send('hello from bob');
const [adaSecond, bobSecond] = await Promise.all([read(ada, 1), read(bob, 1)]);
server.publish('room', 'the server says bye'); // outside any connection too
const [adaLast, bobLast] = await Promise.all([read(ada, 1), read(bob, 1)]);
console.log(`ada received: ${[...adaFirst, ...adaSecond, ...adaLast].join(' | ')}`);
console.log(`bob received: ${[...bobFirst, ...bobSecond, ...bobLast].join(' | ')}`);
await Promise.all([ada.close(), bob.close()]);
await server.close();
