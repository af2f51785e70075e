import diagnostics from 'node:diagnostics_channel';
import * as http from 'node:http';
import * as net from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect } from '../../src/client/connect.js';
import { accept, fromUpgradeHTTP, listen } from '../../src/server/ws-server.js';
import type { WebSocketServer } from '../../src/server/ws-server.js';
import { Hub, NoHubError } from '../../src/message/hub.js';
import type { Conn } from '../../src/message/conn.js';
import { Opcode } from '../../src/wire/index.js';
import { collectedMemory } from '../helpers/collected-memory.js';
import { RawPeer, connPair, take } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.restoreAllMocks();
});

/** A chat room: every connection subscribes to 'room' and publishes what it receives there. */
async function chatServer(options: Parameters<typeof listen>[0] = {}): Promise<{ server: WebSocketServer; url: string }> {
  const server = await listen(options, async (conn) => {
    conn.subscribe('room');
    for await (const m of conn) server.publish('room', m.data, { binary: m.binary });
  });
  cleanups.push(() => server.close());
  return { server, url: `ws://127.0.0.1:${server.port}/` };
}

async function client(url: string, options: Parameters<typeof connect>[1] = {}): Promise<Conn> {
  const conn = await connect(url, options);
  cleanups.push(() => conn.terminate());
  return conn;
}

