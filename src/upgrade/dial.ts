import * as net from 'node:net';
import * as tls from 'node:tls';
import { acceptKey } from './accept-key.js';
import { HandshakeError } from './errors.js';
import { buildRequest, type DialTarget } from './client-request.js';
import { checkAnswer } from './check-answer.js';
import { DEFAULT_HANDSHAKE_TIMEOUT_MS } from './options.js';
import type { ExtensionOffer } from './header-values.js';
import { hasListTokenString, HeadScanner } from './http-bytes.js';
import { dechunk, parseResponseHead, type ResponseHead } from './response-head.js';

/** Options of `dial`. */
export interface DialOptions {
  /** Subprotocols to offer, most preferred first. */
  protocols?: readonly string[];
  /** Extensions to offer (e.g. from zwire/deflate's createOffer). */
  extensions?: readonly ExtensionOffer[];
  /** Extra request headers. `host` here replaces the Host derived from the URL; handshake headers may not be set. */
  headers?: Readonly<Record<string, string>>;
  /** Origin header value. */
  origin?: string;
  /** Time limit in ms for connecting and the whole handshake (default 10 000). */
  timeoutMs?: number;
  /** Aborts connecting/handshaking; the socket is destroyed and dial rejects with ERR_ABORTED. */
  signal?: AbortSignal;
  /** TLS options for wss:// (ca, cert, key, rejectUnauthorized, servername, ...). */
  tls?: tls.ConnectionOptions;
  /** Largest response head in bytes (default 16 384). */
  maxResponseBytes?: number;
  /** Most bytes of a non-101 response body kept for the error (default 4 096). */
  maxErrorBodyBytes?: number;
}

/**
 * An open WebSocket connection after the handshake. The socket is PAUSED and
 * has no listeners from zwire: attach yours, process `head` (bytes the server
 * sent after its 101, e.g. a first frame), then `socket.resume()`.
 */
