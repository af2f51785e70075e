import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { ServerHttp2Stream } from 'node:http2';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { DeflateOptions } from '../deflate/index.js';
import type { Conn } from '../message/index.js';
import { pumpMessages } from '../message/pump.js';
import { accept, fromUpgradeHTTP } from './ws-server.js';
import { memoryEngine } from '../engine/memory-engine.js';
import { acceptHttp2 } from './accept-http2.js';
import { DualListener, type Http2Setting } from './dual-listener.js';
import { ConnSocket, sharedFrameDelivery } from './rpc-fanout.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, RejectError } from '../upgrade/index.js';
import { Admission, type Admitted } from '../rpc/admission.js';
import { fromRejection, HandshakeInfo, toRejection, type ContextHook } from './connection-info.js';
import { envelopeCodec } from '../rpc/codecs.js';
import { connClose, connOpen, diagnosticsObserver, handshakeRefused, type ConnCloseMessage, type ConnOpenMessage, type HandshakeRefusedMessage } from './rpc-diagnostics.js';
import { outcomeOf } from '../rpc/observe.js';
import { loadTracing, tracingObserver } from '../rpc/tracing.js';
import { codecForProtocol, Subprotocol } from '../rpc/envelope.js';
import { connectionLimit } from '../rpc/limits.js';
import type { Handlers } from '../rpc/handlers.js';
import { mapFanout, type Fanout } from '../rpc/topic-fanout.js';
import { RpcRouter, type RouterOptions, type RpcConnection } from '../rpc/server.js';
import type { Service, ServiceDef } from '../rpc/service.js';
import type { RpcSocket } from '../rpc/socket.js';

