import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Conn } from '../../src/message/conn.js';
import { take } from './helpers.js';

/** Two in-memory duplexes wired back to back. */
function duplexPair(): [Duplex, Duplex] {
  const ab = new PassThrough();
  const ba = new PassThrough();
  const pair: [Duplex, Duplex] = [Duplex.from({ readable: ba, writable: ab }), Duplex.from({ readable: ab, writable: ba })];
  // Destroying one side aborts the shared PassThroughs; the side without a Conn has nobody listening.
  for (const s of [ab, ba, ...pair]) s.on('error', () => undefined);
  return pair;
}

describe('Conn over an in-memory duplex', () => {
  it('exchanges messages, pings and a clean close without any socket', async () => {
    const [a, b] = duplexPair();
    const server = new Conn(a, { role: 'server' });
    const client = new Conn(b, { role: 'client' });
    await client.send('over memory');
    await server.send(Uint8Array.of(1, 2, 3));
    expect((await take(server, 1))[0].text()).toBe('over memory');
    expect([...(await take(client, 1))[0].data]).toEqual([1, 2, 3]);
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
    const serverClosed = server.closed;
    const info = await client.close(4321, 'done');
    expect(info.wasClean).toBe(true);
    expect(info.code).toBe(4321);
    expect(await serverClosed).toEqual({ code: 4321, reason: 'done', wasClean: true });
  });

  it('rejects a send of the wrong type instead of throwing', async () => {
    const [a] = duplexPair();
    const conn = new Conn(a, { role: 'server' });
    await expect(conn.send(42 as unknown as string)).rejects.toBeInstanceOf(TypeError);
    conn.terminate();
  });
});
