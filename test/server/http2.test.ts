import { readFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connect } from '../../src/client/connect.js';
import { ExtendedConnectUnsupportedError } from '../../src/client/http2-sessions.js';
import { createClient, zwireTransport } from '../../src/client/rpc-exports.js';
import type { Conn } from '../../src/message/conn.js';
import type { WebSocketServer } from '../../src/server/ws-server.js';
import { createServer } from '../../src/server/rpc-server.js';
import { defineService } from '../../src/rpc/service.js';
import { listen, type ListenOptions } from '../../src/server/listen.js';
import { HandshakeError, RejectError, UpgradeError } from '../../src/upgrade/errors.js';

const fixtures = new URL('../fixtures/', import.meta.url);
const key = readFileSync(new URL('localhost-key.pem', fixtures));
const cert = readFileSync(new URL('localhost-cert.pem', fixtures));
const TLS = { rejectUnauthorized: false };

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

interface Seen {
  paths: string[];
  errors: Error[];
}

async function echoServer(options: ListenOptions): Promise<{ server: WebSocketServer; seen: Seen }> {
  const seen: Seen = { paths: [], errors: [] };
  const server = await listen({ onRequest: (uri) => seen.paths.push(uri.toString()), onError: (e) => seen.errors.push(e), ...options }, async (conn) => {
    for await (const m of conn) await conn.send(m.data, { binary: m.binary });
  });
  cleanups.push(() => server.close());
  return { server, seen };
}

async function client(url: string, options: Parameters<typeof connect>[1]): Promise<Conn> {
  const conn = await connect(url, { tls: TLS, ...options });
  cleanups.push(() => conn.terminate());
  return conn;
}

async function echoOnce(conn: Conn, data: string | Uint8Array): Promise<string | Buffer> {
  await conn.send(data);
  for await (const m of conn) return m.binary ? m.data : m.text();
  throw new Error('closed before the echo');
}

/** A raw HTTP/2 session (no zwire client) to send requests by hand. */
async function rawSession(origin: string): Promise<http2.ClientHttp2Session> {
  const s = http2.connect(origin, { rejectUnauthorized: false });
  s.on('error', () => undefined);
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  await new Promise((r) => s.once('remoteSettings', r));
  return s;
}

function request(s: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const st = s.request(headers, { endStream: false });
    st.on('error', reject);
    st.once('response', (h) => {
      st.end();
      let body = '';
      st.setEncoding('utf8');
      st.on('data', (c: string) => (body += c));
      st.on('end', () => resolve({ status: Number(h[':status']), headers: h, body }));
      if (Number(h[':status']) === 200) resolve({ status: 200, headers: h, body });
    });
  });
}

const connectHeaders = (port: number, extra: http2.OutgoingHttpHeaders = {}): http2.OutgoingHttpHeaders => ({
  ':method': 'CONNECT',
  ':protocol': 'websocket',
  ':scheme': 'https',
  ':path': '/raw',
  ':authority': `localhost:${port}`,
  'sec-websocket-version': '13',
  ...extra,
});