/** Options of createServer. */
export interface ServerOptions<C> extends RouterOptions<C> {
  /**
   * Builds the `ctx.conn` of every call on the connection, or refuses it by
   * throwing (see ContextHook): at the handshake, before the 101, or, for a
   * client that sends its parameters in-band (zwire's does), when they arrive.
   * No call is read before it has returned.
   */
  context?: ContextHook<C>;
  /** permessage-deflate: true for defaults, or its options (default off). */
  deflate?: boolean | DeflateOptions;
  /** Ping clients this often and drop those that do not answer (default 30 000; 0 = off). */
  heartbeatMs?: number;
  /** Handshake time limit in ms (default 10 000); also how long the server waits for an in-band Hello. */
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
  info: HandshakeInfo | null;
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
    super(service, handlers, {
      ...options,
      engine: service.topics.size > 0 ? (options.engine ?? memoryEngine()) : options.engine,
      observers: [diagnosticsObserver, tracingObserver, ...(options.observers ?? [])],
    });
    void loadTracing();
    this.options = options;
    this.offered = this.codecs.map((c) => Subprotocol[c]).join(', ');
  }

  /** Publications are framed once per codec and the same frame is queued on every subscriber's Conn. */
  protected override createFanout(): Fanout {
    return mapFanout(sharedFrameDelivery);
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
    return loadTracing().then(() => new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port ?? 0, host, () => {
        server.off('error', reject);
        server.on('error', (err) => this.options.onConnectionError?.(err));
        resolve({ port: this.port, host });
      });
    }));
  }

  /** Serves one node:http 'upgrade' event: `httpServer.on('upgrade', (req, socket, head) => rpc.handleUpgrade(req, socket, head))`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const hs: Handshake<C> = { protocol: null, conn: undefined as C, info: null };
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
    return {
      // the message layer's limit is the hard one (close 1009); connectionLimit says why it sits above the RPC limit
      maxMessageSize: connectionLimit(this.limits.maxMessageSize),
      heartbeatMs: this.options.heartbeatMs ?? 30_000,
      maxQueuedBytes: this.options.maxQueuedBytes,
      deflate: this.options.deflate,
      timeoutMs: this.options.handshakeTimeoutMs,
    };
  }

  private acceptSocket(socket: net.Socket): void {
    const hs: Handshake<C> = { protocol: null, conn: undefined as C, info: null };
    this.handshaking.add(socket);
    const wantsInfo = this.options.context !== undefined;
    const headers: Record<string, string> = Object.create(null);
    let path = '/';
    accept(socket, {
      ...this.connOptions(),
      onRequest: (uri) => (path = uri.toString('latin1')),
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
    const hs: Handshake<C> = { protocol: null, conn: undefined as C, info: null };
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
    const info = new HandshakeInfo(headers, path, hs.protocol, remote);
    hs.info = info;
    const hook = this.options.context;
    // In-band: the hook runs when the Hello arrives (Admission).
    if (hook === undefined || info.inBand) return;
    try {
      hs.conn = await hook(info);
    } catch (err) {
      this.refused(info, fromRejection(err));
      throw toRejection(err);
    }
    if (info.expiresAt !== 0 && info.expiresAt <= Date.now()) throw new RejectError(401, 'the connection parameters have expired');
  }

  /** Runs the context hook for a client that sent its parameters in-band. */
  private async admitInBand(info: HandshakeInfo, params: Record<string, string>): Promise<Admitted<C>> {
    const hook = this.options.context;
    let conn = undefined as C;
    if (hook !== undefined) {
      try {
        conn = await hook(info.withParams(params));
      } catch (err) {
        throw fromRejection(err);
      }
    }
    return { conn, expiresAt: info.expiresAt };
  }

  /** The session of an accepted connection, behind an Admission when it is accepted in-band or expires. */
  private session(socket: RpcSocket, protocol: string, hs: Handshake<C>): RpcConnection {
    const info = hs.info;
    if (info === null || (!info.inBand && info.expiresAt === 0)) return this.attach(socket, protocol, hs.conn);
    return new Admission<C>({
      socket,
      codec: envelopeCodec(codecForProtocol(protocol) ?? 'json'),
      accept: info.inBand ? (params) => this.admitInBand(info, params) : null,
      admitted: { conn: hs.conn, expiresAt: info.expiresAt },
      open: (conn) => this.attach(socket, protocol, conn),
      helloTimeoutMs: this.options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
      exposeErrors: this.options.exposeErrors,
      onRefused: (err) => {
        this.refused(info, err);
        this.options.onConnectionError?.(err);
      },
    });
  }

  private refused(info: HandshakeInfo, err: unknown): void {
    if (!handshakeRefused.hasSubscribers) return;
    const message = err instanceof Error ? err.message : String(err);
    handshakeRefused.publish({ code: outcomeOf(err), message, remoteAddress: info.remoteAddress, inBand: info.inBand } satisfies HandshakeRefusedMessage);
  }

  private serve(conn: Conn, hs: Handshake<C>, socket: Duplex): void {
    this.handshaking.delete(socket);
    if (hs.protocol === null || this.closing) {
      void conn.close(1001).catch(() => undefined);
      return;
    }
    const { binary } = envelopeCodec(codecForProtocol(hs.protocol) ?? 'json');
    const session = this.session(new ConnSocket(conn), hs.protocol, hs);
    this.conns.set(conn, session);
    conn.on('error', (err) => this.options.onConnectionError?.(err));
    const opened = performance.now();
    const remoteAddress = hs.info?.remoteAddress;
    if (connOpen.hasSubscribers) connOpen.publish({ protocol: hs.protocol, remoteAddress, inBand: hs.info?.inBand ?? false } satisfies ConnOpenMessage);
    void conn.closed.then(({ code, reason }) => {
      this.conns.delete(conn);
      session.close();
      if (connClose.hasSubscribers) {
        connClose.publish({ protocol: hs.protocol as string, remoteAddress, code, reason, durationMs: performance.now() - opened } satisfies ConnCloseMessage);
      }
    });
    void pumpMessages(conn, binary, session).then(() => session.close());
  }
}

/**
 * Creates an RPC server for a service: one handler per method, typed from
 * the definition. Serve it with `listen({ port })` or `handleUpgrade(req, socket, head)`.
 */
export function createServer<S extends ServiceDef, C = undefined>(service: Service<S>, handlers: Handlers<S, C>, options?: ServerOptions<C>): RpcServer<S, C> {
  return new RpcServer(service, handlers, options);
}
