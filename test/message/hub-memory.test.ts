import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/connect.js';
import type { Conn } from '../../src/message/conn.js';
import { listen } from '../../src/server/ws-server.js';
import { collectedMemory } from '../helpers/collected-memory.js';
import type { WebSocketServer } from '../../src/server/ws-server.js';

/** Heap bytes still held. */
async function heldBytes(): Promise<number> {
  return (await collectedMemory()).heapUsed;
}

const CONNECTIONS = 1000;
const PER_CONN = 100;
let server: WebSocketServer;
let clients: Conn[] = [];
let conns: Conn[] = [];

beforeAll(async () => {
  server = await listen({}, () => undefined);
  for (let i = 0; i < CONNECTIONS; i += 100) {
    clients.push(...(await Promise.all(Array.from({ length: 100 }, () => connect(`ws://127.0.0.1:${server.port}/`)))));
  }
  while (server.connections.size < CONNECTIONS) await new Promise((r) => setTimeout(r, 10));
  conns = [...server.connections];
});

afterAll(async () => {
  for (const c of clients) c.terminate();
  clients = [];
  await server.close();
});

/** Subscribe every server connection to `topicOf(conn, k)` for k < perConn; the heap bytes that costs per subscription. */
async function bytesPerSubscription(topicOf: (conn: number, k: number) => string, perConn = PER_CONN): Promise<number> {
  const names = conns.map((_, c) => Array.from({ length: perConn }, (_, k) => topicOf(c, k)));
  const before = await heldBytes();
  for (const [c, conn] of conns.entries()) for (const name of names[c]) conn.subscribe(name);
  const per = ((await heldBytes()) - before) / (CONNECTIONS * perConn);
  for (const [c, conn] of conns.entries()) for (const name of names[c]) conn.unsubscribe(name);
  expect(server.hub.topicCount).toBe(0);
  return per;
}

describe('memory of 100,000 subscriptions', () => {
  it('1,000 connections x 100 shared topics, and 100,000 topics of one subscriber each', async () => {
    const shared = await bytesPerSubscription((_, k) => `room-${k}`);
    const single = await bytesPerSubscription((c, k) => `user-${c}-${k}`);
    console.log(`bytes per subscription: ${shared.toFixed(0)} (1,000 subscribers per topic), ${single.toFixed(0)} (one subscriber per topic)`);
    expect(shared).toBeLessThan(150);
    expect(single).toBeLessThan(400);
    expect(server.publish('room-0', 'x')).toBe(0);
  });

  it('a connection subscribed to one topic holds only its entry in the topic (no set of its own)', async () => {
    // 1,000 entries are near the noise of a heap reading: the median of five rounds.
    const rounds: number[] = [];
    for (let i = 0; i < 5; i++) rounds.push(await bytesPerSubscription(() => 'lobby', 1));
    const perConnection = rounds.sort((a, b) => a - b)[2];
    console.log(`bytes per connection subscribed to one topic (1,000 connections, median of 5): ${perConnection.toFixed(0)}`);
    expect(perConnection).toBeLessThan(100);
  });
});
