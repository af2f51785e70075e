import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/connect.js';
import type { ConnInfo } from '../../src/message/conn-info.js';
import { listen } from '../../src/server/ws-server.js';
import type { WebSocketServer } from '../../src/server/ws-server.js';
import { sleep, take } from './helpers.js';

const servers: WebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("listen's handler learns where the connection came from", () => {
  it('gets (conn, info): url, path, query, a copy of the headers, remote address, subprotocol', async () => {
    let seen!: (info: ConnInfo) => void;
    const got = new Promise<ConnInfo>((r) => (seen = r));
    const server = await listen({ selectProtocol: (offered) => offered.find((p) => p === 'chat.v2') }, (conn, info) => {
      seen(info);
      void conn.close();
    });
    servers.push(server);
    const conn = await connect(`ws://127.0.0.1:${server.port}/rooms/42?user=ann&tag=a&tag=b`, {
      protocols: ['chat.v1', 'chat.v2'],
      headers: { 'x-token': 'secret', cookie: 'sid=1' },
    });
    const info = await got;
    expect(info.url).toBe('/rooms/42?user=ann&tag=a&tag=b');
    expect(info.path).toBe('/rooms/42');
    expect(info.query.get('user')).toBe('ann');
    expect(info.query.getAll('tag')).toEqual(['a', 'b']);
    expect(info.headers['x-token']).toBe('secret');
    expect(info.headers.cookie).toBe('sid=1');
    expect(info.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(info.headers['sec-websocket-protocol']).toBe('chat.v1, chat.v2');
    expect(info.remoteAddress).toBe('127.0.0.1');
    expect(info.protocol).toBe('chat.v2');
    expect(info.signal.aborted).toBe(false);
    await conn.closed;
  });

  it('also with deflate negotiated (the handshake path that differs per connection)', async () => {
    let seen!: (info: ConnInfo) => void;
    const got = new Promise<ConnInfo>((r) => (seen = r));
    const server = await listen({ deflate: true }, (conn, info) => {
      seen(info);
      void conn.close();
    });
    servers.push(server);
    const conn = await connect(`ws://127.0.0.1:${server.port}/z?q=1`, { deflate: true });
    const info = await got;
    expect([info.path, info.query.get('q'), info.protocol]).toEqual(['/z', '1', null]);
    expect(info.headers['sec-websocket-extensions']).toContain('permessage-deflate');
    await conn.closed;
  });
});

describe('info.signal', () => {
  it('is one per connection, so listeners of connections that ended do not pile up', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    const signals: AbortSignal[] = [];
    const server = await listen({}, (conn, info) => {
      signals.push(info.signal);
      info.signal.addEventListener('abort', () => void conn.close());
    });
    servers.push(server);
    for (let i = 0; i < 15; i++) {
      const conn = await connect(`ws://127.0.0.1:${server.port}`);
      await conn.close();
    }
    await sleep(20);
    process.off('warning', onWarning);
    expect(new Set(signals).size).toBe(15);
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    expect(signals.some((s) => s.aborted)).toBe(false);
  });
});

describe('server.close()', () => {
  it('answers a handshake still being received with 503 and does not wait for it', async () => {
    const server = await listen({}, () => undefined);
    const socket = net.connect(server.port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const answer: Buffer[] = [];
    socket.on('data', (b: Buffer) => answer.push(b));
    const ended = new Promise((r) => socket.once('close', r));
    socket.on('error', () => undefined);
    await sleep(50);
    const t0 = Date.now();
    const closed = await Promise.race([server.close().then(() => true), sleep(3000).then(() => false)]);
    expect(closed, 'close() resolved without waiting for the handshake timeout').toBe(true);
    expect(Date.now() - t0).toBeLessThan(2000);
    await ended;
    expect(Buffer.concat(answer).toString('latin1')).toMatch(/^HTTP\/1\.1 503 /);
  });

  it('with graceMs: stops accepting at once, lets work in flight finish, then closes with 1001', async () => {
    const aborted: boolean[] = [];
    const server = await listen({}, async (conn, info) => {
      info.signal.addEventListener('abort', () => aborted.push(true));
      for await (const m of conn) {
        await sleep(200);
        await conn.send(`done: ${m.text()}`);
      }
    });
    const port = server.port;
    const conns = await Promise.all([1, 2, 3].map(() => connect(`ws://127.0.0.1:${port}`)));
    for (const [i, c] of conns.entries()) await c.send(`job ${i}`);
    await sleep(30);
    const t0 = Date.now();
    const closing = server.close({ graceMs: 800 });
    await expect(connect(`ws://127.0.0.1:${port}`, { timeoutMs: 2000 })).rejects.toMatchObject({ name: 'HandshakeError' });
    const replies = await Promise.all(conns.map((c) => take(c, 1)));
    expect(replies.map((r) => r.map((m) => m.text()))).toEqual([['done: job 0'], ['done: job 1'], ['done: job 2']]);
    // The first connection leaves by itself: it is not waited for.
    await conns[0].close(1000);
    const infos = await Promise.all(conns.map((c) => c.closed));
    expect(infos.map((i) => i.code)).toEqual([1000, 1001, 1001]);
    await closing;
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(700);
    expect(took).toBeLessThan(5000);
    expect(aborted).toEqual([true, true, true]);
    expect(server.connections.size).toBe(0);
  });

  it('with graceMs: resolves as soon as every connection has ended', async () => {
    const server = await listen({}, (conn, info) => {
      info.signal.addEventListener('abort', () => void conn.close(1000, 'bye'));
    });
    const conn = await connect(`ws://127.0.0.1:${server.port}`);
    const t0 = Date.now();
    await server.close({ graceMs: 10_000 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await conn.closed).toMatchObject({ code: 1000, reason: 'bye' });
  });
});
