import type { Duplex } from 'node:stream';
import type { UpgradeError } from './errors.js';
import { HeadScanner } from './http-bytes.js';
import { Failure } from './negotiate.js';
import { DEFAULT_MAX_REQUEST_BYTES, type UpgradeOptions, type UpgradeResult } from './options.js';
import { kHandshake, PendingHandshake, type HandshakeSocket, type Settle } from './pending.js';
import { parseRequest, plainHttpFailure, PLAIN_HTTP, type ParsedRequest } from './request.js';

const EMPTY = Buffer.alloc(0);

/**
 * Server side of the opening handshake on a raw socket (net.Socket, TLSSocket
 * or any Duplex that has not been read from yet), in the manner of gobwas/ws's
 * zero-copy upgrade: the HTTP/1.1 request is parsed in place from the bytes as
 * they arrive, hooks see views into them (valid only during each call), and
 * the answer is one write of one buffer.
 *
 * Resolves after writing the 101, with the socket PAUSED and free of zwire's
 * listeners, plus `head`: the bytes the client sent after the request. Attach
 * your listeners, consume `head`, then `socket.resume()`.
 *
 * Rejects with an UpgradeError after either answering an HTTP error
 * (`responded: true`, `status` set; the connection is then closed) or
 * destroying the socket (`status` 0: timeout, socket error, peer gone). It
 * never throws and never leaves the socket half-handled.
 */
export function upgrade(socket: Duplex, options: UpgradeOptions = {}): Promise<UpgradeResult> {
  return new Promise<UpgradeResult>((resolve, reject) => {
    new RawHandshake(socket, options, resolve, reject, false).start();
  });
}

/**
 * `upgrade` reporting through callbacks instead of a promise (for the upgrade
 * server's hot path). With `flowing`, for a `done` that starts reading at once
 * (its 'data' listener attached before it returns), the socket is left
 * flowing when no bytes came after the request: pausing it only to resume it
 * costs a tick.
 */
export function upgradeWith(
  socket: Duplex,
  options: UpgradeOptions,
  done: Settle<UpgradeResult>,
  failed: Settle<UpgradeError>,
  flowing = false,
): void {
  new RawHandshake(socket, options, done, failed, flowing).start();
}

function onSocketData(this: HandshakeSocket, chunk: Buffer | string): void {
  const h = this[kHandshake];
  if (h instanceof RawHandshake) h.onData(chunk);
}

function onSocketEnd(this: HandshakeSocket): void {
  const h = this[kHandshake];
  if (h instanceof RawHandshake) h.peerEnded();
}

class RawHandshake extends PendingHandshake {
  private readonly scanner = new HeadScanner();
  private readonly max: number;
  // chunks are kept only while a request spans several of them
  private chunks: Buffer[] | null = null;
  private buffered = 0;

  constructor(
    socket: Duplex,
    private readonly options: UpgradeOptions,
    resolve: Settle<UpgradeResult>,
    reject: Settle<UpgradeError>,
    flowing: boolean,
  ) {
    super(socket, options, resolve, reject, flowing);
    this.max = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  }

  start(): void {
    if (!this.begin()) return;
    this.arm();
    this.socket.on('data', onSocketData);
    // A socket that is not half-open ends itself when the peer does, and 'close' follows:
    // an 'end' listener would only cost every handshake an array of 'end' listeners.
    if (this.socket.allowHalfOpen) this.socket.on('end', onSocketEnd);
  }

  protected override detach(): void {
    super.detach();
    this.socket.removeListener('data', onSocketData);
    if (this.socket.allowHalfOpen) this.socket.removeListener('end', onSocketEnd);
  }

  override socketClosed(): void {
    if (this.socket.readableEnded) this.peerEnded();
    else super.socketClosed();
  }

  /** The client ended its side (socket 'end', or 'close' after it). */
  peerEnded(): void {
    this.drop('ERR_SOCKET_CLOSED', 'Client closed the connection before finishing the request');
  }

  onData(chunk: Buffer | string): void {
    if (this.settled) return;
    try {
      this.read(chunk);
    } catch (err) {
      // once settled, the exception came from the caller's own callback: theirs to see
      if (this.settled) throw err;
      // a bug of ours must still end in an answer, never in an exception out of an event handler
      this.fail(new Failure('ERR_INTERNAL', 500, 'Internal Server Error', undefined, err));
    }
  }

  private read(chunk: Buffer | string): void {
    if (typeof chunk === 'string') {
      this.drop('ERR_SOCKET_ENCODING', 'The socket has a string encoding set; upgrade needs raw bytes');
      return;
    }
    const end = this.scanner.scan(chunk);
    if (this.chunks === null) {
      if (end >= 0) {
        if (end > this.max) return this.fail(tooLarge());
        return this.complete(chunk, end);
      }
      if (chunk.length > this.max) return this.fail(tooLarge());
      this.chunks = [chunk];
      this.buffered = chunk.length;
      return;
    }
    if (end < 0) {
      this.buffered += chunk.length;
      if (this.buffered > this.max) return this.fail(tooLarge());
      this.chunks.push(chunk);
      return;
    }
    if (this.buffered + end > this.max) return this.fail(tooLarge());
    this.chunks.push(chunk);
    const whole = Buffer.concat(this.chunks, this.buffered + chunk.length);
    const headEnd = this.buffered + end;
    this.chunks = null;
    this.complete(whole, headEnd);
  }

  private complete(buf: Buffer, end: number): void {
    // stop reading: from here on, bytes stay in the socket for the next layer (a socket
    // left flowing buffers them too, having no 'data' listener, until the next layer's)
    this.socket.removeListener('data', onSocketData);
    if (!this.flowing) this.socket.pause();
    const head = end < buf.length ? buf.subarray(end) : EMPTY;
    const parsed: ParsedRequest = { keyStart: 0, protocols: null, offers: null };
    const verdict = parseRequest(buf, end, this.options, parsed);
    if (verdict === PLAIN_HTTP) {
      if (this.options.plainHttp === 'release') {
        return this.release('ERR_PLAIN_HTTP', 0, 'Not a WebSocket upgrade request', buf);
      }
      return this.fail(plainHttpFailure());
    }
    if (verdict !== null) return this.fail(verdict);
    this.proceed(buf, parsed.keyStart, parsed.protocols, parsed.offers, head, buf.subarray(0, end));
  }
}

function tooLarge(): Failure {
  return new Failure('ERR_REQUEST_TOO_LARGE', 431, 'Request header too large');
}
