import { EventEmitter, once } from 'node:events';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Conn } from '../../src/message/conn.js';
import { AbnormalClosureError } from '../../src/message/errors.js';
import { Publication } from '../../src/message/publication.js';
import { Opcode } from '../../src/wire/index.js';
import { connPair, RawPeer, socketPair } from './helpers.js';

// What an idle connection does not carry (see bench/README.md, idle memory): these pin the
// mechanisms, so that behaviour stays the same whether or not the state is there.

/** A server Conn over an in-memory Duplex that records what is written to it, one entry per write. */
function recordingConn(): { conn: Conn; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      writes.push(Buffer.from(chunk));
      cb();
    },
    writev(chunks, cb) {
      writes.push(Buffer.concat(chunks.map((c) => c.chunk as Buffer)));
      cb();
    },
  });
  return { conn: new Conn(socket, { role: 'server', closeTimeoutMs: 50 }), writes };
}

/** Payloads of the unmasked frames in `bytes`, in order. */
function payloads(bytes: Buffer): string[] {
  const out: string[] = [];
  let p = 0;
  while (p < bytes.length) {
    let len = bytes[p + 1] & 0x7f;
    let at = p + 2;
    if (len === 126) {
      len = bytes.readUInt16BE(at);
      at += 2;
    }
    out.push(bytes.subarray(at, at + len).toString());
    p = at + len;
  }
  return out;
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('an idle connection', () => {
  it('has no listener table until someone listens, and its events still work', async () => {
    const { server, client, close } = await connPair();
    expect((server as unknown as { _events: unknown })._events).toBeUndefined();
    expect(server.listenerCount('close')).toBe(0);
    expect(server.emit('pong', Buffer.alloc(0))).toBe(false);
    const closed = once(server, 'close');
    const pong = once(server, 'pong');
    await server.ping();
    expect((await pong)[0]).toBeInstanceOf(Buffer);
    await client.close(4000, 'bye');
    expect((await closed)[0]).toEqual({ code: 4000, reason: 'bye', wasClean: true });
    close();
  });

  it("listens for 'end' only on half-open sockets, and ends abnormally either way when the peer leaves", async () => {
    const { a, b } = await socketPair();
    const server = new Conn(a, { role: 'server' });
    expect(a.allowHalfOpen).toBe(false);
    expect(a.listeners('end')).toHaveLength(1);
    const half = new Duplex({ allowHalfOpen: true, read() {}, write: (_c, _e, cb) => cb() });
    const onHalf = new Conn(half, { role: 'server' });
    expect(half.listeners('end')).toHaveLength(1);
    half.push(null);
    b.end();
    const [fromNet, fromHalf] = await Promise.all([server.closed, onHalf.closed]);
    for (const info of [fromNet, fromHalf]) {
      expect(info.code).toBe(1006);
      expect(info.wasClean).toBe(false);
      expect(info.error).toBeInstanceOf(AbnormalClosureError);
    }
  });

  it('holds no queue array and no read extras once its messages are read, and they come back when needed', async () => {
    const { server, client, close } = await connPair();
    const state = server as unknown as { items: unknown; extra: unknown };
    const it = server.messages();
    await client.send('one');
    expect((await it.next()).value?.text()).toBe('one');
    expect(state.items).toBeNull();
    expect(state.extra).toBeNull();
    // Two next() calls before anything arrives: the second waiter is the first thing kept in the extras.
    const first = it.next();
    const second = it.next();
    expect(state.extra).not.toBeNull();
    await client.send('two');
    await client.send('three');
    expect([(await first).value?.text(), (await second).value?.text()]).toEqual(['two', 'three']);
    expect(state.items).toBeNull();
    const third = it.next();
    const fourth = it.next();
    await client.close(1000);
    expect([(await third).done, (await fourth).done]).toEqual([true, true]);
    close();
  });

  it('keeps each layer boolean in a bit of its own', () => {
    const { conn } = recordingConn();
    const flags = conn as unknown as Record<string, boolean> & { flags: number };
    const names: string[] = [];
    for (let proto = Object.getPrototypeOf(conn); proto !== EventEmitter.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
        if (d.get && d.set && name !== 'flags') names.push(name);
      }
    }
    expect(names).toEqual(expect.arrayContaining(['closeSent', 'finalized', 'paused', 'writerActive', 'readStopped', 'frameFin']));
    const saved = flags.flags;
    flags.flags = 0;
    const bits = new Set<number>();
    for (const name of names) {
      flags[name] = true;
      expect(flags[name]).toBe(true);
      const bit = flags.flags;
      expect(bit & (bit - 1)).toBe(0);
      bits.add(bit);
      flags[name] = false;
      expect(flags.flags).toBe(0);
    }
    expect(bits.size).toBe(names.length);
    flags.flags = saved;
    conn.terminate();
  });
});