export interface DialResult {
  socket: net.Socket | tls.TLSSocket;
  status: 101;
  /** Response headers, names lowercased, null prototype. */
  headers: Record<string, string>;
  protocol: string | null;
  /** The extension responses the server accepted, to hand to their implementations. */
  extensions: ExtensionOffer[];
  head: Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * Client side of the opening handshake: connects to a ws:// or wss:// URL,
 * sends the upgrade request and validates the answer (RFC 6455 §4.1): status
 * 101, Upgrade/Connection, Sec-WebSocket-Accept, and that the chosen
 * subprotocol and extensions were offered. Rejects with a HandshakeError; a
 * non-101 answer carries its status, headers and (bounded) body.
 */
export function dial(url: string | URL, options: DialOptions = {}): Promise<DialResult> {
  return new Promise<DialResult>((resolve, reject) => {
    let request: DialTarget;
    try {
      request = buildRequest(url, options);
    } catch (err) {
      reject(err instanceof HandshakeError ? err : new HandshakeError('ERR_INVALID_OPTION', (err as Error).message, { cause: err }));
      return;
    }
    if (options.signal?.aborted === true) {
      reject(new HandshakeError('ERR_ABORTED', 'Aborted', { cause: options.signal.reason }));
      return;
    }
    new ClientHandshake(request, options, resolve, reject).start();
  });
}

class ClientHandshake {
  private socket!: net.Socket | tls.TLSSocket;
  private readonly scanner = new HeadScanner();
  private chunks: Buffer[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;
  private errorResponse: { head: ResponseHead; wanted: number; chunked: boolean } | null = null;

  constructor(
    private readonly req: DialTarget,
    private readonly o: DialOptions,
    private readonly resolve: (r: DialResult) => void,
    private readonly reject: (e: HandshakeError) => void,
  ) {}

  start(): void {
    const { host, port, secure } = this.req;
    this.socket = secure
      ? tls.connect({
          ALPNProtocols: ['http/1.1'],
          ...this.o.tls,
          host,
          port,
          servername: this.o.tls?.servername ?? (net.isIP(host) === 0 ? host : undefined),
        })
      : net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onError);
    this.socket.on('end', this.onEnd);
    this.socket.on('close', this.onClose);
    this.o.signal?.addEventListener('abort', this.onAbort);
    this.timer = setTimeout(this.onTimeout, this.o.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
    this.socket.write(this.req.text, 'latin1');
  }

  private detach(): void {
    clearTimeout(this.timer);
    this.o.signal?.removeEventListener('abort', this.onAbort);
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('error', this.onError);
    this.socket.removeListener('end', this.onEnd);
    this.socket.removeListener('close', this.onClose);
  }

  private fail(err: HandshakeError): void {
    if (this.settled) return;
    this.settled = true;
    this.detach();
    this.socket.on('error', noop);
    this.socket.destroy();
    this.reject(err);
  }

  private readonly onAbort = (): void => {
    this.fail(new HandshakeError('ERR_ABORTED', 'Aborted', { cause: this.o.signal?.reason }));
  };

  private readonly onTimeout = (): void => {
    if (this.errorResponse !== null) return this.failWithStatus();
    this.fail(new HandshakeError('ERR_HANDSHAKE_TIMEOUT', 'Handshake timed out'));
  };

  private readonly onError = (err: Error): void => {
    const code = (err as NodeJS.ErrnoException).code;
    this.fail(new HandshakeError('ERR_SOCKET', `Connection failed: ${code ?? err.message}`, { cause: err }));
  };

  private readonly onEnd = (): void => {
    if (this.errorResponse !== null) return this.failWithStatus();
    this.fail(new HandshakeError('ERR_SOCKET_CLOSED', 'Server closed the connection during the handshake'));
  };

  private readonly onClose = (): void => {
    if (this.errorResponse !== null) return this.failWithStatus();
    this.fail(new HandshakeError('ERR_SOCKET_CLOSED', 'Connection closed during the handshake'));
  };

  private readonly onData = (chunk: Buffer): void => {
    if (this.settled) return;
    if (this.errorResponse !== null) {
      this.push(chunk);
      if (this.errorBodyComplete()) this.failWithStatus();
      return;
    }
    const end = this.scanner.scan(chunk);
    const max = this.o.maxResponseBytes ?? 16_384;
    if (end < 0) {
      this.push(chunk);
      if (this.buffered > max) this.fail(new HandshakeError('ERR_RESPONSE_TOO_LARGE', 'Response head too large'));
      return;
    }
    const headEnd = this.buffered + end;
    if (headEnd > max) return this.fail(new HandshakeError('ERR_RESPONSE_TOO_LARGE', 'Response head too large'));
    const buf = this.chunks.length === 0 ? chunk : Buffer.concat([...this.chunks, chunk]);
    this.chunks = [];
    this.buffered = 0;
    this.onHead(buf, headEnd);
  };

  private push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  private onHead(buf: Buffer, end: number): void {
    const head = parseResponseHead(buf, end);
    if (head === null) return this.fail(new HandshakeError('ERR_BAD_RESPONSE', 'Malformed HTTP response'));
    const rest = end < buf.length ? buf.subarray(end) : EMPTY;
    if (head.status !== 101) {
      const limit = this.o.maxErrorBodyBytes ?? 4_096;
      const chunked = hasListTokenString(head.headers['transfer-encoding'] ?? '', 'chunked');
      const length = chunked ? NaN : Number(head.headers['content-length']);
      const wanted = Number.isInteger(length) && length >= 0 ? Math.min(length, limit) : limit;
      this.errorResponse = { head, wanted, chunked };
      if (rest.length > 0) this.push(rest);
      if (this.errorBodyComplete()) this.failWithStatus();
      return;
    }
    let result: { protocol: string | null; extensions: ExtensionOffer[] };
    try {
      result = this.check(head);
    } catch (err) {
      return this.fail(err instanceof HandshakeError ? err : new HandshakeError('ERR_BAD_RESPONSE', String(err), { cause: err }));
    }
    this.settled = true;
    this.detach();
    this.socket.pause();
    this.resolve({ socket: this.socket, status: 101, headers: head.headers, protocol: result.protocol, extensions: result.extensions, head: rest });
  }

  private check(head: ResponseHead): { protocol: string | null; extensions: ExtensionOffer[] } {
    const h = head.headers;
    if (!hasListTokenString(h.upgrade ?? '', 'websocket')) throw new HandshakeError('ERR_BAD_UPGRADE', 'Response Upgrade header is not websocket');
    if (!hasListTokenString(h.connection ?? '', 'upgrade')) throw new HandshakeError('ERR_BAD_CONNECTION', 'Response Connection header lacks Upgrade');
    if (h['sec-websocket-accept'] !== acceptKey(this.req.key)) throw new HandshakeError('ERR_BAD_ACCEPT', 'Sec-WebSocket-Accept does not match the key');
    return checkAnswer(h, this.o.protocols, this.o.extensions);
  }

  private errorBody(): { body: Buffer; complete: boolean } {
    const r = this.errorResponse;
    const all = Buffer.concat(this.chunks);
    if (r === null) return { body: all, complete: true };
    const decoded = r.chunked ? dechunk(all, r.wanted) : { body: all, complete: all.length >= r.wanted };
    const body = decoded.body.length > r.wanted ? decoded.body.subarray(0, r.wanted) : decoded.body;
    return { body, complete: decoded.complete || body.length >= r.wanted };
  }

  private errorBodyComplete(): boolean {
    return this.errorBody().complete;
  }

  private failWithStatus(): void {
    const r = this.errorResponse;
    if (r === null) return;
    const { body } = this.errorBody();
    this.fail(new HandshakeError('ERR_UNEXPECTED_STATUS', `Server answered ${r.head.status} instead of 101`, {
      status: r.head.status,
      headers: r.head.headers,
      body,
    }));
  }
}

function noop(): void {}
