import type { IncomingMessage } from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { DeflateOptions } from '../deflate/index.js';
import { accept, fromUpgradeHTTP, type Conn } from '../message/index.js';
import { RejectError } from '../upgrade/index.js';
import { Admission, type Admitted } from './admission.js';
import { fromRejection, HandshakeInfo, toRejection, type ContextHook } from './connection-info.js';
import { envelopeCodec } from './codecs.js';
import { connClose, connOpen, diagnosticsObserver, handshakeRefused, type ConnCloseMessage, type ConnOpenMessage, type HandshakeRefusedMessage } from './diagnostics.js';
import { outcomeOf } from './observe.js';
import { loadTracing, tracingObserver } from './tracing.js';
import { codecForProtocol, Subprotocol } from './envelope.js';
import type { Handlers } from './handlers.js';
import { RpcRouter, type RouterOptions, type RpcConnection } from './server.js';
import type { Service, ServiceDef } from './service.js';
import type { RpcSocket } from './socket.js';

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
  /** Failed handshakes and transport errors, for logging. */
  onConnectionError?: (err: Error) => void;
}

/** Where and how to listen. */
export interface ListenAddress {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
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
  private readonly conns = new Set<Conn>();
  private closing = false;

  constructor(service: Service<S>, handlers: Handlers<S, C>, options: ServerOptions<C> = {}) {
    super(service, handlers, { ...options, observers: [diagnosticsObserver, tracingObserver, ...(options.observers ?? [])] });
    void loadTracing();
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
    const server = net.createServer((socket) => {
      socket.setNoDelay(true);
      this.acceptSocket(socket);
    });
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
    return fromUpgradeHTTP(req, socket, head, {
      ...this.connOptions(),
      selectProtocol: (offered) => (hs.protocol = this.selectProtocol(offered)),
      onBeforeUpgrade: () => this.buildContext(hs, headerRecord(req), req.url ?? '/', remote),
    }).then(
      (conn) => this.serve(conn, hs),
      (err: Error) => this.options.onConnectionError?.(err),
    );
  }

  /** Stops listening, closes every connection (1001) and waits for them. */
  async close(): Promise<void> {
    this.closing = true;
    const listener = this.listener;
    this.listener = null;
    const stopped = listener === null ? Promise.resolve() : new Promise<void>((r) => listener.close(() => r()));
    await Promise.all([...this.conns].map((c) => c.close(1001, 'server closing').catch(() => undefined)));
    await stopped;
  }

  private connOptions() {
    const max = this.limits.maxMessageSize;
    return {
      // The message layer's limit is the hard one (close 1009); the RPC limit below it answers PAYLOAD_TOO_LARGE.
      maxMessageSize: max * 4 + 1024,
      heartbeatMs: this.options.heartbeatMs ?? 30_000,
      deflate: this.options.deflate,
      timeoutMs: this.options.handshakeTimeoutMs,
    };
  }

  private acceptSocket(socket: net.Socket): void {
    const hs: Handshake<C> = { protocol: null, conn: undefined as C, info: null };
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
      (conn) => this.serve(conn, hs),
      (err: Error) => this.options.onConnectionError?.(err),
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
      helloTimeoutMs: this.options.handshakeTimeoutMs ?? 10_000,
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

  private serve(conn: Conn, hs: Handshake<C>): void {
    if (hs.protocol === null || this.closing) {
      void conn.close(1001).catch(() => undefined);
      return;
    }
    this.conns.add(conn);
    const binary = codecForProtocol(hs.protocol) === 'msgpack';
    const session = this.session(
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
      hs,
    );
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
    void (async () => {
      try {
        for await (const m of conn) {
          const admitting = session.receive(binary || m.binary ? m.data : m.text());
          if (admitting !== undefined) await admitting;
        }
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
