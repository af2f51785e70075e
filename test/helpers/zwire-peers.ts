/**
 * zwire endpoints built with the public API for conformance and interop tests: an echo server
 * (every message sent back with its type) and an echo client, each recording how its
 * connections ended so tests can check what the application was told.
 */
import { once } from 'node:events';
import { connect, type ConnectOptions } from '../../src/client/index.js';
import { listen, type CloseInfo, type Conn, type ConnLimits, type WebSocketServer } from '../../src/index.js';

/** Sends every message back with the same type until the connection ends. */
export async function echo(conn: Conn): Promise<void> {
  for await (const m of conn) await conn.send(m.data, { binary: m.binary });
}

/** Echo from an application that takes `ms` before answering each message. */
export function slowEcho(ms: number): (conn: Conn) => Promise<void> {
  return async (conn) => {
    for await (const m of conn) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      await conn.send(m.data, { binary: m.binary });
    }
  };
}

/**
 * Echo with the streaming reader and writer: each chunk goes back as a fragment as soon as it
 * arrives, so the peer sees the message before its end was received. A message that fails
 * mid-way (the connection is failing) aborts the writer.
 */
export async function streamingEcho(conn: Conn): Promise<void> {
  for await (const stream of conn.messages({ stream: true })) {
    const w = conn.writer({ binary: stream.binary, fragmentSize: 0 });
    try {
      for await (const chunk of stream) if (!w.write(chunk)) await once(w, 'drain');
    } catch {
      // The connection is failing and already reports why (Conn.closed); just give up the message.
      w.destroy();
      return;
    }
    await new Promise<void>((resolve, reject) => w.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}

/**
 * A server handler driven by the peer: the first message is a command. "echo"; "close <code> <reason>";
 * "ping <payload>" (pings the peer, reports, then echoes); "fragments" (sends a text message in
 * 4 fragments, then echoes).
 */
export async function scripted(conn: Conn): Promise<void> {
  const it = conn[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const [cmd, arg, reason = ''] = first.value.text().split(' ');
  if (cmd === 'echo') {
    for (let m = await it.next(); !m.done; m = await it.next()) await conn.send(m.value.data, { binary: m.value.binary });
  } else if (cmd === 'close') {
    await conn.close(Number(arg), reason);
  } else if (cmd === 'ping') {
    const rtt = await conn.ping(Buffer.from(arg));
    await conn.send(`pong after ${rtt >= 0 ? 'a' : 'no'} round trip`);
    await echo(conn);
  } else if (cmd === 'fragments') {
    const w = conn.writer({ binary: false, fragmentSize: 0 });
    for (const part of ['frag', 'ment', 'ed €', '']) w.write(part);
    await new Promise<void>((resolve, reject) => w.end((err?: Error | null) => (err ? reject(err) : resolve())));
    await echo(conn);
  }
}

export interface EchoServer {
  server: WebSocketServer;
  port: number;
  /** How each accepted connection ended, in accept order. */
  closes: Promise<CloseInfo>[];
  /** Errors reported by the server (failed handshakes, handler errors). */
  errors: Error[];
  close(): Promise<void>;
}

/** A zwire server made with `listen` that runs `handler` on each connection. */
export async function startServer(handler: (conn: Conn) => Promise<void>, limits: ConnLimits = {}): Promise<EchoServer> {
  const closes: Promise<CloseInfo>[] = [];
  const errors: Error[] = [];
  const server = await listen({ port: 0, host: '127.0.0.1', ...limits, onError: (e) => errors.push(e) }, (conn) => {
    closes.push(conn.closed);
    return handler(conn);
  });
  return { server, port: server.port, closes, errors, close: () => server.close() };
}

export function startEchoServer(limits: ConnLimits = {}): Promise<EchoServer> {
  return startServer(echo, limits);
}

/** Opens a zwire client connection with the public `connect` of zwire/client. */
export function openClient(url: string, opts: ConnectOptions = {}): Promise<Conn> {
  return connect(url, opts);
}
