import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/connect.js';
import { WebSocketError, WebSocketStream } from '../../src/client/websocket-stream.js';
import type { Conn } from '../../src/message/conn.js';
import { listen } from '../../src/server/listen.js';
import { HandshakeError } from '../../src/upgrade/errors.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server whose connections the test drives: each new Conn is handed over through `next()`. */
async function server(options: Parameters<typeof listen>[0] = {}): Promise<{ url: string; next(): Promise<Conn> }> {
  const waiting: ((c: Conn) => void)[] = [];
  const ready: Conn[] = [];
  const s = await listen(options, (conn) => {
    const w = waiting.shift();
    if (w !== undefined) w(conn);
    else ready.push(conn);
  });
  cleanups.push(() => s.close());
  return {
    url: `ws://127.0.0.1:${s.port}/`,
    next: () => {
      const c = ready.shift();
      return c !== undefined ? Promise.resolve(c) : new Promise((r) => waiting.push(r));
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('Conn.readable / Conn.writable', () => {
  it('carries messages both ways, strings as text and bytes as binary', async () => {
    const srv = await server();
    const conn = await connect(srv.url);
    cleanups.push(() => conn.terminate());
    const peer = await srv.next();
    const writer = conn.writable.getWriter();
    await writer.write('hello');
    await writer.write(Uint8Array.of(1, 2, 3));
    await writer.write(new Uint16Array([0x0102]).buffer);
    const got = [];
    for await (const m of peer) {
      got.push(m.binary ? [...m.data] : m.text());
      if (got.length === 3) break;
    }
    expect(got).toEqual(['hello', [1, 2, 3], [2, 1]]);
    expect(conn.writable).toBe(conn.writable);
    await peer.send('back');
    const reader = conn.readable.getReader();
    const r = await reader.read();
    expect(r.value?.text()).toBe('back');
  });

  it("a writer awaiting ready stops while the peer does not read, and goes on once it reads", async () => {
    const srv = await server({ readHighWaterMark: 64 * 1024 });
    const conn = await connect(srv.url, { maxQueuedBytes: 128 * 1024 });
    cleanups.push(() => conn.terminate());
    const peer = await srv.next();
    const chunk = new Uint8Array(64 * 1024);
    const total = 4000; // 256 MiB if nothing held the writer back
    let written = 0;
    const writer = conn.writable.getWriter();
    const writing = (async () => {
      while (written < total) {
        await writer.ready;
        void writer.write(chunk).catch(() => undefined);
        written++;
      }
    })();
    let last = -1;
    await expect
      .poll(
        async () => {
          const before = written;
          await sleep(300);
          const stalled = written === before && written === last;
          last = written;
          return stalled;
        },
        { timeout: 20_000, interval: 50 },
      )
      .toBe(true);
    expect(written).toBeLessThan(total / 4);
    expect(writer.desiredSize).toBeLessThanOrEqual(0);
    const stalledAt = written;
    let read = 0;
    for await (const m of peer) {
      read += m.data.length;
      if (read >= (stalledAt + 200) * chunk.length) break;
    }
    expect(written).toBeGreaterThan(stalledAt);
    conn.terminate();
    await writing.catch(() => undefined);
  });

  it('reading stops at the connection: the readable pulls only what is read', async () => {
    const srv = await server();
    const conn = await connect(srv.url, { readHighWaterMark: 16 * 1024 });
    cleanups.push(() => conn.terminate());
    const peer = await srv.next();
    const reader = conn.readable.getReader();
    let sent = 0;
    const big = new Uint8Array(16 * 1024);
    const pushing = (async () => {
      while (sent < 4000 && peer.isOpen) {
        await peer.send(big);
        sent++;
      }
    })().catch(() => undefined);
    await expect
      .poll(
        async () => {
          const before = sent;
          await sleep(300);
          return sent === before;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    expect(sent).toBeLessThan(4000);
    const r = await reader.read();
    expect(r.value?.data.length).toBe(big.length);
    conn.terminate();
    await pushing;
  });

  it('closing the writable closes the connection with 1000; cancelling the readable closes it too', async () => {
    const srv = await server();
    const a = await connect(srv.url);
    const pa = await srv.next();
    await a.writable.getWriter().close();
    expect((await pa.closed).code).toBe(1000);
    const b = await connect(srv.url);
    const pb = await srv.next();
    await b.readable.cancel();
    expect((await pb.closed).code).toBe(1000);
  });

  it('the readable ends when the peer closes, and errors on a protocol error', async () => {
    const srv = await server({ maxMessageSize: 100 });
    const conn = await connect(srv.url);
    const peer = await srv.next();
    await peer.close(4001, 'bye');
    const reader = conn.readable.getReader();
    expect((await reader.read()).done).toBe(true);
    const big = await connect(srv.url, { maxMessageSize: 100 });
    const peer2 = await srv.next();
    await peer2.send('x'.repeat(1000));
    const err = await rejection(big.readable.getReader().read());
    expect(err).toBeInstanceOf(Error);
    expect((await big.closed).code).toBe(1009);
  });
});

describe('WebSocketStream (WICG explainer behaviours)', () => {
  it('opened gives readable, writable, protocol and extensions; text reads as strings, binary as Uint8Array', async () => {
    const srv = await server({ http2: true, selectProtocol: (o) => o[1], deflate: true });
    const wss = new WebSocketStream(srv.url, { protocols: ['a', 'b'], deflate: true, http2: true });
    const { readable, writable, protocol, extensions } = await wss.opened;
    expect(protocol).toBe('b');
    expect(extensions).toMatch(/^permessage-deflate/);
    const peer = await srv.next();
    const writer = writable.getWriter();
    await writer.write('ping');
    for await (const m of peer) {
      await peer.send(m.text() + '!');
      await peer.send(Uint8Array.of(9));
      break;
    }
    const reader = readable.getReader();
    expect((await reader.read()).value).toBe('ping!');
    const bin = (await reader.read()).value;
    expect(bin).toBeInstanceOf(Uint8Array);
    expect([...(bin as Uint8Array)]).toEqual([9]);
    wss.close();
  });

  it('close({ closeCode, reason }) closes with them; closed resolves with the peer answer', async () => {
    const srv = await server();
    const wss = new WebSocketStream(srv.url);
    await wss.opened;
    const peer = await srv.next();
    wss.close({ closeCode: 4000, reason: 'done' });
    expect(await peer.closed).toMatchObject({ code: 4000, reason: 'done' });
    // closed reports the close frame received: zwire's server echoes the code without the reason
    expect(await wss.closed).toEqual({ closeCode: 4000, reason: '' });
  });

  it('a close started by the server resolves closed with its code and ends the readable', async () => {
    const srv = await server();
    const wss = new WebSocketStream(srv.url);
    const { readable } = await wss.opened;
    const peer = await srv.next();
    await peer.close(4002, 'server says bye');
    expect((await readable.getReader().read()).done).toBe(true);
    expect(await wss.closed).toEqual({ closeCode: 4002, reason: 'server says bye' });
  });

  it('closed rejects with a WebSocketError when the connection drops without a closing handshake', async () => {
    const srv = await server();
    const wss = new WebSocketStream(srv.url);
    await wss.opened;
    (await srv.next()).terminate();
    const err = await rejection(wss.closed);
    expect(err).toBeInstanceOf(WebSocketError);
    expect(err).toMatchObject({ closeCode: 1006, code: 'ERR_WEBSOCKET_CLOSED' });
  });

  it('rejects codes other than 1000 and 3000-4999 and reasons over 123 bytes', async () => {
    const srv = await server();
    const wss = new WebSocketStream(srv.url);
    await wss.opened;
    expect(() => wss.close({ closeCode: 1001 })).toThrow(RangeError);
    expect(() => wss.close({ closeCode: 5000 })).toThrow(RangeError);
    expect(() => wss.close({ reason: 'é'.repeat(62) })).toThrow(RangeError);
    wss.close();
    expect(await wss.closed).toEqual({ closeCode: 1000, reason: '' });
  });

  it('close() before the handshake completes and an aborted signal both reject opened and closed', async () => {
    const srv = await server({ onBeforeUpgrade: () => sleep(300) });
    const early = new WebSocketStream(srv.url);
    early.close();
    expect(await rejection(early.opened)).toBeInstanceOf(HandshakeError);
    expect(await rejection(early.closed)).toBeInstanceOf(HandshakeError);
    const ac = new AbortController();
    const aborted = new WebSocketStream(srv.url, { signal: ac.signal });
    ac.abort(new Error('never mind'));
    expect(await rejection(aborted.opened)).toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('a handshake the server refuses rejects opened', async () => {
    const srv = await server({ onRequest: () => {
      throw new Error('no');
    } });
    const wss = new WebSocketStream(srv.url);
    expect(await rejection(wss.opened)).toMatchObject({ code: 'ERR_UNEXPECTED_STATUS', status: 500 });
  });
});
