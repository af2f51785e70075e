import * as net from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect, type ConnectOptions } from '../../src/client/connect.js';
import type { Conn } from '../../src/message/index.js';
import { envelopeCodec } from '../../src/rpc/codecs.js';
import { Subprotocol, type CodecName } from '../../src/rpc/envelope.js';
import { TopicKind } from '../../src/rpc/topic-envelopes.js';
import { until } from './fixture.js';
import { createServer } from '../../src/server/rpc-server.js';
import { chat, chatHandlers, closeAfter, serveChat } from './topics-fixture.js';

afterEach(() => {
  vi.restoreAllMocks();
});

interface Subscriber {
  codec: CodecName;
  conn: Conn;
  /** Publication envelopes received, decoded. */
  got: unknown[][];
}

/** A raw RPC connection on `codec` subscribed to ticker `symbol`, collecting what it receives. */
async function subscriber(url: string, codec: CodecName, symbol: string, options: ConnectOptions = {}): Promise<Subscriber> {
  const conn = await connect(url, { protocols: [Subprotocol[codec]], ...options });
  closeAfter(async () => conn.terminate());
  const env = envelopeCodec(codec);
  const s: Subscriber = { codec, conn, got: [] };
  await conn.send(env.envelope([TopicKind.Subscribe, 1, 'ticker', { symbol }]));
  let subscribed = false;
  void (async () => {
    for await (const m of conn) {
      const e = env.decode(codec === 'json' ? m.text() : m.data) as unknown[];
      if (e[0] === TopicKind.Subscribed) subscribed = true;
      if (e[0] === TopicKind.Publication) s.got.push(e);
    }
  })().catch(() => undefined);
  await until(() => subscribed);
  return s;
}

type Chunk = { chunk: Buffer };
type Spied = net.Socket & { _writev(chunks: Chunk[], cb: () => void): void; _write(chunk: Buffer, enc: BufferEncoding, cb: () => void): void };

/** Records, per server-side socket, the chunks of each write it is handed. */
function recordWrites(port: number): Map<net.Socket, Buffer[][]> {
  const writes = new Map<net.Socket, Buffer[][]>();
  const proto = net.Socket.prototype as Spied;
  const writev = proto._writev;
  const write = proto._write;
  const mine = (s: net.Socket): Buffer[][] | null => {
    if (s.localPort !== port) return null;
    let list = writes.get(s);
    if (list === undefined) writes.set(s, (list = []));
    return list;
  };
  vi.spyOn(proto, '_writev').mockImplementation(function (this: Spied, chunks, cb) {
    mine(this)?.push(chunks.map((c) => c.chunk));
    writev.call(this, chunks, cb);
  });
  vi.spyOn(proto, '_write').mockImplementation(function (this: Spied, chunk, enc, cb) {
    mine(this)?.push([chunk]);
    write.call(this, chunk, enc, cb);
  });
  return writes;
}

