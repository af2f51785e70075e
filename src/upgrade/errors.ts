import { ZwireError } from '../errors.js';
import type { OutgoingHeaders } from './response.js';

/**
 * Thrown by a server hook (`onRequest`, `onHost`, `onHeader`, `onBeforeUpgrade`,
 * `selectProtocol`, `negotiateExtensions`) to refuse the handshake with a chosen
 * HTTP status, a short reason (sent as the plain-text body) and extra headers.
 */
export class RejectError extends ZwireError {
  declare readonly code: 'ERR_REJECTED';
  readonly status: number;
  readonly reason: string;
  readonly headers: OutgoingHeaders | undefined;

  constructor(status: number, reason?: string, headers?: OutgoingHeaders) {
    super('ERR_REJECTED', reason ?? `Rejected with status ${status}`);
    this.status = status;
    this.reason = reason ?? '';
    this.headers = headers;
  }
}

/**
 * How a server-side handshake failed. `status` is the HTTP status that was
 * answered (`responded` true), or 0 when the socket was destroyed without an
 * answer (timeout, socket error, peer gone). Either way the socket is finished
 * with; `upgrade` never leaves it half-handled, except with
 * `plainHttp: 'release'`, where code `ERR_PLAIN_HTTP` hands the untouched,
 * paused socket and every byte read (`head`) back to the caller.
 */
export class UpgradeError extends ZwireError {
  readonly status: number;
  readonly responded: boolean;
  /** Bytes read from the socket; only filled for `ERR_PLAIN_HTTP`. */
  readonly head: Buffer;

  constructor(code: string, status: number, message: string, options?: { responded?: boolean; head?: Buffer; cause?: unknown }) {
    super(code, message, { cause: options?.cause });
    this.status = status;
    this.responded = options?.responded ?? false;
    this.head = options?.head ?? EMPTY;
  }
}

/** A malformed Sec-WebSocket-Protocol / Sec-WebSocket-Extensions value. */
export class HeaderParseError extends ZwireError {
  declare readonly code: 'ERR_HEADER_SYNTAX' | 'ERR_DUPLICATE';
  /** Offset in the header value where parsing stopped. */
  readonly offset: number;

  constructor(message: string, offset: number, code: 'ERR_HEADER_SYNTAX' | 'ERR_DUPLICATE' = 'ERR_HEADER_SYNTAX') {
    super(code, message);
    this.offset = offset;
  }
}

/**
 * A client-side handshake failure from `dial`. For a non-101 answer, code is
 * `ERR_UNEXPECTED_STATUS` and `status`, `headers` and the (bounded) `body` are set.
 */
export class HandshakeError extends ZwireError {
  readonly status: number | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly body: Buffer | undefined;

  constructor(
    code: string,
    message: string,
    options?: { status?: number; headers?: Record<string, string>; body?: Buffer; cause?: unknown },
  ) {
    super(code, message, { cause: options?.cause });
    this.status = options?.status;
    this.headers = options?.headers;
    this.body = options?.body;
  }
}

const EMPTY = Buffer.alloc(0);
