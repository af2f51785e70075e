import type { IncomingMessage } from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { acceptOffer, PerMessageDeflate } from '../deflate/index.js';
import type { DeflateOptions } from '../deflate/index.js';
import { upgrade, upgradeHTTP } from '../upgrade/index.js';
import type { ExtensionOffer, UpgradeHTTPOptions, UpgradeOptions, UpgradeResult } from '../upgrade/index.js';
import { upgradeWith } from '../upgrade/upgrade.js';
import { Conn } from '../message/conn.js';
import { RequestInfo } from '../message/conn-info.js';
import type { ConnInfo } from '../message/conn-info.js';
import { Hub } from '../message/hub.js';
import type { PublishOptions } from '../message/hub.js';
import { resolveLimits } from '../message/options.js';
import type { ConnLimits, ResolvedLimits } from '../message/options.js';

/** permessage-deflate on the server: false/absent = off, true = defaults, or its options. */
export type DeflateSetting = boolean | DeflateOptions;

/** Options of `accept`: the handshake policy and hooks, the connection's limits, and permessage-deflate. */
export interface AcceptOptions extends Omit<UpgradeOptions, 'negotiateExtensions' | 'plainHttp'>, ConnLimits {
  /** Accept permessage-deflate offers. Default off. */
  deflate?: DeflateSetting;
  /** The hub whose topics the connection's `subscribe` joins (share one among servers). Default none. */
  hub?: Hub;
}

/** Options of `fromUpgradeHTTP`. */
export interface FromUpgradeHTTPOptions extends Omit<UpgradeHTTPOptions, 'negotiateExtensions'>, ConnLimits {
  deflate?: DeflateSetting;
  /** The hub whose topics the connection's `subscribe` joins. Default none. */
  hub?: Hub;
}

/**
 * Run the server handshake on a raw socket (e.g. from net.Server) and return
 * the Conn. Rejects with the upgrade layer's UpgradeError after answering or
 * destroying the socket.
 */
export async function accept(socket: Duplex, options: AcceptOptions = {}): Promise<Conn> {
  return (await acceptWithResult(socket, options)).conn;
}

/** @internal accept, also handing back the handshake's result (for the handler's ConnInfo). */
export async function acceptWithResult(socket: Duplex, options: AcceptOptions): Promise<{ conn: Conn; result: UpgradeResult }> {
  const negotiation = deflateNegotiation(options.deflate);
  const result = await upgrade(socket, { ...options, negotiateExtensions: negotiation?.negotiate });
  return { conn: connFor(socket, result, resolveLimits(options), negotiation, options.hub), result };
}

/**
 * Complete a node:http 'upgrade' event (`server.on('upgrade', (req, socket, head) => ...)`)
 * and return the Conn.
 */
export async function fromUpgradeHTTP(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  options: FromUpgradeHTTPOptions = {},
): Promise<Conn> {
  const negotiation = deflateNegotiation(options.deflate);
  const result = await upgradeHTTP(req, socket, head, { ...options, negotiateExtensions: negotiation?.negotiate });
  if (socket instanceof net.Socket) socket.setNoDelay(true);
  return connFor(socket, result, resolveLimits(options), negotiation, options.hub);
}

/** Options of `listen`. */
export interface ListenOptions extends AcceptOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Failed handshakes and errors thrown by the handler; for logging. The connection is already dealt with. */
  onError?(error: Error): void;
  /** The hub of the server's connections (`server.hub`). Default a new one. */
  hub?: Hub;
}

/**
 * A connection handler: the Conn and where it came from (path, query, headers,
 * remote address, subprotocol). A thrown error or rejection closes the connection with 1011.
 */
export type ConnHandler = (conn: Conn, info: ConnInfo) => void | Promise<void>;

/** Options of `server.close()`. */
export interface ServerCloseOptions {
  /** Close code sent to every connection. Default 1001 (going away). */
  code?: number;
  reason?: string;
  /**
   * Time the open connections get to finish before they are sent the close
   * code; connections that end sooner are not waited for. Default 0: closed at once.
   */
  graceMs?: number;
}

const SERVICE_UNAVAILABLE = Buffer.from('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', 'latin1');

/** A listening WebSocket server made by `listen`. */
export class WebSocketServer {
  /** The underlying net.Server. */
  readonly net: net.Server;
  /** The hub every connection of this server belongs to: `conn.subscribe(topic)`, `server.publish(topic, data)`. */
  readonly hub: Hub;
  private readonly live = new Set<Conn>();
  /** Sockets whose handshake is in progress. */
  private readonly handshakes = new Set<Duplex>();
  private closing: { code: number; reason: string } | null = null;
  /** The shutdown signals handlers asked for, by connection. */
  private readonly signals = new Map<Conn, AbortController>();
  private readonly untrack = (conn: Conn): void => {
    this.live.delete(conn);
    this.signals.delete(conn);
  };

