/**
 * Hostile msgpack messages cost the server what their size says: a few
 * kilobytes of nested array headers each declaring 65535 elements made
 * msgpackr 1.x preallocate every level (a 3 KB message: about 0.5 GB and
 * seconds of CPU); msgpackr 2 refuses a length the remaining bytes cannot
 * hold. Cyclic values (structured-clone extensions) are refused too.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Packr, Unpackr } from 'msgpackr';
import { createServer } from '../../src/server/rpc-server.js';
import { Subprotocol } from '../../src/rpc/envelope.js';
import { Probe, testHandlers, testService } from './fixture.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function rawMsgpack(): Promise<{ send: (b: Uint8Array) => void; next: () => Promise<unknown[]> }> {
  const server = createServer(testService, testHandlers(new Probe()), { context: () => ({ user: 'raw' }) });
  const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
  const ws = new WebSocket(`ws://127.0.0.1:${port}`, [Subprotocol.msgpack]);
  cleanup.push(() => server.close(), async () => ws.terminate());
  const unpackr = new Unpackr({ useRecords: false });
  const inbox: unknown[][] = [];
  ws.on('message', (data) => inbox.push(unpackr.unpack(data as Buffer) as unknown[]));
  await new Promise((r) => ws.once('open', r));
  return {
    send: (b) => ws.send(b),
    next: async () => {
      const end = Date.now() + 10_000;
      while (inbox.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
      return inbox.shift() ?? [];
    },
  };
}

describe('msgpack: hostile input is bounded by its size', () => {
  it('answers nested array headers that declare more than the message holds without allocating for them', async () => {
    const c = await rawMsgpack();
    const depth = 1000;
    const nested = new Uint8Array(depth * 3);
    for (let i = 0; i < depth; i++) nested.set([0xdc, 0xff, 0xff], i * 3);
    const before = process.memoryUsage().rss;
    c.send(nested);
    expect((await c.next()).slice(0, 3)).toEqual([12, 0, 'BAD_REQUEST']);
    const grown = process.memoryUsage().rss - before;
    // msgpackr 1.12 grew by about 500 MB here; 2.x by nothing measurable
    expect(grown).toBeLessThan(128 * 1024 * 1024);
    c.send(new Packr({ useRecords: false }).pack([1, 1, 'greet', { name: 'after' }]));
    expect(await c.next()).toEqual([11, 1, { message: 'hello after' }]);
  });

  it('refuses a cyclic value built with the structured-clone extensions', async () => {
    const c = await rawMsgpack();
    // [1, 1, 'greet', <object id 1: [pointer to 1]>]
    c.send(Buffer.from('940101a56772656574' + 'd66900000001' + '91' + 'd67000000001', 'hex'));
    expect((await c.next()).slice(0, 3)).toEqual([12, 0, 'BAD_REQUEST']);
  });
});