/** A raw peer (frames as they are on the wire) connected to `port` with a handshake written by hand. */
async function rawClient(port: number, extensions?: string): Promise<RawPeer> {
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  const ext = extensions === undefined ? '' : `Sec-WebSocket-Extensions: ${extensions}\r\n`;
  socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${ext}\r\n`,
  );
  const rest = await new Promise<Buffer>((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.pause();
      if (!got.subarray(0, end).toString('latin1').startsWith('HTTP/1.1 101')) reject(new Error('handshake refused'));
      else resolve(got.subarray(end + 4));
    };
    socket.on('data', onData);
  });
  const peer = new RawPeer(socket, 'client');
  if (rest.length > 0) socket.emit('data', rest);
  socket.resume();
  return peer;
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

/** Heap and buffer bytes still held. */
async function heldBytes(): Promise<number> {
  const m = await collectedMemory();
  return m.heapUsed + m.arrayBuffers;
}

describe('message-layer topics', () => {
  it('every subscriber, the sender included, receives every publication in one order, text and binary', async () => {
    const { server, url } = await chatServer();
    const clients = await Promise.all([0, 1, 2].map(() => client(url)));
    await until(() => server.hub.subscriberCount('room') === 3);
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      for (const [k, c] of clients.entries()) {
        const text = `c${k}-${i}`;
        sent.push(text);
        void (i % 2 === 0 ? c.send(text) : c.send(Buffer.from(text)));
      }
    }
    const received = await Promise.all(clients.map((c) => take(c, sent.length)));
    const seen = received.map((list) => list.map((m) => `${m.binary ? 'b' : 't'}:${m.text()}`));
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    expect([...seen[0]].sort()).toEqual(sent.map((t) => `${Number(t.split('-')[1]) % 2 === 0 ? 't' : 'b'}:${t}`).sort());
    // Each sender's own messages come in the order it sent them.
    for (let k = 0; k < 3; k++) {
      const own = seen[0].filter((s) => s.includes(`c${k}-`)).map((s) => Number(s.split('-')[1]));
      expect(own).toEqual([...own].sort((a, b) => a - b));
    }
  });

  it('publications and sends of one connection keep their order; conn.topics, isSubscribed and unsubscribe', async () => {
    const server = await listen({}, () => undefined);
    cleanups.push(() => server.close());
    const c = await client(`ws://127.0.0.1:${server.port}/`);
    await until(() => server.connections.size === 1);
    const [conn] = [...server.connections];
    expect(conn.subscribe('a')).toBe(true);
    expect(conn.subscribe('a')).toBe(false);
    expect(conn.subscribe('b')).toBe(true);
    expect(conn.topics).toEqual(['a', 'b']);
    expect(conn.isSubscribed('b')).toBe(true);
    expect(conn.hub).toBe(server.hub);
    void conn.send('own-1');
    expect(server.publish('a', 'pub-a')).toBe(1);
    void conn.send('own-2');
    expect(server.publish('b', Buffer.from('pub-b'), { binary: false })).toBe(1);
    expect((await take(c, 4)).map((m) => [m.binary, m.text()])).toEqual([
      [false, 'own-1'],
      [false, 'pub-a'],
      [false, 'own-2'],
      [false, 'pub-b'],
    ]);
    expect(conn.unsubscribe('a')).toBe(true);
    expect(conn.unsubscribe('a')).toBe(false);
    expect(server.publish('a', 'gone')).toBe(0);
    expect(server.hub.topicCount).toBe(1);
    server.publish('b', 'still');
    expect((await take(c, 1))[0].text()).toBe('still');
    expect(conn.topics).toEqual(['b']);
    expect(conn.subscribe('a')).toBe(true);
    expect(conn.topics).toEqual(['b', 'a']);
    expect(conn.unsubscribe('b')).toBe(true);
    expect(conn.unsubscribe('a')).toBe(true);
    expect(conn.topics).toEqual([]);
    expect(server.hub.topicCount).toBe(0);
    expect(conn.subscribe('c')).toBe(true);
    await c.close();
    await until(() => server.hub.topicCount === 0);
    expect(conn.topics).toEqual([]);
  });

  it('a closed connection leaves all its topics, before its close event', async () => {
    const { server, url } = await chatServer();
    const a = await client(url);
    const b = await client(url);
    await until(() => server.hub.subscriberCount('room') === 2);
    const [first] = [...server.connections];
    first.subscribe('other');
    let countAtClose = -1;
    first.on('close', () => {
      countAtClose = server.hub.subscriberCount('room');
    });
    expect(first.topics).toEqual(['room', 'other']);
    await a.close();
    await until(() => countAtClose !== -1);
    expect(countAtClose).toBe(1);
    expect(first.topics).toEqual([]);
    expect(server.hub.topicCount).toBe(1);
    expect(first.subscribe('room')).toBe(false);
    await b.send('after');
    expect((await take(b, 1))[0].text()).toBe('after');
  });

  it('a connection made without a hub cannot subscribe, and can join one through the hub', async () => {
    const { server, client: peer, close } = await connPair();
    cleanups.push(close);
    expect(() => server.subscribe('x')).toThrow(NoHubError);
    expect(server.topics).toEqual([]);
    expect(server.unsubscribe('x')).toBe(false);
    const hub = new Hub();
    expect(hub.subscribe(server, 'x')).toBe(true);
    expect(() => new Hub().subscribe(server, 'x')).toThrow(RangeError);
    hub.publish('x', 'joined');
    expect((await take(peer, 1))[0].text()).toBe('joined');
    // A client-role connection masks its frames itself: it is sent the payload, not the shared frame.
    expect(hub.subscribe(peer, 'x')).toBe(true);
    hub.publish('x', Uint8Array.of(1, 2, 3));
    const [toServer] = await take(server, 1);
    expect([...toServer.data]).toEqual([1, 2, 3]);
    expect([...(await take(peer, 1))[0].data]).toEqual([1, 2, 3]);
  });

  it('connections made with accept and fromUpgradeHTTP share one hub', async () => {
    const hub = new Hub();
    const raw = net.createServer((socket) => {
      void accept(socket, { hub }).then((conn) => conn.subscribe('news'));
    });
    const web = http.createServer();
    web.on('upgrade', (req, socket, head) => {
      void fromUpgradeHTTP(req, socket, head, { hub }).then((conn) => conn.subscribe('news'));
    });
    await Promise.all([new Promise<void>((r) => raw.listen(0, '127.0.0.1', r)), new Promise<void>((r) => web.listen(0, '127.0.0.1', r))]);
    cleanups.push(() => new Promise((r) => raw.close(r)), () => new Promise((r) => web.close(r)));
    const viaRaw = await client(`ws://127.0.0.1:${(raw.address() as net.AddressInfo).port}/`);
    const viaHttp = await client(`ws://127.0.0.1:${(web.address() as net.AddressInfo).port}/`);
    await until(() => hub.subscriberCount('news') === 2);
    expect(hub.publish('news', 'to both')).toBe(2);
    expect((await take(viaRaw, 1))[0].text()).toBe('to both');
    expect((await take(viaHttp, 1))[0].text()).toBe('to both');
  });
});

