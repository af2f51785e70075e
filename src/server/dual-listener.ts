import * as http2 from 'node:http2';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';

/**
 * The `http2` option of `listen()` and of the RPC server's `listen()`:
 * `true` serves cleartext HTTP/2 (h2c, prior knowledge) and HTTP/1.1 on one
 * port; TLS options (`key`, `cert`, ...) serve HTTP/2 and HTTP/1.1 over TLS,
 * chosen by ALPN, as browsers expect.
 */
export type Http2Setting = true | Http2ListenOptions;

/** TLS options plus HTTP/2 settings; see `Http2Setting`. */
export interface Http2ListenOptions extends tls.TlsOptions {
  /** HTTP/2 settings sent to clients; `enableConnectProtocol` is always on, `maxConcurrentStreams` defaults to 1000 (WebSockets per session). */
  settings?: http2.Settings;
  /**
   * HTTP/2 requests that are not extended CONNECTs (e.g. the page of a
   * browser app, served on the same origin); without it they get 405.
   */
  onRequest?(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void;
}

/** Where the listener hands what it accepted. */
export interface DualListenerHandlers {
  /** An HTTP/1.1 connection (TCP or TLS), not read from yet. */
  onSocket(socket: Duplex): void;
  /** An HTTP/2 extended CONNECT stream (or any CONNECT: the acceptor answers what it does not serve). */
  onConnect(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * One port for WebSockets over HTTP/1.1 and over HTTP/2 (RFC 8441): a
 * net.Server (h2c) or tls.Server (ALPN h2 / http/1.1) that hands HTTP/1.1
 * connections to `onSocket` and HTTP/2 connections to an internal
 * node:http2 server advertising SETTINGS_ENABLE_CONNECT_PROTOCOL.
 */
export class DualListener {
  readonly server: net.Server;
  readonly h2: http2.Http2Server;
  /** Open sessions, with how many WebSockets each carries. */
  private readonly sessions = new Map<http2.Http2Session, number>();
  /** Each session's own socket (session.socket is a proxy that may not be destroyed). */
  private readonly sockets = new WeakMap<http2.Http2Session, Duplex>();
  /** The socket being handed to the HTTP/2 server: its 'session' event comes while it is. */
  private handing: Duplex | null = null;
  private stopping = false;
  /** Connections not yet handed on (TLS handshake or first bytes pending), e.g. a browser's preconnected spare. */
  private readonly undecided = new Set<net.Socket>();

  constructor(setting: Http2Setting, handlers: DualListenerHandlers) {
    const options: Http2ListenOptions = setting === true ? {} : setting;
    this.h2 = http2.createServer({ settings: { maxConcurrentStreams: 1000, ...options.settings, enableConnectProtocol: true } });
    this.h2.on('session', (s) => {
      this.sessions.set(s, 0);
      if (this.handing !== null) this.sockets.set(s, this.handing);
      s.on('close', () => this.sessions.delete(s));
      s.on('error', ignore);
    });
    this.h2.on('stream', (stream, headers) => {
      stream.on('error', ignore);
      if (headers[':method'] === 'CONNECT') {
        // the session stays open while its WebSockets finish; new ones are turned away until the GOAWAY
        if (this.stopping) return answer(stream, 503, { 'retry-after': '1' }, 'The server is shutting down');
        // a closed stream no longer knows its session
        const session = stream.session;
        this.count(session, 1);
        stream.once('close', () => this.count(session, -1));
        handlers.onConnect(stream, headers);
      }
      else if (options.onRequest !== undefined) options.onRequest(stream, headers);
      else answer(stream, 405, { allow: 'CONNECT' }, 'This service speaks WebSockets (extended CONNECT, RFC 8441)');
    });
    if (setting === true) {
      this.server = net.createServer({ noDelay: true }, (socket) => {
        this.undecided.add(socket);
        sniff(socket, (s) => this.toHttp2(s), handlers, () => this.undecided.delete(socket));
      });
    } else {
      const { settings: _s, onRequest: _r, ...tlsOptions } = options;
      this.server = tls.createServer({ ALPNProtocols: ['h2', 'http/1.1'], ...tlsOptions }, (socket) => {
        socket.setNoDelay(true);
        if (socket.alpnProtocol === 'h2') this.toHttp2(socket);
        else handlers.onSocket(socket);
      });
      this.server.on('tlsClientError', ignore);
      this.server.on('connection', (socket: net.Socket) => {
        this.undecided.add(socket);
        socket.once('close', () => this.undecided.delete(socket));
      });
      this.server.on('secureConnection', (socket: tls.TLSSocket) => {
        // the TLS socket wraps the accepted one: the same peer address and port
        for (const raw of this.undecided) {
          if (raw.remotePort === socket.remotePort && raw.remoteAddress === socket.remoteAddress) this.undecided.delete(raw);
        }
      });
    }
  }

  private toHttp2(socket: Duplex): void {
    this.handing = socket;
    try {
      this.h2.emit('connection', socket);
    } finally {
      this.handing = null;
    }
  }

  /**
   * Stops the HTTP/2 sessions: idle ones at once, those carrying WebSockets
   * once their last one has ended (until then new extended CONNECTs are
   * answered 503); each gets a GOAWAY.
   */
  stop(): void {
    this.stopping = true;
    for (const [s, websockets] of this.sessions) {
      // a browser keeps an idle session open as long as it likes: only those carrying WebSockets get to finish
      if (websockets === 0) goAway(s, this.sockets.get(s));
    }
    // nothing was asked on them yet: without this, the listener would wait for the peer to give them up
    for (const socket of this.undecided) socket.destroy();
    this.undecided.clear();
  }

  private count(session: http2.Http2Session | undefined, delta: number): void {
    if (session === undefined || !this.sessions.has(session)) return;
    const n = (this.sessions.get(session) ?? 0) + delta;
    this.sessions.set(session, n);
    if (n === 0 && this.stopping) goAway(session, this.sockets.get(session));
  }

  /** Sessions open now (each one TCP/TLS connection carrying any number of WebSockets). */
  get sessionCount(): number {
    return this.sessions.size;
  }
}

/** Cleartext: the HTTP/2 connection preface goes to HTTP/2, anything else is HTTP/1.1. */
function sniff(socket: net.Socket, toHttp2: (socket: net.Socket) => void, handlers: DualListenerHandlers, decided: () => void): void {
  const onError = (): void => {
    socket.destroy();
  };
  socket.once('close', decided);
  socket.on('error', onError);
  socket.once('readable', function check(): void {
    const first: Buffer | null = socket.read();
    if (first === null) {
      socket.once('readable', check);
      return;
    }
    socket.off('error', onError);
    socket.off('close', decided);
    decided();
    socket.unshift(first);
    const n = Math.min(first.length, PREFACE.length);
    if (first.subarray(0, n).equals(PREFACE.subarray(0, n))) toHttp2(socket);
    else handlers.onSocket(socket);
  });
}

/** Answers a stream with a status and a short text (a stream already answered or gone is reset instead). */
export function answer(stream: http2.ServerHttp2Stream, status: number, headers: http2.OutgoingHttpHeaders, text: string): void {
  try {
    stream.respond({ ':status': status, 'content-type': 'text/plain; charset=utf-8', ...headers });
    stream.end(text);
  } catch {
    stream.destroy();
  }
}

/** How long a session that got its GOAWAY may keep other streams (not WebSockets) open. */
const GOAWAY_LINGER_MS = 1000;

/**
 * Ends a session that carries no WebSocket: a GOAWAY, then the session
 * closes once the peer's other streams end, or is cut shortly after, its
 * socket too: a browser may keep streams, and a spare connection, open as
 * long as it likes.
 */
function goAway(session: http2.Http2Session, socket: Duplex | undefined): void {
  if (session.closed || session.destroyed) return;
  session.close();
  setTimeout(() => {
    session.destroy();
    socket?.destroy();
  }, GOAWAY_LINGER_MS).unref();
}

function ignore(): void {}
