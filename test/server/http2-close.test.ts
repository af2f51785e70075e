import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/client/connect.js';
import { http2Session } from '../../src/client/http2-sessions.js';
import type { Conn } from '../../src/message/conn.js';
import { listen } from '../../src/server/listen.js';
import { HandshakeError } from '../../src/upgrade/errors.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function client(url: string): Promise<Conn> {
  const conn = await connect(url, { http2: true });
  cleanups.push(() => conn.terminate());
  return conn;
}

async function echoOnce(conn: Conn, text: string): Promise<string> {
  await conn.send(text);
  for await (const m of conn) return m.text();
  throw new Error('closed before the echo');
}

/** A TCP connection that began an HTTP/1.1 upgrade and never finished its head; resolves with what the server answers. */
async function halfHandshake(port: number): Promise<{ answer: Promise<string> }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  cleanups.push(() => void socket.destroy());
  await new Promise((r) => socket.once('connect', r));
  socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
  let got = '';
  socket.setEncoding('latin1').on('data', (c: string) => (got += c));
  // the server must have read the bytes (and so begun the handshake) before the test closes it
  await new Promise((r) => setTimeout(r, 300));
  return { answer: new Promise((r) => socket.once('close', () => r(got))) };
}

function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('graceful close of the HTTP/1.1 + HTTP/2 listener', () => {
  it('answers new handshakes 503 on both protocols, aborts info.signal, lets WebSockets finish, then 1001 and GOAWAY', async () => {
    const errors: Error[] = [];
    const server = await listen({ http2: true, onError: (e) => errors.push(e) }, async (conn, info) => {
      info.signal.addEventListener('abort', () => void conn.send('shutting down').catch(() => undefined));
      for await (const m of conn) await conn.send(`echo ${m.text()}`);
    });
    cleanups.push(() => server.close());
    const url = `ws://127.0.0.1:${server.port}/`;
    const a = await client(url);
    expect(await echoOnce(a, 'x')).toBe('echo x');
    const pooled = await http2Session(`http://127.0.0.1:${server.port}`, undefined, 5000);
    expect(pooled.streams).toBe(1); // the session carrying a
    let goaway = false;
    pooled.session.once('goaway', () => (goaway = true));
    const half = await halfHandshake(server.port);

    const t0 = Date.now();
    const closing = server.close({ graceMs: 1500 });
    expect((await half.answer).startsWith('HTTP/1.1 503')).toBe(true);
    const seen: string[] = [];
    for await (const m of a) {
      seen.push(m.text());
      break;
    }
    expect(seen).toEqual(['shutting down']);
    // a new WebSocket on the same session is refused, while a still works
    const refused = await rejection(connect(url, { http2: true }));
    expect(refused).toBeInstanceOf(HandshakeError);
    expect(refused).toMatchObject({ code: 'ERR_UNEXPECTED_STATUS', status: 503 });
    expect(await echoOnce(a, 'y')).toBe('echo y');
    expect(goaway).toBe(false);

    expect(await a.closed).toMatchObject({ code: 1001, wasClean: true });
    await closing;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    await new Promise((r) => (pooled.session.closed ? r(undefined) : pooled.session.once('close', r)));
    expect(goaway).toBe(true);
    expect(errors).toEqual([]);
  });

  it('ends early when the WebSockets close during the grace period', async () => {
    const server = await listen({ http2: true }, async (conn) => {
      for await (const m of conn) await conn.send(m.data);
    });
    cleanups.push(() => server.close());
    const a = await client(`ws://127.0.0.1:${server.port}/`);
    const t0 = Date.now();
    const closing = server.close({ graceMs: 20_000 });
    await a.close(1000, 'done');
    await closing;
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('drops HTTP/2 handshakes in progress with 503 and does not report them', async () => {
    const errors: Error[] = [];
    let hooked!: () => void;
    const inHook = new Promise<void>((r) => (hooked = r));
    const server = await listen(
      {
        http2: true,
        onError: (e) => errors.push(e),
        onBeforeUpgrade: async () => {
          hooked();
          await new Promise((r) => setTimeout(r, 3000));
        },
      },
      () => undefined,
    );
    cleanups.push(() => server.close());
    const pending = rejection(connect(`ws://127.0.0.1:${server.port}/`, { http2: true }));
    await inHook;
    await server.close({ graceMs: 5000 });
    expect(await pending).toMatchObject({ code: 'ERR_UNEXPECTED_STATUS', status: 503 });
    await new Promise((r) => setTimeout(r, 3500)); // the hook finishes after the close: still nothing to report
    expect(errors).toEqual([]);
  });
});