describe('framed once, one write per socket per turn', () => {
  it('many publications in one turn reach each socket in one write, the shared frame not copied for large ones', async () => {
    const server = await listen({}, (conn) => void conn.subscribe('t'));
    cleanups.push(() => server.close());
    const peers = await Promise.all([0, 1, 2].map(() => rawClient(server.port)));
    await until(() => server.hub.subscriberCount('t') === 3);
    // What each socket is handed: one array of chunks per write (one for a plain write).
    const writes: Buffer[][][] = [];
    type Chunk = { chunk: Buffer };
    for (const conn of server.connections) {
      const socket = (conn as unknown as { socket: net.Socket }).socket as net.Socket & {
        _writev(chunks: Chunk[], cb: () => void): void;
        _write(chunk: Buffer, encoding: BufferEncoding, cb: () => void): void;
      };
      const mine: Buffer[][] = [];
      writes.push(mine);
      const writev = socket._writev.bind(socket);
      socket._writev = (chunks, cb) => {
        mine.push(chunks.map((c) => c.chunk));
        writev(chunks, cb);
      };
      const write = socket._write.bind(socket);
      socket._write = (chunk, encoding, cb) => {
        mine.push([chunk]);
        write(chunk, encoding, cb);
      };
    }
    const big = Buffer.alloc(2000, 7);
    // Half of them after a turn of the tick queue (as from another socket's data event in the same loop turn).
    for (let i = 0; i < 15; i++) server.publish('t', i % 3 === 0 ? big : `small ${i}`);
    await new Promise((r) => process.nextTick(r));
    for (let i = 15; i < 30; i++) server.publish('t', i % 3 === 0 ? big : `small ${i}`);
    const frames = await Promise.all(peers.map((p) => p.waitFrames(30)));
    expect(writes.map((w) => w.length)).toEqual([1, 1, 1]);
    // The 10 large frames are the same buffers on every socket, between runs of gathered small ones.
    const large = writes.map(([chunks]) => chunks.filter((c) => c.length === 2004));
    expect(large[0]).toHaveLength(10);
    for (const other of large.slice(1)) other.forEach((chunk, k) => expect(chunk).toBe(large[0][k]));
    expect(writes[0][0]).toHaveLength(20);
    for (const list of frames) {
      expect(list.map((f) => (f.opcode === Opcode.Binary ? f.payload.length : f.payload.toString()))).toEqual(
        Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 2000 : `small ${i}`)),
      );
    }
  });

  it('with permessage-deflate without server context takeover a publication is compressed once for all', async () => {
    const { server, url } = await chatServer({ deflate: { serverNoContextTakeover: true } });
    const clients = await Promise.all([0, 1, 2].map(() => client(url, { deflate: true })));
    const peer = await rawClient(server.port, 'permessage-deflate');
    await until(() => server.hub.subscriberCount('room') === 4);
    const spy = vi.spyOn(zlib, 'deflateRawSync');
    const text = 'compressible '.repeat(200);
    expect(server.publish('room', text)).toBe(4);
    for (const c of clients) expect((await take(c, 1))[0].text()).toBe(text);
    const [frame] = await peer.waitFrames(1);
    expect(frame.rsv1).toBe(true);
    expect(frame.payload.length).toBeLessThan(200);
    expect(spy).toHaveBeenCalledTimes(1);
    // Below the threshold, or with compress: false, the plain frame goes to every connection.
    server.publish('room', 'short');
    server.publish('room', text, { compress: false });
    const [, short, plain] = await peer.waitFrames(3);
    expect([short.rsv1, short.payload.toString()]).toEqual([false, 'short']);
    expect([plain.rsv1, plain.payload.length]).toEqual([false, text.length]);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('subscribers that negotiated different server windows get a compression each that fits their window', async () => {
    const { server, url } = await chatServer({ deflate: { serverNoContextTakeover: true } });
    const wide = await client(url, { deflate: { serverNoContextTakeover: true } });
    const narrow = await rawClient(server.port, 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10');
    await until(() => server.hub.subscriberCount('room') === 2);
    const spy = vi.spyOn(zlib, 'deflateRawSync');
    // A block repeated 1,500 bytes later: a compressor with a 15-bit window may refer back to it, which a
    // peer that allowed 10 bits (1 KiB) need not resolve; so that peer gets a compression of its own.
    const block = Buffer.from(Array.from({ length: 1500 }, (_, i) => (i * 7919) % 251));
    const data = Buffer.concat([block, block]);
    expect(server.publish('room', data)).toBe(2);
    expect((await take(wide, 1))[0].data.equals(data)).toBe(true);
    const [frame] = await narrow.waitFrames(1);
    expect(frame.rsv1).toBe(true);
    const inflated = zlib.inflateRawSync(Buffer.concat([frame.payload, Buffer.from([0, 0, 0xff, 0xff])]), { windowBits: 10, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(inflated.equals(data)).toBe(true);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('with context takeover each connection compresses on its own; without deflate frames go plain', async () => {
    const { server, url } = await chatServer({ deflate: true });
    const clients = await Promise.all([0, 1, 2].map(() => client(url, { deflate: true })));
    const plainPeer = await rawClient(server.port);
    await until(() => server.hub.subscriberCount('room') === 4);
    const spy = vi.spyOn(zlib, 'deflateRawSync');
    const text = 'compressible '.repeat(200);
    for (let i = 0; i < 3; i++) server.publish('room', `${i} ${text}`);
    for (const c of clients) expect((await take(c, 3)).map((m) => m.text())).toEqual([0, 1, 2].map((i) => `${i} ${text}`));
    expect(spy).toHaveBeenCalledTimes(9);
    const frames = await plainPeer.waitFrames(3);
    expect(frames.map((f) => [f.rsv1, f.payload.toString()])).toEqual([0, 1, 2].map((i) => [false, `${i} ${text}`]));
  });
});

describe('slow subscribers', () => {
  const budget = 64 * 1024;
  const payload = Buffer.alloc(1024, 1);

  /**
   * One subscriber that never reads and one that does, then 10,000 publications of 1 KiB in
   * batches of 20, each once the fast subscriber has all but the last batch (it stays within its budget).
   */
  async function flood(slow: 'skip' | 'close'): Promise<{ hub: Hub; stuck: RawPeer; stuckConn: Conn; fast: number[]; maxQueued: number; growth: number }> {
    const hub = new Hub({ slow });
    const server = await listen({ hub, maxQueuedBytes: budget }, (conn) => void conn.subscribe('feed'));
    cleanups.push(() => server.close());
    const stuck = await rawClient(server.port);
    stuck.socket.pause();
    const fastConn = await client(`ws://127.0.0.1:${server.port}/`);
    await until(() => hub.subscriberCount('feed') === 2);
    const [stuckConn] = [...server.connections];
    const fast: number[] = [];
    const reading = (async () => {
      for await (const m of fastConn) {
        fast.push(m.data.readUInt32BE(0));
        if (fast.length === 10_000) break;
      }
    })();
    const before = await heldBytes();
    let maxQueued = 0;
    for (let i = 0; i < 10_000; i++) {
      payload.writeUInt32BE(i, 0);
      hub.publish('feed', payload);
      if (i % 20 === 19) {
        maxQueued = Math.max(maxQueued, stuckConn.bufferedAmount);
        await until(() => fast.length >= i - 20);
      }
    }
    await reading;
    const growth = (await heldBytes()) - before;
    return { hub, stuck, stuckConn, fast, maxQueued, growth };
  }

  it("'skip': a subscriber over its budget misses publications (counted, 'drop' events), the fast one gets all", async () => {
    const hub0 = new Hub({ slow: 'skip' });
    expect(hub0.slow).toBe('skip');
    const { hub, stuckConn, fast, maxQueued, growth } = await flood('skip');
    expect(fast).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(hub.dropped).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(budget + 20 * 1030);
    expect(stuckConn.isOpen).toBe(true);
    // 10 MB went out; what stays held is the stuck connection's budget plus the kernel's buffers.
    expect(growth).toBeLessThan(2 * 1024 * 1024);
  });

  it('a burst of publications in one turn goes to the kernel as it comes: only what it cannot take counts against the budget', async () => {
    const server = await listen({ maxQueuedBytes: 256 * 1024 }, (conn) => void conn.subscribe('feed'));
    cleanups.push(() => server.close());
    const reader = await client(`ws://127.0.0.1:${server.port}/`);
    await until(() => server.hub.subscriberCount('feed') === 1);
    const [conn] = [...server.connections];
    let queued = 0;
    for (let i = 0; i < 600; i++) {
      payload.writeUInt32BE(i, 0);
      queued += server.publish('feed', payload);
    }
    expect(queued).toBe(600);
    expect(conn.isOpen).toBe(true);
    expect((await take(reader, 600)).map((m) => m.data.readUInt32BE(0))).toEqual(Array.from({ length: 600 }, (_, i) => i));
  });

  /** A 'skip' hub whose one subscriber does not read; `publishUntil` publishes until `done()` (at most 4000 times). */
  async function stuckSubscriber(): Promise<{ hub: Hub; conn: Conn; publishUntil(done: () => boolean): Promise<void> }> {
    const hub = new Hub({ slow: 'skip' });
    const server = await listen({ hub, maxQueuedBytes: 1024 }, (conn) => void conn.subscribe('feed'));
    cleanups.push(() => server.close());
    const stuck = await rawClient(server.port);
    stuck.socket.pause();
    await until(() => hub.subscriberCount('feed') === 1);
    const [conn] = [...server.connections];
    const publishUntil = async (done: () => boolean): Promise<void> => {
      for (let i = 0; i < 4000 && !done(); i++) {
        hub.publish('feed', payload);
        if (i % 50 === 49) await new Promise((r) => setImmediate(r));
      }
    };
    return { hub, conn, publishUntil };
  }

  it("'drop' events name the connection and the topic", async () => {
    const { hub, conn, publishUntil } = await stuckSubscriber();
    const drops: [Conn, string][] = [];
    hub.on('drop', (c, topic) => drops.push([c, topic]));
    await publishUntil(() => drops.length > 0);
    expect(drops[0]).toEqual([conn, 'feed']);
  });

  it('publishes zwire:topic:publish and zwire:slow-consumer on diagnostics_channel while someone subscribes', async () => {
    const { hub, conn, publishUntil } = await stuckSubscriber();
    const published: { topic: string; size: number; queued: number; slow: number }[] = [];
    const slow: { topic: string; conn: Conn; action: string }[] = [];
    const onPublish = (m: unknown): void => void published.push(m as (typeof published)[number]);
    const onSlow = (m: unknown): void => void slow.push(m as (typeof slow)[number]);
    diagnostics.subscribe('zwire:topic:publish', onPublish);
    diagnostics.subscribe('zwire:slow-consumer', onSlow);
    try {
      await publishUntil(() => slow.length > 0);
    } finally {
      diagnostics.unsubscribe('zwire:topic:publish', onPublish);
      diagnostics.unsubscribe('zwire:slow-consumer', onSlow);
    }
    expect(slow[0]).toEqual({ topic: 'feed', conn, action: 'skip' });
    expect(published[0]).toEqual({ topic: 'feed', size: payload.length, queued: 1, slow: 0 });
    expect(published.at(-1)).toEqual({ topic: 'feed', size: payload.length, queued: 0, slow: 1 });
    const seen = published.length;
    hub.publish('feed', payload);
    expect(published.length).toBe(seen);
  });

  it("'close' (the default): a subscriber over its budget is closed with 1013, the fast one gets all", async () => {
    expect(new Hub().slow).toBe('close');
    expect(() => new Hub({ slow: 'later' as 'skip' })).toThrow(RangeError);
    const { hub, stuck, stuckConn, fast, maxQueued, growth } = await flood('close');
    expect(growth).toBeLessThan(2 * 1024 * 1024);
    expect(fast).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    expect(hub.dropped).toBe(0);
    expect(stuckConn.isOpen).toBe(false);
    expect(maxQueued).toBeLessThanOrEqual(budget + 20 * 1030);
    stuck.socket.resume();
    expect(await stuck.waitClose(10_000)).toBe(1013);
    const info = await stuckConn.closed;
    expect(info.code === 1013 || info.code === 1006).toBe(true);
    expect(hub.subscriberCount('feed')).toBe(1);
  });
});

describe('many subscriptions', () => {
  it('10,000 subscriptions (100 connections x 100 topics) each get their publications', async () => {
    const server = await listen({}, (conn) => {
      for (let t = 0; t < 100; t++) conn.subscribe(`topic-${t}`);
    });
    cleanups.push(() => server.close());
    const clients = await Promise.all(Array.from({ length: 100 }, () => client(`ws://127.0.0.1:${server.port}/`)));
    await until(() => server.hub.subscriberCount('topic-99') === 100);
    for (let t = 0; t < 100; t++) expect(server.publish(`topic-${t}`, `m${t}`)).toBe(100);
    const expected = Array.from({ length: 100 }, (_, t) => `m${t}`);
    for (const c of clients) expect((await take(c, 100)).map((m) => m.text())).toEqual(expected);
    await Promise.all(clients.map((c) => c.close()));
    await until(() => server.hub.topicCount === 0);
  });
});
