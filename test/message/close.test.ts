import { describe, expect, it } from 'vitest';
import { Conn } from '../../src/message/conn.js';
import { AbnormalClosureError, CloseTimeoutError, ConnClosedError } from '../../src/message/errors.js';
import { Opcode } from '../../src/wire/index.js';
import { RawPeer, socketPair, take, pairsClosedAfterEach } from './helpers.js';

const { raw, pair, closeLater } = pairsClosedAfterEach();

describe('closing handshake', () => {
  it('client-initiated close: both sides end clean with the code and reason', async () => {
    const { server, client } = await pair();
    const serverRead = take(server, 10);
    const info = await client.close(4001, 'bye now');
    expect(info).toEqual({ code: 4001, reason: '', wasClean: true });
    expect(await server.closed).toEqual({ code: 4001, reason: 'bye now', wasClean: true });
    expect(await serverRead).toEqual([]);
  });

  it('server-initiated close with the default code', async () => {
    const { server, client } = await pair();
    const clientRead = take(client, 10);
    const info = await server.close();
    expect(info.wasClean).toBe(true);
    expect(info.code).toBe(1000);
    expect((await client.closed).code).toBe(1000);
    expect(await clientRead).toEqual([]);
  });

  it('answers a peer close by echoing the code, then ends the TCP connection', async () => {
    const { conn, peer } = await raw();
    peer.send(Opcode.Close, Uint8Array.of(0x03, 0xe9, 0x68, 0x69));
    expect(await peer.waitClose()).toBe(1001);
    await peer.waitEnd();
    expect(await conn.closed).toEqual({ code: 1001, reason: 'hi', wasClean: true });
  });

  it('answers an empty close with an empty close and reports 1005', async () => {
    const { conn, peer } = await raw();
    peer.send(Opcode.Close, '');
    expect(await peer.waitClose()).toBe(1005);
    expect(await conn.closed).toEqual({ code: 1005, reason: '', wasClean: true });
  });

  it('delivers messages sent before the close, and the replies go out before the close answer', async () => {
    const { conn, peer } = await raw();
    const echo = (async () => {
      for await (const m of conn) await conn.send(m.data, { binary: m.binary });
    })();
    peer.write(Buffer.concat([RawPeer.frame(Opcode.Text, 'a'), RawPeer.frame(Opcode.Text, 'b'), RawPeer.frame(Opcode.Close, Uint8Array.of(3, 0xe8))]));
    await peer.waitEnd();
    expect(peer.frames.map((f) => f.opcode)).toEqual([Opcode.Text, Opcode.Text, Opcode.Close]);
    await echo;
    expect((await conn.closed).wasClean).toBe(true);
  });

  it('ignores data after the peer close frame', async () => {
    const { conn, peer } = await raw();
    const read = take(conn, 5);
    peer.write(Buffer.concat([RawPeer.frame(Opcode.Close, Uint8Array.of(3, 0xe8)), RawPeer.frame(Opcode.Text, 'late')]));
    expect(await read).toEqual([]);
    expect((await conn.closed).wasClean).toBe(true);
  });

  it('destroys the socket after closeTimeoutMs when the peer never answers', async () => {
    const { conn, peer } = await raw({ closeTimeoutMs: 100 });
    const t0 = Date.now();
    const info = await conn.close(1000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(info.wasClean).toBe(false);
    expect(info.code).toBe(1006);
    expect(info.error).toBeInstanceOf(CloseTimeoutError);
    expect(await peer.waitClose()).toBe(1000);
    await peer.waitEnd();
  });

  it('terminate() destroys at once without a close frame', async () => {
    const { conn, peer } = await raw();
    conn.terminate();
    const info = await conn.closed;
    expect(info).toEqual({ code: 1006, reason: '', wasClean: false });
    await peer.waitEnd();
    expect(peer.frames).toEqual([]);
    await expect(conn.send('x')).rejects.toBeInstanceOf(ConnClosedError);
  });

  it('reports an abnormal closure when the peer vanishes without a close frame', async () => {
    const { conn, peer } = await raw();
    const events: number[] = [];
    conn.on('close', (i) => events.push(i.code));
    peer.socket.destroy();
    const info = await conn.closed;
    expect(info.code).toBe(1006);
    expect(info.wasClean).toBe(false);
    expect(info.error).toBeInstanceOf(AbnormalClosureError);
    expect(events).toEqual([1006]);
  });

  it('still delivers messages that arrived before an abnormal end, then ends the iterator', async () => {
    const { conn, peer } = await raw();
    peer.write(Buffer.concat([RawPeer.frame(Opcode.Text, 'x'), RawPeer.frame(Opcode.Text, 'y')]));
    await new Promise((r) => setTimeout(r, 30));
    peer.socket.destroy();
    await conn.closed;
    const got = await take(conn, 5);
    expect(got.map((m) => m.text())).toEqual(['x', 'y']);
  });

  it('rejects invalid close codes and long reasons from the local user', async () => {
    const { conn } = await raw();
    expect(() => conn.close(1005)).toThrow(RangeError);
    expect(() => conn.close(999)).toThrow(RangeError);
    expect(() => conn.close(1000, 'x'.repeat(124))).toThrow(RangeError);
    expect(conn.isOpen).toBe(true);
  });

  it('close() twice returns the same result', async () => {
    const { client } = await pair();
    const a = client.close();
    const b = client.close(4000);
    expect(await a).toBe(await b);
  });

  it('a Conn on an already destroyed socket is closed', async () => {
    const { a, close } = await socketPair();
    closeLater(close);
    a.destroy();
    const conn = new Conn(a, { role: 'server' });
    expect((await conn.closed).code).toBe(1006);
  });
});