describe('frame sinks shared between connections', () => {
  it('frames of connections writing in the same tick go to their own sockets, in order, one write each', async () => {
    const a = recordingConn();
    const b = recordingConn();
    void a.conn.send('a1');
    void b.conn.send('b1');
    void a.conn.send('a2');
    void b.conn.send('b2');
    void a.conn.send('a3');
    await tick();
    expect(a.writes.map(payloads)).toEqual([['a1', 'a2', 'a3']]);
    expect(b.writes.map(payloads)).toEqual([['b1', 'b2']]);
    expect(a.conn.sink).toBeNull();
    expect(b.conn.sink).toBeNull();
    a.conn.terminate();
    b.conn.terminate();
  });

  it('a frame sent with the turn waits for the shared frames of the turn: one write, in order', async () => {
    const a = recordingConn();
    const laterTick = (): Promise<void> => new Promise((r) => process.nextTick(r));
    a.conn.deliver(new Publication('p1', false, true));
    await laterTick();
    void a.conn.sendWithTurn('reply');
    await laterTick();
    a.conn.deliver(new Publication('p2', false, true));
    await tick();
    expect(a.writes.map(payloads)).toEqual([['p1', 'reply', 'p2']]);
    // a plain send is written at the end of its tick, before the shared frames that come later in the turn
    a.conn.deliver(new Publication('p3', false, true));
    void a.conn.send('own');
    await laterTick();
    a.conn.deliver(new Publication('p4', false, true));
    await tick();
    expect(a.writes.slice(1).map(payloads)).toEqual([['p3', 'own'], ['p4']]);
    expect(a.conn.sink).toBeNull();
    a.conn.terminate();
  });

  it('a large frame between small ones keeps its place, and the sink is given back after it', async () => {
    const a = recordingConn();
    const big = 'x'.repeat(20_000);
    void a.conn.send('before');
    void a.conn.send(Buffer.from(big));
    void a.conn.send('after');
    await tick();
    const all = Buffer.concat(a.writes);
    expect(all.subarray(0, 8).toString('latin1')).toBe('\x81\x06before');
    expect(all.subarray(8, 10)).toEqual(Buffer.from([0x82, 126]));
    expect(all.readUInt16BE(10)).toBe(20_000);
    expect(all.subarray(12, 20_012).toString()).toBe(big);
    expect(all.subarray(20_012).toString('latin1')).toBe('\x81\x05after');
    expect(a.conn.sink).toBeNull();
    a.conn.terminate();
  });

  it('a client and a server connection taking turns with one sink each mask only the client frames', async () => {
    const { a, b, close } = await socketPair();
    const server = new Conn(a, { role: 'server' });
    const peer = new RawPeer(b, 'client');
    const { a: a2, b: b2, close: close2 } = await socketPair();
    const client = new Conn(b2, { role: 'client' });
    const serverPeer = new RawPeer(a2, 'server');
    for (let i = 0; i < 3; i++) {
      void server.send(`s${i}`);
      void client.send(`c${i}`);
    }
    const fromServer = await peer.waitFrames(3);
    const fromClient = await serverPeer.waitFrames(3);
    expect(fromServer.map((f) => [f.opcode, f.payload.toString()])).toEqual([0, 1, 2].map((i) => [Opcode.Text, `s${i}`]));
    expect(fromClient.map((f) => f.payload.toString())).toEqual(['c0', 'c1', 'c2']);
    close();
    close2();
  });
});
