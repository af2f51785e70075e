import { ZwireError } from '../errors.js';
import type { Conn } from '../message/conn.js';
import type { WebSocketChunk } from '../message/web-streams.js';
import { formatExtensions } from '../upgrade/index.js';
import { connectWithExtensions, type ConnectOptions } from './connect.js';

/** Options of WebSocketStream: the WHATWG ones (`protocols`, `signal`) plus zwire's `connect` options (http2, deflate, headers, tls, limits). */
export interface WebSocketStreamOptions extends Omit<ConnectOptions, 'protocols' | 'signal'> {
  protocols?: string[];
  /** Aborts the opening handshake; `opened` and `closed` then reject with the signal's reason. */
  signal?: AbortSignal;
}

/** What `opened` resolves with. */
export interface WebSocketOpenInfo {
  readable: ReadableStream<string | Uint8Array>;
  writable: WritableStream<WebSocketChunk>;
  /** The subprotocol the server chose, or ''. */
  protocol: string;
  /** The extensions in effect, as the server's Sec-WebSocket-Extensions value, or ''. */
  extensions: string;
}

/** A close code and reason: what `close()` takes and `closed` resolves with. */
export interface WebSocketCloseInfo {
  closeCode?: number;
  reason?: string;
}

/** The connection ended without a closing handshake (`closed` rejects with it); `closeCode` is 1006. */
export class WebSocketError extends ZwireError {
  declare readonly code: 'ERR_WEBSOCKET_CLOSED';
  declare readonly closeCode: number;
  readonly reason: string;

  constructor(message: string, closeCode: number, reason: string, options?: { cause?: unknown }) {
    super('ERR_WEBSOCKET_CLOSED', message, { cause: options?.cause, closeCode });
    this.reason = reason;
  }
}

/**
 * The WHATWG WebSocketStream API (as in the WICG explainer) for Node, on
 * zwire's client: a promise-based WebSocket whose reading and writing are
 * streams with backpressure. `opened` gives the streams; reading slowly holds
 * the server back, writing waits (`writer.ready`) while the connection is over
 * its send budget. `close({ closeCode, reason })` closes it; `closed` resolves
 * with the code and reason of a clean close and rejects otherwise.
 */
export class WebSocketStream {
  readonly url: string;
  readonly opened: Promise<WebSocketOpenInfo>;
  readonly closed: Promise<WebSocketCloseInfo>;
  private conn: Conn | null = null;
  private pendingClose: WebSocketCloseInfo | null = null;
  private readonly abort = new AbortController();

  constructor(url: string | URL, options: WebSocketStreamOptions = {}) {
    this.url = String(url);
    const { signal, ...rest } = options;
    const signals = signal === undefined ? this.abort.signal : AbortSignal.any([signal, this.abort.signal]);
    const connecting = connectWithExtensions(url, { ...rest, signal: signals });
    this.opened = connecting.then(({ conn, extensions }) => {
      this.conn = conn;
      if (this.pendingClose !== null) this.close(this.pendingClose);
      return {
        readable: readableOf(conn),
        writable: conn.writable,
        protocol: conn.protocol ?? '',
        extensions: formatExtensions(extensions),
      };
    });
    this.closed = this.opened.then(
      async () => {
        const info = await (this.conn as Conn).closed;
        if (!info.wasClean && info.code === 1006) throw new WebSocketError('the connection closed without a closing handshake', 1006, '', { cause: info.error });
        return { closeCode: info.code, reason: info.reason };
      },
      (err: unknown) => {
        throw err;
      },
    );
    // the caller may watch only one of them
    this.opened.catch(ignore);
    this.closed.catch(ignore);
  }

  /**
   * Starts the closing handshake with `closeCode` (1000 or 3000–4999;
   * default 1000) and `reason` (at most 123 bytes of UTF-8). Before the
   * connection is open it aborts the handshake instead.
   */
  close(info: WebSocketCloseInfo = {}): void {
    const code = info.closeCode ?? 1000;
    const reason = info.reason ?? '';
    if (code !== 1000 && (code < 3000 || code > 4999 || !Number.isInteger(code))) throw new RangeError(`closeCode must be 1000 or 3000-4999, got ${code}`);
    if (Buffer.byteLength(reason) > 123) throw new RangeError('reason must be at most 123 bytes of UTF-8');
    if (this.conn === null) {
      this.pendingClose = { closeCode: code, reason };
      this.abort.abort(new WebSocketError('closed before the connection was open', code, reason));
      return;
    }
    if (this.conn.isOpen) this.conn.close(code, reason).catch(ignore);
  }
}

/** The readable of the explainer: text as strings, binary as Uint8Arrays. */
function readableOf(conn: Conn): ReadableStream<string | Uint8Array> {
  const reader = conn.readable.getReader();
  return new ReadableStream<string | Uint8Array>(
    {
      async pull(controller) {
        const r = await reader.read();
        if (r.done) controller.close();
        else controller.enqueue(r.value.binary ? new Uint8Array(r.value.data.buffer, r.value.data.byteOffset, r.value.data.length) : r.value.text());
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function ignore(): void {}
