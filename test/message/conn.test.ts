import { describe, expect, it } from 'vitest';
import { Conn } from '../../src/message/conn.js';
import { ConnClosedError } from '../../src/message/errors.js';
import { Opcode } from '../../src/wire/index.js';
import { RawPeer, socketPair, take, pairsClosedAfterEach } from './helpers.js';

const { raw, pair, closeLater } = pairsClosedAfterEach();

describe('Conn send/receive', () => {
  it('exchanges text and binary messages both ways, in order', async () => {
    const { server, client } = await pair();
    await client.send('hello');
    await client.send(Uint8Array.of(1, 2, 3));
    await client.send('');
    await client.send(new Uint8Array(0));
    const got = await take(server, 4);
    expect(got.map((m) => m.binary)).toEqual([false, true, false, true]);
    expect(got[0].text()).toBe('hello');
    expect([...got[1].data]).toEqual([1, 2, 3]);
    expect(got[2].data.length).toBe(0);
    expect(got[3].data.length).toBe(0);

    await server.send('ünïcödé ✓');
    await server.send(Buffer.from('bytes as text'), { binary: false });
    await server.send('string as binary', { binary: true });
    const back = await take(client, 3);
    expect(back[0].text()).toBe('ünïcödé ✓');
    expect(back[1].binary).toBe(false);
    expect(back[1].text()).toBe('bytes as text');
    expect(back[2].binary).toBe(true);
    expect(back[2].text()).toBe('string as binary');
  });

  it('carries large messages (frame length encodings 16 and 64 bit) intact', async () => {
    const { server, client } = await pair();
    const sizes = [125, 126, 65535, 65536, 3 * 1024 * 1024 + 7];
    const payloads = sizes.map((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31) & 0xff)));
    for (const p of payloads) void client.send(p);
    const got = await take(server, sizes.length);
    got.forEach((m, i) => expect(m.data.equals(payloads[i])).toBe(true));
    const big = 'é'.repeat(200_000);
    await server.send(big);
    const [m] = await take(client, 1);
    expect(m.text()).toBe(big);
  });

  it('keeps delivered message data intact while later messages arrive', async () => {
    const { server, client } = await pair();
    for (let i = 0; i < 200; i++) void client.send(`message ${i}`);
    const got = await take(server, 200);
    expect(got.map((m) => m.text())).toEqual(Array.from({ length: 200 }, (_, i) => `message ${i}`));
  });

  it('reassembles fragmented messages with control frames between the fragments', async () => {
    const { conn, peer } = await raw();
    peer.send(Opcode.Text, 'frag', { fin: false });
    peer.send(Opcode.Ping, 'p1');
    peer.send(Opcode.Continuation, 'ment', { fin: false });
    peer.send(Opcode.Continuation, 'ed', { fin: true });
    peer.send(Opcode.Binary, Uint8Array.of(9), { fin: false });
    peer.send(Opcode.Continuation, Uint8Array.of(8), { fin: true });
    const got = await take(conn, 2);
    expect(got[0].text()).toBe('fragmented');
    expect([...got[1].data]).toEqual([9, 8]);
    const frames = await peer.waitFrames(1);
    expect(frames[0].opcode).toBe(Opcode.Pong);
    expect(frames[0].payload.toString()).toBe('p1');
  });

  it('reads a text message whose code points are split across fragments and TCP chunks', async () => {
    const { conn, peer } = await raw();
    const bytes = Buffer.from('a€𝄞b');
    const frames = [
      rawFrame(Opcode.Text, bytes.subarray(0, 2), false),
      rawFrame(Opcode.Continuation, bytes.subarray(2, 5), false),
      rawFrame(Opcode.Continuation, bytes.subarray(5), true),
    ];
    const all = Buffer.concat(frames);
    for (let i = 0; i < all.length; i++) peer.write(all.subarray(i, i + 1));
    const [m] = await take(conn, 1);
    expect(m.text()).toBe('a€𝄞b');
  });

  it('processes frames that arrive with the handshake leftovers (head)', async () => {
    const { a, b, close } = await socketPair();
    closeLater(close);
    const head = Buffer.concat([rawFrame(Opcode.Text, Buffer.from('early'), true), rawFrame(Opcode.Text, Buffer.from('par'), false)]);
    const conn = new Conn(a, { role: 'server', head });
    b.write(rawFrame(Opcode.Continuation, Buffer.from('tial'), true));
    const got = await take(conn, 2);
    expect(got.map((m) => m.text())).toEqual(['early', 'partial']);
  });

  it('rejects send() after close with ConnClosedError', async () => {
    const { server, client } = await pair();
    void server;
    const closing = client.close();
    await expect(client.send('late')).rejects.toBeInstanceOf(ConnClosedError);
    await closing;
    await expect(client.send('later')).rejects.toMatchObject({ code: 'ERR_CONN_CLOSED' });
    expect(client.isOpen).toBe(false);
  });

  it('exposes the subprotocol and validated limits', async () => {
    const { a, close } = await socketPair();
    closeLater(close);
    const conn = new Conn(a, { role: 'server', protocol: 'chat', maxMessageSize: 10 });
    expect(conn.protocol).toBe('chat');
    expect(conn.limits.maxMessageSize).toBe(10);
    expect(conn.limits.maxFragments).toBe(Infinity);
    expect(() => new Conn(a, { role: 'server', maxQueuedBytes: 0 })).toThrow(RangeError);
    expect(() => new Conn(a, { role: 'server', closeTimeoutMs: -1 })).toThrow(RangeError);
  });
});

function rawFrame(op: number, payload: Uint8Array, fin: boolean): Buffer {
  return RawPeer.frame(op, payload, { fin });
}
