import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { DeflateOptions } from '../deflate/index.js';
import { accept, fromUpgradeHTTP, type Conn } from '../message/index.js';
import { memoryEngine } from '../engine/memory-engine.js';
import { acceptHttp2 } from '../server/accept-http2.js';
import { DualListener, type Http2Setting } from '../server/dual-listener.js';
import { RejectError } from '../upgrade/index.js';
import { connectionInfo, toRejection, type ContextHook } from './connection-info.js';
import { codecForProtocol, Subprotocol } from './envelope.js';
import type { Handlers } from './handlers.js';
import { RpcRouter, type RouterOptions, type RpcConnection } from './server.js';
import type { Service, ServiceDef } from './service.js';

/** Options of createServer. */
export interface ServerOptions<C> extends RouterOptions<C> {
  /**
   * Runs at the handshake, before the 101: builds the `ctx.conn` of every call
   * on the connection, or rejects the handshake by throwing (see ContextHook).
   */
  context?: ContextHook<C>;
  /** permessage-deflate: true for defaults, or its options (default off). */
  deflate?: boolean | DeflateOptions;
  /** Ping clients this often and drop those that do not answer (default 30 000; 0 = off). */
  heartbeatMs?: number;
  /** Handshake time limit in ms (default 10 000). */
  handshakeTimeoutMs?: number;
  /**
   * Outbound budget per connection in bytes (the message layer's `maxQueuedBytes`, default 4 MiB): past it,
   * results and stream items wait and new calls wait in their slot before their handler starts.
   */
  maxQueuedBytes?: number;
  /** Failed handshakes and transport errors, for logging. */
  onConnectionError?: (err: Error) => void;
}

/** Options of RpcServer.close. */
export interface CloseOptions {
  /**
   * Graceful shutdown: time in ms that unary calls and client streams in
   * flight get to finish (default 0: every call is aborted at once).
   */
  graceMs?: number;
}

/** Where and how to listen. */
export interface ListenAddress {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Serve WebSockets over HTTP/2 (RFC 8441) on the same port: `true` for h2c, or TLS options (`{ key, cert }`). */
  http2?: Http2Setting;
}

function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && !k.startsWith(':')) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** A per-handshake state: the protocol picked and the context built, read once the Conn exists. */
interface Handshake<C> {
  protocol: string | null;
  conn: C;
}

/**
 * An RPC server: the router plus zwire's handshake and message layers.
 * `listen()` runs its own listener; `handleUpgrade()` serves node:http's 'upgrade' event.
 */
export class RpcServer<S extends ServiceDef, C> extends RpcRouter<S, C> {
  private readonly options: ServerOptions<C>;
  private readonly offered: string;
  private listener: net.Server | null = null;
  private stopListener: (() => void) | null = null;
  private readonly conns = new Map<Conn, RpcConnection>();
  /** Sockets whose handshake has not finished. */
  private readonly handshaking = new Set<Duplex>();
  private closing = false;

  constructor(service: Service<S>, handlers: Handlers<S, C>, options: ServerOptions<C> = {}) {
    super(service, handlers, service.topics.size > 0 && options.engine === undefined ? { ...options, engine: memoryEngine() } : options);
    this.options = options;
    this.offered = this.codecs.map((c) => Subprotocol[c]).join(', ');
  }