for (const mode of ['tls', 'h2c'] as const) {
  const http2Option = mode === 'tls' ? { key, cert } : (true as const);
  const scheme = mode === 'tls' ? 'wss' : 'ws';

  describe(`WebSockets over HTTP/2, ${mode}`, () => {
    it('serves HTTP/2 and HTTP/1.1 on one port, both directions of data intact', async () => {
      const { server, seen } = await echoServer({ http2: http2Option });
      const url = `${scheme}://localhost:${server.port}/chat?room=1`;
      const over2 = await client(url, { http2: true });
      const over1 = await client(url, {});
      expect(await echoOnce(over2, 'via h2 ✓')).toBe('via h2 ✓');
      expect(await echoOnce(over1, 'via h1')).toBe('via h1');
      const big = Buffer.alloc(300_000, 7);
      expect(Buffer.compare((await echoOnce(over2, big)) as Buffer, big)).toBe(0);
      expect(seen.paths).toEqual(['/chat?room=1', '/chat?room=1']);
      expect(server.connections.size).toBe(2);
      const info = await over2.close(1000, 'bye');
      expect(info).toMatchObject({ code: 1000, wasClean: true });
    });

    it('negotiates subprotocol and permessage-deflate as on HTTP/1.1', async () => {
      const { server } = await echoServer({ http2: http2Option, selectProtocol: (o) => (o.includes('b') ? 'b' : null), deflate: true });
      const conn = await client(`${scheme}://localhost:${server.port}/`, { http2: true, protocols: ['a', 'b'], deflate: true });
      expect(conn.protocol).toBe('b');
      const text = 'compressible '.repeat(5000);
      expect(await echoOnce(conn, text)).toBe(text);
      expect(conn.bufferedAmount).toBeGreaterThanOrEqual(0);
    });

    it('runs 100 WebSockets over one HTTP/2 session', async () => {
      const server = await listen({ http2: http2Option }, async (conn) => {
        for await (const m of conn) await conn.send(m.data, { binary: m.binary });
      });
      cleanups.push(() => server.close());
      const tcp = new Set<net.Socket>();
      server.net.on(mode === 'tls' ? 'secureConnection' : 'connection', (s: net.Socket) => tcp.add(s));
      const url = `${scheme}://localhost:${server.port}/`;
      const conns = await Promise.all(Array.from({ length: 100 }, () => client(url, { http2: true })));
      const echoes = await Promise.all(conns.map((c, i) => echoOnce(c, `n${i}`)));
      expect(echoes).toEqual(conns.map((_, i) => `n${i}`));
      expect(tcp.size).toBe(1);
      expect(server.connections.size).toBe(100);
      await Promise.all(conns.map((c) => c.close()));
    });

    it('applies the message limits (1009) over HTTP/2', async () => {
      const { server } = await echoServer({ http2: http2Option, maxMessageSize: 1000 });
      const conn = await client(`${scheme}://localhost:${server.port}/`, { http2: true });
      await conn.send('x'.repeat(2000));
      const info = await conn.closed;
      expect(info.code).toBe(1009);
    });

    it('answers a hook RejectError with its status', async () => {
      const { server, seen } = await echoServer({
        http2: http2Option,
        onHeader: (name, value) => {
          if (name.toString() === 'x-token' && value.toString() !== 'ok') throw new RejectError(403, 'bad token');
        },
      });
      const url = `${scheme}://localhost:${server.port}/`;
      const err = await rejection(connect(url, { http2: true, tls: TLS, headers: { 'x-token': 'nope' } }));
      expect(err).toBeInstanceOf(HandshakeError);
      expect(err).toMatchObject({ code: 'ERR_UNEXPECTED_STATUS', status: 403 });
      expect((err as HandshakeError).body?.toString()).toBe('bad token');
      expect(seen.errors[0]).toBeInstanceOf(UpgradeError);
      const ok = await client(url, { http2: true, headers: { 'x-token': 'ok' } });
      expect(await echoOnce(ok, 'in')).toBe('in');
    });
  });
}

describe('closing the HTTP/2 listener', () => {
  it('does not wait for idle sessions or connections that never asked for anything, and closes WebSockets first', async () => {
    const server = await listen({ http2: { key, cert } }, async (conn) => {
      for await (const m of conn) await conn.send(m.data);
    });
    const idle = http2.connect(`https://localhost:${server.port}`, { rejectUnauthorized: false });
    idle.on('error', () => undefined);
    await new Promise((r) => idle.once('remoteSettings', r));
    const silent = net.connect(server.port, '127.0.0.1');
    silent.on('error', () => undefined);
    await new Promise((r) => silent.once('connect', r));
    const ws = await client(`wss://localhost:${server.port}/`, { http2: true });
    const t0 = Date.now();
    await server.close();
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(await ws.closed).toMatchObject({ code: 1001, wasClean: true });
    await new Promise((r) => (idle.closed ? r(undefined) : idle.once('close', r)));
    silent.destroy();
  });
});

describe('HTTP/2 sessions on the client', () => {
  it('reuses the idle session for a later connect; an aborted connect leaves it to the others', async () => {
    const { server } = await echoServer({ http2: true });
    const tcp = new Set<net.Socket>();
    server.net.on('connection', (s: net.Socket) => tcp.add(s));
    const url = `ws://127.0.0.1:${server.port}/`;
    const first = await client(url, { http2: true });
    expect(await echoOnce(first, '1')).toBe('1');
    await first.close();
    const ac = new AbortController();
    const aborted = connect(url, { http2: true, tls: TLS, signal: ac.signal });
    ac.abort();
    expect(await rejection(aborted)).toMatchObject({ code: 'ERR_ABORTED' });
    const second = await client(url, { http2: true });
    expect(await echoOnce(second, '2')).toBe('2');
    expect(tcp.size).toBe(1);
  });
});

