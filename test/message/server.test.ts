import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer as WsServer } from 'ws';
import { connect } from '../../src/client/connect.js';
import type { Conn } from '../../src/message/conn.js';
import { fromUpgradeHTTP, listen } from '../../src/server/ws-server.js';
import type { WebSocketServer } from '../../src/server/ws-server.js';
import { take } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function echoServer(opts: Parameters<typeof listen>[0] = {}): Promise<WebSocketServer> {
  const server = await listen(opts, async (conn) => {
    for await (const m of conn) await conn.send(m.data, { binary: m.binary });
  });
  cleanups.push(() => server.close());
  return server;
}

async function client(url: string, opts?: Parameters<typeof connect>[1]): Promise<Conn> {
  const conn = await connect(url, opts);
  cleanups.push(() => conn.terminate());
  return conn;
}

describe('listen + connect', () => {
  it('echoes text and binary between zwire client and server', async () => {
    const server = await echoServer();
    const conn = await client(`ws://127.0.0.1:${server.port}/`);
    await conn.send('hi');
    await conn.send(Uint8Array.of(7, 7));
    const got = await take(conn, 2);
    expect(got[0].text()).toBe('hi');
    expect(got[1].binary).toBe(true);
    expect(server.connections.size).toBe(1);
    const info = await conn.close();
    expect(info.wasClean).toBe(true);
  });

  it('negotiates a subprotocol', async () => {
    const server = await listen({ selectProtocol: (offered) => (offered.includes('v2') ? 'v2' : null) }, (conn) => {
      void conn.send(`proto ${conn.protocol}`);
    });
    cleanups.push(() => server.close());
    const conn = await client(`ws://127.0.0.1:${server.port}`, { protocols: ['v1', 'v2'] });
    expect(conn.protocol).toBe('v2');
    expect((await take(conn, 1))[0].text()).toBe('proto v2');
  });

  it('compresses with permessage-deflate when both sides enable it', async () => {
    const server = await echoServer({ deflate: true });
    const conn = await client(`ws://127.0.0.1:${server.port}`, { deflate: true });
    const big = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ i, name: `item ${i}` })));
    await conn.send(big);
    await conn.send('small');
    await conn.send(Buffer.alloc(100_000, 3));
    const got = await take(conn, 3);
    expect(got[0].text()).toBe(big);
    expect(got[1].text()).toBe('small');
    expect(got[2].data.equals(Buffer.alloc(100_000, 3))).toBe(true);
  });

  it('streams compressed messages: writer fragments on one side, streaming reader on the other', async () => {
    const received: string[] = [];
    const server = await listen({ deflate: true }, async (conn) => {
      for await (const msg of conn.messages({ stream: true })) {
        const parts: Buffer[] = [];
        for await (const chunk of msg) parts.push(chunk);
        received.push(Buffer.concat(parts).toString());
        await conn.send(`got ${received.length}`);
      }
    });
    cleanups.push(() => server.close());
    const conn = await client(`ws://127.0.0.1:${server.port}`, { deflate: { threshold: 0 } });
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join('');
    const w = conn.writer({ binary: false, fragmentSize: 1000 });
    w.end(text);
    await conn.send('second, whole');
    const replies = await take(conn, 2);
    expect(replies.map((m) => m.text())).toEqual(['got 1', 'got 2']);
    expect(received).toEqual([text, 'second, whole']);
  });

  it('a handler that throws closes its connection with 1011 and reports to onError', async () => {
    const errors: Error[] = [];
    const server = await listen({ onError: (e) => errors.push(e) }, async (conn) => {
      await take(conn, 1);
      throw new Error('handler bug');
    });
    cleanups.push(() => server.close());
    const conn = await client(`ws://127.0.0.1:${server.port}`);
    await conn.send('boom');
    const info = await conn.closed;
    expect(info.code).toBe(1011);
    expect(errors.map((e) => e.message)).toEqual(['handler bug']);
  });

  it('listen() with a nonsensical limit rejects with a RangeError before binding', async () => {
    await expect(listen({ maxMessageSize: -1 }, () => undefined)).rejects.toBeInstanceOf(RangeError);
  });

  it('a handler that throws before its first await closes with 1011 too', async () => {
    const errors: Error[] = [];
    const server = await listen({ onError: (e) => errors.push(e) }, () => {
      throw new Error('sync bug');
    });
    cleanups.push(() => server.close());
    const conn = await client(`ws://127.0.0.1:${server.port}`);
    expect((await conn.closed).code).toBe(1011);
    expect(errors.map((e) => e.message)).toEqual(['sync bug']);
  });

  it('server.close() closes live connections with 1001', async () => {
    const server = await listen({}, () => undefined);
    const conn = await client(`ws://127.0.0.1:${server.port}`);
    const read = take(conn, 1);
    await server.close();
    expect((await conn.closed).code).toBe(1001);
    expect(await read).toEqual([]);
  });

  it('server.close() answers a handshake still in progress with 503 at once', async () => {
    let reached!: () => void;
    const atHook = new Promise<void>((r) => (reached = r));
    const server = await listen(
      {
        onBeforeUpgrade: async () => {
          reached();
          await new Promise((r) => setTimeout(r, 100));
        },
      },
      () => undefined,
    );
    const connecting = connect(`ws://127.0.0.1:${server.port}`);
    await atHook;
    const closing = server.close();
    await expect(connecting).rejects.toMatchObject({ name: 'HandshakeError', status: 503 });
    await closing;
  });

  it('connect rejects with HandshakeError when the server refuses', async () => {
    const server = http.createServer((_req, res) => res.writeHead(403).end('no'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as AddressInfo).port;
    await expect(connect(`ws://127.0.0.1:${port}`)).rejects.toMatchObject({ name: 'HandshakeError', status: 403 });
  });
});