  /** @internal `stopping` runs when close() begins (the HTTP/2 listener closes its sessions there). */
  constructor(server: net.Server, hub: Hub, private readonly stopping?: () => void) {
    this.net = server;
    this.hub = hub;
  }

  /** Send `data` to every subscriber of `topic` in the server's hub; returns how many it was queued for (see Hub.publish). */
  publish(topic: string, data: string | Uint8Array, options?: PublishOptions): number {
    return this.hub.publish(topic, data, options);
  }

  /** The bound port. */
  get port(): number {
    return (this.net.address() as net.AddressInfo).port;
  }

  /** The open connections. */
  get connections(): ReadonlySet<Conn> {
    return this.live;
  }

  /** @internal a handler's `info.signal`: aborted when `close()` begins. */
  signalFor(conn: Conn): AbortSignal {
    if (this.closing !== null) return AbortSignal.abort();
    let c = this.signals.get(conn);
    if (c === undefined) {
      c = new AbortController();
      // A connection that has already ended needs no signal kept for it.
      if (this.live.has(conn)) this.signals.set(conn, c);
    }
    return c.signal;
  }

  /** @internal a handshake began on this socket; false when the server is closing (the socket is refused). */
  handshakeStarted(socket: Duplex): boolean {
    if (this.closing !== null) {
      refuse(socket);
      return false;
    }
    this.handshakes.add(socket);
    return true;
  }

  /** @internal the handshake on this socket ended (upgraded or failed); whether the server is still open. */
  handshakeEnded(socket: Duplex): boolean {
    this.handshakes.delete(socket);
    return this.closing === null;
  }

  /** @internal a handshake completed; false when the server is closing (the connection is then closed too). */
  track(conn: Conn): boolean {
    if (this.closing !== null) {
      conn.close(this.closing.code, this.closing.reason).catch(ignore);
      return false;
    }
    this.live.add(conn);
    conn.onEnded = this.untrack;
    return true;
  }

  /**
   * Stop accepting at once (the listener closes; handshakes in progress are
   * answered 503 and dropped), then close every open connection (default 1001
   * going away) and resolve once all of them and the listener are closed.
   * With `graceMs`, connections get that long to finish first: handlers see
   * `info.signal` aborted at once and the close frame at the end of the grace
   * period; messages sent before it still go out first.
   */
  close(options?: ServerCloseOptions): Promise<void>;
  close(code?: number, reason?: string): Promise<void>;
  async close(codeOrOptions: number | ServerCloseOptions = {}, reason = ''): Promise<void> {
    const o: ServerCloseOptions = typeof codeOrOptions === 'number' ? { code: codeOrOptions, reason } : codeOrOptions;
    const graceMs = o.graceMs ?? 0;
    if (!(graceMs >= 0)) throw new RangeError(`graceMs must be >= 0, got ${graceMs}`);
    this.closing ??= { code: o.code ?? 1001, reason: o.reason ?? '' };
    this.stopping?.();
    const { code, reason: why } = this.closing;
    const stopped = new Promise<void>((resolve) => this.net.close(() => resolve()));
    for (const c of this.signals.values()) c.abort();
    this.signals.clear();
    for (const socket of this.handshakes) refuse(socket);
    this.handshakes.clear();
    if (graceMs > 0 && this.live.size > 0) await endedOrTimeout([...this.live], graceMs);
    await Promise.all([...this.live].map((c) => c.close(code, why)));
    await stopped;
  }
}