  /** The bound port after listen(). */
  get port(): number {
    const a = this.listener?.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  /** Open connections. */
  get connections(): number {
    return this.conns.size;
  }

  /** Listens on a TCP port; resolves with the bound port. */
  listen(address: ListenAddress = {}): Promise<{ port: number; host: string }> {
    if (this.listener !== null) return Promise.reject(new Error('already listening'));
    const host = address.host ?? '127.0.0.1';
    let server: net.Server;
    if (address.http2 !== undefined) {
      const dual = new DualListener(address.http2, {
        onSocket: (socket) => this.acceptSocket(socket as net.Socket),
        onConnect: (stream, headers) => void this.handleHttp2Stream(stream, headers),
      });
      server = dual.server;
      this.stopListener = () => dual.stop();
    } else {
      server = net.createServer((socket) => {
        socket.setNoDelay(true);
        this.acceptSocket(socket);
      });
    }
    this.listener = server;
    this.closing = false;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port ?? 0, host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.options.onConnectionError?.(err));
        resolve({ port: this.port, host });
      });
    });
  }

  /** Serves one node:http 'upgrade' event: `httpServer.on('upgrade', (req, socket, head) => rpc.handleUpgrade(req, socket, head))`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const hs: Handshake<C> = { protocol: null, conn: undefined as C };
    const remote = (socket as net.Socket).remoteAddress;
    this.handshaking.add(socket);
    return fromUpgradeHTTP(req, socket, head, {
      ...this.connOptions(),
      selectProtocol: (offered) => (hs.protocol = this.selectProtocol(offered)),
      onBeforeUpgrade: () => this.buildContext(hs, headerRecord(req.headers), req.url ?? '/', remote),
    }).then(
      (conn) => this.serve(conn, hs, socket),
      (err: Error) => this.handshakeFailed(err, socket),
    );
  }

  /**
   * Stops the server. Handshakes under way are dropped at once. Without
   * `graceMs`, every connection closes at once (1001) and its calls fail with
   * UNAVAILABLE. With it: new handshakes are refused with 503, each client is
   * sent GoAway (its server streams end; the zwire client reconnects elsewhere
   * at once and resumes resumable streams), unary calls and client streams in
   * flight get up to `graceMs` to finish, then every connection closes (1001).
   */
  async close(options: CloseOptions = {}): Promise<void> {
    this.closing = true;
    this.dropHandshakes();
    const grace = options.graceMs ?? 0;
    if (grace > 0 && this.conns.size > 0) await this.drain(grace);
    const listener = this.listener;
    this.listener = null;
    this.stopListener?.();
    this.stopListener = null;
    const stopped = listener === null ? Promise.resolve() : new Promise<void>((r) => listener.close(() => r()));
    await Promise.all([...this.conns.keys()].map((c) => c.close(1001, 'server closing').catch(() => undefined)));
    await stopped;
    await this.closeTopics();
  }

  /** Tells every connection to go away; resolves when their calls are done or `graceMs` has passed. */
  private async drain(graceMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all([...this.conns.values()].map((s) => s.drain(graceMs))), expired]);
    clearTimeout(timer);
  }

  private dropHandshakes(): void {
    for (const socket of this.handshaking) socket.destroy();
    this.handshaking.clear();
  }

  private handshakeFailed(err: Error, socket: Duplex): void {
    this.handshaking.delete(socket);
    this.options.onConnectionError?.(err);
  }

  private connOptions() {
    const max = this.limits.maxMessageSize;
    return {
      // The message layer's limit is the hard one (close 1009); the RPC limit below it answers PAYLOAD_TOO_LARGE.
      maxMessageSize: max * 4 + 1024,
      heartbeatMs: this.options.heartbeatMs ?? 30_000,
      maxQueuedBytes: this.options.maxQueuedBytes,
      deflate: this.options.deflate,
      timeoutMs: this.options.handshakeTimeoutMs,
    };
  }

  private acceptSocket(socket: net.Socket): void {
    const hs: Handshake<C> = { protocol: null, conn: undefined as C };
    this.handshaking.add(socket);
    const wantsInfo = this.options.context !== undefined;
    const headers: Record<string, string> = Object.create(null);
    let path = '/';
    accept(socket, {
      ...this.connOptions(),
      onRequest: wantsInfo ? (uri) => (path = uri.toString('latin1')) : undefined,
      onHeader: wantsInfo
        ? (name, value) => {
            const k = name.toString('latin1').toLowerCase();
            const v = value.toString('latin1');
            headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
          }
        : undefined,
      selectProtocol: (offered) => (hs.protocol = this.selectProtocol(offered)),
      onBeforeUpgrade: () => this.buildContext(hs, headers, path, socket.remoteAddress),
    }).then(
      (conn) => this.serve(conn, hs, socket),
      (err: Error) => this.handshakeFailed(err, socket),
    );
  }

  /**
   * Serves one node:http2 extended CONNECT (RFC 8441) from a server of your own made with
   * `settings: { enableConnectProtocol: true }`: `h2.on('stream', (s, h) => h[':method'] === 'CONNECT' && rpc.handleHttp2Stream(s, h))`.
   */
  handleHttp2Stream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const hs: Handshake<C> = { protocol: null, conn: undefined as C };
    this.handshaking.add(stream);
    return acceptHttp2(stream, headers, {
      ...this.connOptions(),
      selectProtocol: (offered) => (hs.protocol = this.selectProtocol(offered)),
      onBeforeUpgrade: () => this.buildContext(hs, headerRecord(headers), String(headers[':path'] ?? '/'), stream.session?.socket?.remoteAddress),
    }).then(
      (conn) => this.serve(conn, hs, stream),
      (err: Error) => this.handshakeFailed(err, stream),
    );
  }

  private async buildContext(hs: Handshake<C>, headers: Record<string, string>, path: string, remote: string | undefined): Promise<void> {
    if (hs.protocol === null) throw new RejectError(400, `offer one of the subprotocols ${this.offered}`);
    if (this.closing) throw new RejectError(503, 'server closing');
    const hook = this.options.context;
    if (hook === undefined) return;
    try {
      hs.conn = await hook(connectionInfo(headers, path, hs.protocol, remote));
    } catch (err) {
      throw toRejection(err);
    }
  }

  private serve(conn: Conn, hs: Handshake<C>, socket: Duplex): void {
    this.handshaking.delete(socket);
    if (hs.protocol === null || this.closing) {
      void conn.close(1001).catch(() => undefined);
      return;
    }
    const binary = codecForProtocol(hs.protocol) === 'msgpack';
    const session = this.attach(
      {
        send: (data) => conn.send(data),
        get bufferedAmount() {
          return conn.bufferedAmount;
        },
        close: (code, reason) => {
          conn.close(code, reason).catch(() => undefined);
        },
      },
      hs.protocol,
      hs.conn,
    );
    this.conns.set(conn, session);
    conn.on('error', (err) => this.options.onConnectionError?.(err));
    void conn.closed.then(() => {
      this.conns.delete(conn);
      session.close();
    });
    void (async () => {
      try {
        for await (const m of conn) session.receive(binary || m.binary ? m.data : m.text());
      } catch {
        // the Conn reports how it ended through `closed`
      }
      session.close();
    })();
  }
}

/**
 * Creates an RPC server for a service: one handler per method, typed from
 * the definition. Serve it with `listen({ port })` or `handleUpgrade(req, socket, head)`.
 */
export function createServer<S extends ServiceDef, C = undefined>(service: Service<S>, handlers: Handlers<S, C>, options?: ServerOptions<C>): RpcServer<S, C> {
  return new RpcServer(service, handlers, options);
}
