import type { IncomingMessage } from 'node:http';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { acceptOffer, PerMessageDeflate } from '../deflate/index.js';
import type { DeflateOptions } from '../deflate/index.js';
import { upgrade, upgradeHTTP } from '../upgrade/index.js';
import type { ExtensionOffer, UpgradeHTTPOptions, UpgradeOptions, UpgradeResult } from '../upgrade/index.js';
import { upgradeWith } from '../upgrade/upgrade.js';
import { Conn } from './conn.js';
import { pickLimits, resolveLimits } from './options.js';
import type { ConnLimits } from './options.js';

/** permessage-deflate on the server: false/absent = off, true = defaults, or its options. */
export type DeflateSetting = boolean | DeflateOptions;

/** Options of `accept`: the handshake policy and hooks, the connection's limits, and permessage-deflate. */
export interface AcceptOptions extends Omit<UpgradeOptions, 'negotiateExtensions' | 'plainHttp'>, ConnLimits {
  /** Accept permessage-deflate offers. Default off. */
  deflate?: DeflateSetting;
}

/** Options of `fromUpgradeHTTP`. */
export interface FromUpgradeHTTPOptions extends Omit<UpgradeHTTPOptions, 'negotiateExtensions'>, ConnLimits {
  deflate?: DeflateSetting;
}

/**
 * Run the server handshake on a raw socket (e.g. from net.Server) and return
 * the Conn. Rejects with the upgrade layer's UpgradeError after answering or
 * destroying the socket.
 */
export async function accept(socket: Duplex, options: AcceptOptions = {}): Promise<Conn> {
  const negotiation = deflateNegotiation(options.deflate, options.maxMessageSize);
  const result = await upgrade(socket, { ...options, negotiateExtensions: negotiation?.negotiate });
  return connFor(socket, result, options, negotiation);
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
  const negotiation = deflateNegotiation(options.deflate, options.maxMessageSize);
  const result = await upgradeHTTP(req, socket, head, { ...options, negotiateExtensions: negotiation?.negotiate });
  if (socket instanceof net.Socket) socket.setNoDelay(true);
  return connFor(socket, result, options, negotiation);
}

/** Options of `listen`. */
export interface ListenOptions extends AcceptOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Failed handshakes and errors thrown by the handler; for logging. The connection is already dealt with. */
  onError?(error: Error): void;
}

/** A connection handler; a thrown error or rejection closes the connection with 1011. */
export type ConnHandler = (conn: Conn) => void | Promise<void>;

/** A listening WebSocket server made by `listen`. */
export class WebSocketServer {
  /** The underlying net.Server. */
  readonly net: net.Server;
  private readonly live = new Set<Conn>();
  private closing: { code: number; reason: string } | null = null;
  private readonly untrack = (conn: Conn): void => {
    this.live.delete(conn);
  };

  /** @internal `stopping` runs when close() begins (the HTTP/2 listener closes its sessions there). */
  constructor(server: net.Server, private readonly stopping?: () => void) {
    this.net = server;
  }

  /** The bound port. */
  get port(): number {
    return (this.net.address() as net.AddressInfo).port;
  }

  /** The open connections. */
  get connections(): ReadonlySet<Conn> {
    return this.live;
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
   * Stop accepting, close every open connection (default 1001 going away) and
   * resolve once all of them and the listener are closed.
   */
  async close(code = 1001, reason = ''): Promise<void> {
    this.closing ??= { code, reason };
    this.stopping?.();
    const stopped = new Promise<void>((resolve) => this.net.close(() => resolve()));
    await Promise.all([...this.live].map((c) => c.close(code, reason)));
    await stopped;
  }
}

/**
 * Listen for WebSocket connections on a port (raw path: the handshake is
 * parsed straight from the socket) and call `handler` with a Conn for each.
 */
export function listen(options: ListenOptions, handler: ConnHandler): Promise<WebSocketServer> {
  const { port = 0, host = '127.0.0.1', onError, ...acceptOptions } = options;
  const started = (conn: Conn): void => {
    if (server.track(conn)) runHandler(conn, handler, onError);
  };
  const failed = (err: Error): void => onError?.(err);
  // Without deflate nothing differs between handshakes: one set of options and callbacks
  // serves them all, so a handshake in flight holds no promises or closures of its own.
  const upgradeOptions: UpgradeOptions | null =
    acceptOptions.deflate === undefined || acceptOptions.deflate === false ? { ...acceptOptions, negotiateExtensions: undefined } : null;
  const limits = pickLimits(acceptOptions);
  try {
    resolveLimits(limits);
  } catch (err) {
    return Promise.reject(err);
  }
  const upgraded = (result: UpgradeResult, socket: Duplex): void => {
    let conn: Conn;
    try {
      conn = connFor(socket, result, limits, undefined);
    } catch (err) {
      socket.destroy();
      return failed(err as Error);
    }
    started(conn);
  };
  const server = new WebSocketServer(
    net.createServer((socket) => {
      socket.setNoDelay(true);
      if (upgradeOptions !== null) upgradeWith(socket, upgradeOptions, upgraded, failed);
      else accept(socket, acceptOptions).then(started, failed);
    }),
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
export function runHandler(conn: Conn, handler: ConnHandler, onError: ((e: Error) => void) | undefined): void {
  let r: void | Promise<void>;
  try {
    r = handler(conn);
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
export function deflateNegotiation(setting: DeflateSetting | undefined, maxMessageSize: number | undefined): DeflateNegotiation | undefined {
  if (setting === undefined || setting === false) return undefined;
  const options: DeflateOptions = setting === true ? {} : { ...setting };
  if (options.maxMessageSize === undefined && maxMessageSize !== undefined) options.maxMessageSize = maxMessageSize;
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
export function connFor(socket: Duplex, result: UpgradeResult, limits: ConnLimits, negotiation: DeflateNegotiation | undefined): Conn {
  const accepted = negotiation?.accepted ?? null;
  const deflate = accepted === null ? null : new PerMessageDeflate(accepted.params, 'server', negotiation?.options);
  return new Conn(socket, { ...pickLimits(limits), role: 'server', protocol: result.protocol, head: result.head, deflate });
}
