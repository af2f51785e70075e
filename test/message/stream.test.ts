import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { connect } from '../../src/client/connect.js';
import type { MessageStream } from '../../src/message/message.js';
import { listen } from '../../src/server/ws-server.js';
import { Opcode } from '../../src/wire/index.js';
import { RawPeer, pairsClosedAfterEach } from './helpers.js';

const { raw, pair, closeLater } = pairsClosedAfterEach();

async function collect(s: AsyncIterable<Buffer>): Promise<{ data: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c));
  return { data: Buffer.concat(parts), chunks: parts.length };
}

describe('streaming reader', () => {
  it('yields each message as chunks that arrive with its fragments', async () => {
    const { conn, peer } = await raw();
    const streams = conn.messages({ stream: true });
    peer.send(Opcode.Text, 'part one, ', { fin: false });
    const it = streams[Symbol.asyncIterator]();
    const first = (await it.next()).value as MessageStream;
    expect(first.binary).toBe(false);
    const chunks = first[Symbol.asyncIterator]();
    expect(String((await chunks.next()).value)).toBe('part one, ');
    peer.send(Opcode.Continuation, 'part two', { fin: true });
    expect(String((await chunks.next()).value)).toBe('part two');
    expect((await chunks.next()).done).toBe(true);

    peer.send(Opcode.Binary, Uint8Array.of(1, 2), { fin: true });
    const second = (await it.next()).value as MessageStream;
    expect(second.binary).toBe(true);
    expect([...(await collect(second)).data]).toEqual([1, 2]);
  });

  it('streams a message far larger than maxMessageSize, which only limits whole messages', async () => {
    const p = await pair({ maxMessageSize: 1024 });
    const total = 2 * 1024 * 1024;
    const writing = (async () => {
      const w = p.client.writer({ fragmentSize: 16 * 1024 });
      const block = Buffer.alloc(64 * 1024, 0x5a);
      await pipeline(Readable.from(Array.from({ length: total / block.length }, () => block)), w);
    })();
    let size = 0;
    let chunks = 0;
    for await (const msg of p.server.messages({ stream: true })) {
      for await (const c of msg) {
        size += c.length;
        chunks++;
      }
      break;
    }
    await writing;
    expect(size).toBe(total);
    expect(chunks).toBeGreaterThan(1);
  });

  it('streams a compressed message larger than maxMessageSize as well (listen and connect with deflate)', async () => {
    const total = 256 * 1024;
    let streamed!: (outcome: number | string) => void;
    const got = new Promise<number | string>((r) => (streamed = r));
    const server = await listen({ port: 0, maxMessageSize: 1024, deflate: true }, async (conn) => {
      void conn.closed.then(({ code }) => streamed(`closed ${code}`));
      try {
        for await (const msg of conn.messages({ stream: true })) {
          streamed((await collect(msg)).data.length);
          break;
        }
      } catch {
        // the close code above says why
      }
    });
    closeLater(() => void server.close());
    const client = await connect(`ws://127.0.0.1:${server.port}`, { deflate: true });
    closeLater(() => client.terminate());
    await client.send(Buffer.alloc(total, 0x5a));
    expect(await got).toBe(total);
  });

  it('enforces its own maxMessageSize option', async () => {
    const { conn, peer } = await raw();
    const streams = conn.messages({ stream: true, maxMessageSize: 10 });
    peer.send(Opcode.Binary, Buffer.alloc(6), { fin: false });
    peer.send(Opcode.Continuation, Buffer.alloc(6), { fin: true });
    const it = streams[Symbol.asyncIterator]();
    const msg = (await it.next()).value as MessageStream;
    await expect(collect(msg)).rejects.toMatchObject({ code: 'ERR_MESSAGE_TOO_BIG' });
    expect(await peer.waitClose()).toBe(1009);
  });

  it('drops the rest of a message the consumer skipped and goes on with the next', async () => {
    const { conn, peer } = await raw();
    const it = conn.messages({ stream: true })[Symbol.asyncIterator]();
    peer.send(Opcode.Text, 'skipped ', { fin: false });
    await it.next();
    peer.send(Opcode.Continuation, 'entirely', { fin: true });
    peer.send(Opcode.Text, 'wanted');
    const next = (await it.next()).value as MessageStream;
    expect((await collect(next)).data.toString()).toBe('wanted');
  });

  it('fails the stream and the connection on invalid UTF-8', async () => {
    const { conn, peer } = await raw();
    const it = conn.messages({ stream: true })[Symbol.asyncIterator]();
    peer.send(Opcode.Text, 'ok', { fin: false });
    const msg = (await it.next()).value as MessageStream;
    peer.send(Opcode.Continuation, Uint8Array.of(0xff), { fin: true });
    await expect(collect(msg)).rejects.toMatchObject({ code: 'ERR_INVALID_UTF8' });
    expect(await peer.waitClose()).toBe(1007);
  });

  it('fails a streamed message cut off by the peer close, and the close is answered', async () => {
    const { conn, peer } = await raw();
    const errors: string[] = [];
    const echo = (async () => {
      for await (const msg of conn.messages({ stream: true })) {
        const w = conn.writer({ binary: msg.binary, fragmentSize: 0 });
        w.on('error', () => undefined);
        try {
          for await (const chunk of msg) w.write(chunk);
        } catch (err) {
          errors.push((err as Error).message);
          w.destroy();
          return;
        }
        w.end();
      }
    })();
    peer.write(
      Buffer.concat([
        RawPeer.frame(Opcode.Text, 'fragment1', { fin: false }),
        RawPeer.frame(Opcode.Close, Uint8Array.of(0x03, 0xe8)),
        RawPeer.frame(Opcode.Continuation, 'fragment2'),
      ]),
    );
    expect(await peer.waitClose()).toBe(1000);
    await echo;
    expect(errors).toEqual(['the peer closed the connection in the middle of a message']);
    expect((await conn.closed).wasClean).toBe(true);
  });

  it('refuses to mix reading modes', async () => {
    const { conn } = await raw();
    conn.messages({ stream: true });
    expect(() => conn.messages()).toThrow(/stream mode/);
  });
});