describe('bad extended CONNECT requests', () => {
  it('answers each with its status and keeps serving', async () => {
    const { server, seen } = await echoServer({ http2: { key, cert } });
    const s = await rawSession(`https://localhost:${server.port}`);
    const port = server.port;
    const cases: [http2.OutgoingHttpHeaders, number][] = [
      [connectHeaders(port, { ':protocol': 'chat' }), 501],
      [connectHeaders(port, { 'sec-websocket-version': '8' }), 400],
      [connectHeaders(port, { 'sec-websocket-version': undefined }), 400],
      [{ ':method': 'GET', ':path': '/', ':scheme': 'https', ':authority': `localhost:${port}` }, 405],
      [{ ':method': 'POST', ':path': '/', ':scheme': 'https', ':authority': `localhost:${port}` }, 405],
    ];
    for (const [headers, status] of cases) {
      const r = await request(s, headers);
      expect(r.status, JSON.stringify(headers)).toBe(status);
    }
    const v = await request(s, connectHeaders(port, { 'sec-websocket-version': '8' }));
    expect(v.headers['sec-websocket-version']).toBe('13');
    expect(seen.errors.map((e) => (e as UpgradeError).status)).toEqual([501, 400, 400, 400]);
    const good = await request(s, connectHeaders(port));
    expect(good.status).toBe(200);
    const conn = await client(`wss://localhost:${port}/`, { http2: true });
    expect(await echoOnce(conn, 'still up')).toBe('still up');
  });

  it('rejects a client when the server does not enable extended CONNECT', async () => {
    const plain = http2.createSecureServer({ key, cert }, (_req, res) => res.end());
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => plain.close(() => r())));
    plain.on('session', (s) => cleanups.push(() => s.destroy()));
    const port = (plain.address() as net.AddressInfo).port;
    const err = await rejection(connect(`wss://localhost:${port}/`, { http2: true, tls: TLS }));
    expect(err).toBeInstanceOf(ExtendedConnectUnsupportedError);
    expect(err).toMatchObject({ code: 'ERR_NO_EXTENDED_CONNECT' });
  });

  it('times out a handshake whose onBeforeUpgrade never settles, with the stream reset', async () => {
    const { server, seen } = await echoServer({ http2: { key, cert }, timeoutMs: 200, onBeforeUpgrade: () => new Promise(() => undefined) });
    const err = await rejection(connect(`wss://localhost:${server.port}/`, { http2: true, tls: TLS, timeoutMs: 5000 }));
    expect(err).toBeInstanceOf(HandshakeError);
    await expect.poll(() => seen.errors.map((e) => (e as UpgradeError).code)).toContain('ERR_HANDSHAKE_TIMEOUT');
  });
});

describe('RPC over HTTP/2', () => {
  const svc = defineService({ add: { input: z.object({ a: z.number(), b: z.number() }), output: z.number() } });

  it('serves typed calls over HTTP/2 and HTTP/1.1 from one listen()', async () => {
    const paths: string[] = [];
    const rpc = createServer(svc, { add: ({ a, b }) => a + b }, { context: (info) => paths.push(info.path) });
    const { port } = await rpc.listen({ http2: { key, cert } });
    cleanups.push(() => rpc.close());
    const over2 = createClient(svc, `wss://localhost:${port}/rpc?x=2`, { transport: zwireTransport(`wss://localhost:${port}/rpc?x=2`, { http2: true, tls: TLS }) });
    const over1 = createClient(svc, `wss://localhost:${port}/rpc`, { transport: zwireTransport(`wss://localhost:${port}/rpc`, { tls: TLS }) });
    cleanups.push(() => over1.close(), () => over2.close());
    expect(await over2.add({ a: 2, b: 3 })).toBe(5);
    expect(await over1.add({ a: 1, b: 1 })).toBe(2);
    // zwireTransport announces in-band parameters: the marker is in the request target
    expect(paths.sort()).toEqual(['/rpc?x=2&zwire-hello=1', '/rpc?zwire-hello=1']);
    expect(rpc.connections).toBe(2);
  });

  it('serves the createClient http2 option over h2c', async () => {
    const rpc = createServer(svc, { add: ({ a, b }) => a + b });
    const { port } = await rpc.listen({ http2: true });
    cleanups.push(() => rpc.close());
    const c = createClient(svc, `ws://localhost:${port}/`, { http2: true });
    cleanups.push(() => c.close());
    expect(await c.add({ a: 20, b: 22 })).toBe(42);
  });
});