/** A handshake that will not be completed: answer 503 and drop the socket once that is written. */
function refuse(socket: Duplex): void {
  if (socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(SERVICE_UNAVAILABLE, () => socket.destroy());
}

/** Resolves once every connection has ended, or after ms. */
function endedOrTimeout(conns: Conn[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void Promise.all(conns.map((c) => c.closed)).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Listen for WebSocket connections on a port (raw path: the handshake is
 * parsed straight from the socket) and call `handler` with a Conn for each.
 */
export function listen(options: ListenOptions, handler: ConnHandler): Promise<WebSocketServer> {
  const { port = 0, host = '127.0.0.1', onError, hub = new Hub(), ...rest } = options;
  const acceptOptions: AcceptOptions = { ...rest, hub };
  const started = (conn: Conn, result: UpgradeResult, socket: Duplex): void => {
    if (server.track(conn)) runHandler(conn, new RequestInfo(result.request, conn, socket, server), handler, onError);
  };
  const failed = (err: Error, socket: Duplex): void => {
    // Handshakes the closing server dropped are not failures to report.
    if (server.handshakeEnded(socket)) onError?.(err);
  };
  // Without deflate nothing differs between handshakes: one set of options and callbacks
  // serves them all, so a handshake in flight holds no promises or closures of its own.
  const upgradeOptions: UpgradeOptions | null =
    rest.deflate === undefined || rest.deflate === false ? { ...rest, negotiateExtensions: undefined } : null;
  let limits: Readonly<ResolvedLimits>;
  try {
    limits = resolveLimits(acceptOptions);
  } catch (err) {
    return Promise.reject(err);
  }
  const upgraded = (result: UpgradeResult, socket: Duplex): void => {
    if (!server.handshakeEnded(socket)) {
      // The 101 is out, but the server closed meanwhile.
      socket.destroy();
      return;
    }
    let conn: Conn;
    try {
      conn = connFor(socket, result, limits, undefined, hub);
    } catch (err) {
      socket.destroy();
      onError?.(err as Error);
      return;
    }
    started(conn, result, socket);
  };
  const server = new WebSocketServer(
    // noDelay as a server option is set on the accepted handle directly
    net.createServer({ noDelay: true }, (socket) => {
      if (!server.handshakeStarted(socket)) return;
      if (upgradeOptions !== null) {
        // `upgraded` makes the Conn, which reads, before it returns
        upgradeWith(socket, upgradeOptions, upgraded, failed, true);
        return;
      }
      acceptWithResult(socket, acceptOptions).then(
        ({ conn, result }) => {
          if (server.handshakeEnded(socket)) started(conn, result, socket);
          else conn.terminate();
        },
        (err: Error) => failed(err, socket),
      );
    }),
    hub,
  );
  return new Promise((resolve, reject) => {
    server.net.once('error', reject);
    server.net.listen(port, host, () => {
      server.net.off('error', reject);
      server.net.on('error', (err) => onError?.(err));
      resolve(server);
    });
  });
}

/** @internal runs a handler on a new connection (also for the HTTP/2 listener in src/server). */
export function runHandler(conn: Conn, info: ConnInfo, handler: ConnHandler, onError: ((e: Error) => void) | undefined): void {
  let r: void | Promise<void>;
  try {
    r = handler(conn, info);
  } catch (err) {
    handlerFailed(conn, onError, err);
    return;
  }
  // Held for the whole life of the connection, so kept small: an anonymous arrow, because
  // esbuild's keepNames (tsx) gives every named function an own `name`, a 256-byte property table.
  if (r !== undefined) r.then(undefined, (err: unknown) => handlerFailed(conn, onError, err));
}

/** The handler threw or rejected: close with 1011 and report it. */
function handlerFailed(conn: Conn, onError: ((e: Error) => void) | undefined, err: unknown): void {
  if (conn.isOpen) conn.close(1011).catch(ignore);
  onError?.(err instanceof Error ? err : new Error(String(err)));
}

function ignore(): void {}

/** @internal */
export interface DeflateNegotiation {
  options: DeflateOptions;
  accepted: ReturnType<typeof acceptOffer>;
  negotiate(offers: ExtensionOffer[]): ExtensionOffer[];
}

/** @internal permessage-deflate negotiation for one handshake (also used by src/server for HTTP/2). */
export function deflateNegotiation(setting: DeflateSetting | undefined): DeflateNegotiation | undefined {
  if (setting === undefined || setting === false) return undefined;
  const options: DeflateOptions = setting === true ? {} : { ...setting };
  const n: DeflateNegotiation = {
    options,
    accepted: null,
    negotiate(offers) {
      n.accepted = acceptOffer(offers, options);
      return n.accepted === null ? [] : [n.accepted.response];
    },
  };
  return n;
}

/** @internal the server-role Conn for a completed handshake. */
export function connFor(
  socket: Duplex,
  result: UpgradeResult,
  limits: Readonly<ResolvedLimits>,
  negotiation: DeflateNegotiation | undefined,
  hub: Hub | undefined,
): Conn {
  const accepted = negotiation?.accepted ?? null;
  const deflate = accepted === null ? null : new PerMessageDeflate(accepted.params, 'server', negotiation?.options);
  return new Conn(socket, { role: 'server', protocol: result.protocol, head: result.head, deflate, hub, limits });
}