describe('streaming writer', () => {
  it('cuts writes into fragments of fragmentSize and sends the rest with FIN on end', async () => {
    const { conn, peer } = await raw();
    const w = conn.writer({ fragmentSize: 4 });
    w.write('abcdefghij');
    w.end();
    const frames = await peer.waitFrames(3);
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.toString()])).toEqual([
      [Opcode.Binary, false, 'abcd'],
      [Opcode.Continuation, false, 'efgh'],
      [Opcode.Continuation, true, 'ij'],
    ]);
  });

  it('sends one fragment per write with fragmentSize 0, as text', async () => {
    const { conn, peer } = await raw();
    const w = conn.writer({ fragmentSize: 0, binary: false });
    w.write('ab');
    w.write('cd');
    w.end('ef');
    const frames = await peer.waitFrames(3);
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.toString()])).toEqual([
      [Opcode.Text, false, 'ab'],
      [Opcode.Continuation, false, 'cd'],
      [Opcode.Continuation, true, 'ef'],
    ]);
  });

  it('handles corked (vectored) writes like separate ones', async () => {
    const { conn, peer } = await raw();
    const w = conn.writer({ fragmentSize: 3 });
    w.cork();
    w.write('ab');
    w.write('cd');
    w.write('e');
    w.uncork();
    const each = conn.writer({ fragmentSize: 0 });
    each.cork();
    each.write('x');
    each.write('y');
    each.uncork();
    w.end();
    each.end('z');
    const frames = await peer.waitFrames(5);
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.toString()])).toEqual([
      [Opcode.Binary, false, 'abc'],
      [Opcode.Continuation, true, 'de'],
      [Opcode.Binary, false, 'x'],
      [Opcode.Continuation, false, 'y'],
      [Opcode.Continuation, true, 'z'],
    ]);
  });

  it('holds other sends back until the streamed message is finished', async () => {
    const { conn, peer } = await raw();
    const w = conn.writer({ fragmentSize: 0 });
    w.write('one');
    const sent = conn.send('between');
    w.write('two');
    w.end();
    await sent;
    const frames = await peer.waitFrames(3);
    expect(frames.map((f) => [f.opcode, f.fin, f.payload.toString()])).toEqual([
      [Opcode.Binary, false, 'one'],
      [Opcode.Continuation, true, 'two'],
      [Opcode.Text, true, 'between'],
    ]);
  });

  it('round-trips a piped message between two Conns', async () => {
    const p = await pair();
    const parts = Array.from({ length: 50 }, (_, i) => Buffer.from(`part ${i};`));
    await pipeline(Readable.from(parts), p.client.writer({ fragmentSize: 7, binary: false }));
    const it = p.server[Symbol.asyncIterator]();
    const m = (await it.next()).value;
    expect(m?.text()).toBe(Buffer.concat(parts).toString());
  });

  it('closes the connection with 1011 when destroyed mid-message', async () => {
    const { conn, peer } = await raw();
    const w = conn.writer({ fragmentSize: 0 });
    w.on('error', () => undefined);
    w.write('start');
    w.write('more');
    await new Promise((r) => setTimeout(r, 20));
    w.destroy(new Error('source failed'));
    expect(await peer.waitClose()).toBe(1011);
    await expect(conn.send('x')).rejects.toMatchObject({ code: 'ERR_CONN_CLOSED' });
  });

  it('sends an empty message when ended without writes', async () => {
    const { conn, peer } = await raw();
    conn.writer().end();
    const [f] = await peer.waitFrames(1);
    expect([f.opcode, f.fin, f.payload.length]).toEqual([Opcode.Binary, true, 0]);
  });
});