describe('RPC topics over the hub fan-out', () => {
  it('a publication is framed once per codec, the same frame is written to every subscriber, one write per socket per turn', async () => {
    const { server, url, port } = await serveChat();
    const subs = await Promise.all((['json', 'msgpack', 'json', 'msgpack', 'json', 'msgpack'] as const).map((c) => subscriber(url, c, 'ACME')));
    const writes = recordWrites(port);
    const pad = 'p'.repeat(3000);
    // published in one turn: each lands in the fan-out in the same event-loop turn
    const published = await Promise.all([1, 2, 3, 4].map((n) => server.publish('ticker', { symbol: 'ACME' }, { n, pad })));
    expect(published.map((p) => p.offset)).toEqual([1, 2, 3, 4]);
    await until(() => subs.every((s) => s.got.length === 4));
    for (const s of subs) expect(s.got.map((e) => (e[4] as { n: number }).n)).toEqual([1, 2, 3, 4]);

    expect(writes.size).toBe(6);
    const perSocket = [...writes.values()];
    // each socket got its four publications in one write
    expect(perSocket.map((w) => w.length)).toEqual([1, 1, 1, 1, 1, 1]);
    // the large frames (header and payload in one buffer) are the very same Buffers on every socket of a codec
    const large = perSocket.map(([chunks]) => chunks.filter((c) => c.length > 3000));
    for (const list of large) expect(list).toHaveLength(4);
    const byCodec = new Map<number, Buffer[][]>();
    for (const list of large) {
      const opcode = list[0][0] & 0x0f;
      byCodec.set(opcode, [...(byCodec.get(opcode) ?? []), list]);
    }
    expect([...byCodec.keys()].sort()).toEqual([1, 2]);
    for (const lists of byCodec.values()) {
      expect(lists).toHaveLength(3);
      for (const other of lists.slice(1)) other.forEach((frame, k) => expect(frame).toBe(lists[0][k]));
    }
    // and the two codecs' frames differ
    expect(byCodec.get(1)?.[0][0]).not.toBe(byCodec.get(2)?.[0][0]);
  });

  it('with permessage-deflate without server context takeover a publication is compressed once per codec', async () => {
    const { server, url } = await serveChat({ deflate: { serverNoContextTakeover: true } });
    const subs = await Promise.all((['json', 'json', 'json', 'msgpack', 'msgpack'] as const).map((c) => subscriber(url, c, 'Z', { deflate: true })));
    const spy = vi.spyOn(zlib, 'deflateRawSync');
    await server.publish('ticker', { symbol: 'Z' }, { n: 1, pad: 'compressible '.repeat(200) });
    await until(() => subs.every((s) => s.got.length === 1));
    for (const s of subs) expect(s.got[0][4]).toEqual({ n: 1, pad: 'compressible '.repeat(200) });
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('subscribers over HTTP/2 and HTTP/1.1 on one port get every publication, in order', async () => {
    const server = createServer(chat, chatHandlers, { context: () => ({ user: 'anon' }) });
    const { port } = await server.listen({ port: 0, http2: true });
    closeAfter(() => server.close());
    const url = `ws://localhost:${port}/`;
    const subs = await Promise.all([
      subscriber(url, 'json', 'H', { http2: true }),
      subscriber(url, 'msgpack', 'H', { http2: true }),
      subscriber(url, 'json', 'H'),
      subscriber(url, 'msgpack', 'H'),
    ]);
    for (let n = 1; n <= 50; n++) void server.publish('ticker', { symbol: 'H' }, { n, pad: n % 10 === 0 ? 'p'.repeat(5000) : undefined });
    await until(() => subs.every((s) => s.got.length === 50));
    for (const s of subs) expect(s.got.map((e) => (e[4] as { n: number }).n)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('a socket of its own attached to the server still gets publications', async () => {
    const { server } = await serveChat();
    const sent: string[] = [];
    const session = server.attach({ send: (d) => void sent.push(String(d)), bufferedAmount: 0, close: () => undefined }, Subprotocol.json, { user: 'own' });
    closeAfter(async () => session.close());
    session.receive(JSON.stringify([TopicKind.Subscribe, 1, 'ticker', { symbol: 'O' }]));
    await until(() => sent.some((d) => (JSON.parse(d) as unknown[])[0] === TopicKind.Subscribed));
    await server.publish('ticker', { symbol: 'O' }, { n: 7 });
    await until(() => sent.some((d) => (JSON.parse(d) as unknown[])[0] === TopicKind.Publication));
    expect(JSON.parse(sent.at(-1) ?? '[]')[4]).toEqual({ n: 7 });
  });

  it('join events and publications reach subscribers on both codecs', async () => {
    const { server, url } = await serveChat();
    const conn = await connect(url, { protocols: [Subprotocol.json] });
    closeAfter(async () => conn.terminate());
    const events: unknown[][] = [];
    void (async () => {
      for await (const m of conn) events.push(JSON.parse(m.text()) as unknown[]);
    })().catch(() => undefined);
    await conn.send(JSON.stringify([TopicKind.Subscribe, 1, 'room', { room: 'lobby' }]));
    await until(() => events.some((e) => e[0] === TopicKind.Subscribed));
    const other = await connect(`${url}?user=bob`, { protocols: [Subprotocol.msgpack] });
    closeAfter(async () => other.terminate());
    await other.send(envelopeCodec('msgpack').envelope([TopicKind.Subscribe, 1, 'room', { room: 'lobby' }]));
    await until(() => events.some((e) => e[0] === TopicKind.Join && (e[2] as { user: string }).user === 'bob'));
    await server.publish('room', { room: 'lobby' }, { from: 's', text: 'hi' });
    await until(() => events.some((e) => e[0] === TopicKind.Publication));
  });
});