describe('interop with ws', () => {
  it('zwire connect talks to a ws server, with and without deflate', async () => {
    for (const deflate of [false, true]) {
      const wss = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: deflate });
      await new Promise<void>((r) => wss.once('listening', r));
      cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
      wss.on('connection', (ws) => ws.on('message', (d, isBinary) => ws.send(d, { binary: isBinary })));
      const port = (wss.address() as AddressInfo).port;
      const conn = await client(`ws://127.0.0.1:${port}`, { deflate });
      await conn.send('x'.repeat(5000));
      await conn.send(Uint8Array.of(1, 2, 3));
      const got = await take(conn, 2);
      expect(got[0].text()).toBe('x'.repeat(5000));
      expect([...got[1].data]).toEqual([1, 2, 3]);
      expect((await conn.close(4000, 'done')).wasClean).toBe(true);
    }
  });

  it('a ws client talks to zwire listen, with deflate, and closes cleanly', async () => {
    const server = await echoServer({ deflate: true });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}`, { perMessageDeflate: true });
    cleanups.push(() => ws.terminate());
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    expect(ws.extensions).toContain('permessage-deflate');
    const replies: string[] = [];
    const done = new Promise<void>((r) =>
      ws.on('message', (d) => {
        replies.push(String(d));
        if (replies.length === 2) r();
      }),
    );
    ws.send('a'.repeat(3000));
    ws.send('b');
    await done;
    expect(replies).toEqual(['a'.repeat(3000), 'b']);
    const closed = new Promise<number>((r) => ws.once('close', r));
    ws.close(1000);
    expect(await closed).toBe(1000);
  });
});

describe('fromUpgradeHTTP', () => {
  it('turns a node:http upgrade into a Conn next to ordinary HTTP routes', async () => {
    const server = http.createServer((_req, res) => res.end('plain'));
    server.on('upgrade', (req, socket, head) => {
      fromUpgradeHTTP(req, socket, head).then(async (conn) => {
        for await (const m of conn) await conn.send(`echo ${m.text()}`);
      }, () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as AddressInfo).port;
    const conn = await client(`ws://127.0.0.1:${port}/ws`);
    await conn.send('hello');
    expect((await take(conn, 1))[0].text()).toBe('echo hello');
    await conn.close();
    const body = await new Promise<string>((r) => http.get(`http://127.0.0.1:${port}/`, (res) => res.setEncoding('utf8').on('data', r)));
    expect(body).toBe('plain');
  });
});
