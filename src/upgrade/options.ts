import type { ExtensionOffer } from './header-values.js';
import type { OutgoingHeaders } from './response.js';

/** What `onBeforeUpgrade` may return: extra headers for the 101 response. */
export interface BeforeUpgradeResult {
  headers?: OutgoingHeaders;
}

/**
 * Handshake policy shared by `upgrade` (raw socket) and `upgradeHTTP` (node:http).
 *
 * Any hook may refuse the handshake by throwing a `RejectError` (status, reason,
 * headers). Any other exception is answered with 500 and surfaces as the
 * UpgradeError's `cause`.
 */
export interface HandshakePolicy {
  /**
   * Picks one of the subprotocols the client offered (in the client's order),
   * or null/undefined for none. Returning a protocol that was not offered is a
   * server bug and is answered with 500. Without this option no subprotocol is
   * selected (and the header is not even parsed).
   */
  selectProtocol?(offered: readonly string[]): string | null | undefined;
  /**
   * Receives the parsed Sec-WebSocket-Extensions offers in the client's order
   * (offers repeating a parameter are dropped, i.e. declined) and returns the
   * responses to send; each must name an offered extension, at most once.
   * Without this option no extension is accepted.
   */
  negotiateExtensions?(offers: ExtensionOffer[]): ExtensionOffer[];
  /**
   * Last check before the 101 is written; may add response headers, reject, or
   * return a promise (the handshake timeout still applies while it is pending).
   */
  onBeforeUpgrade?(): void | BeforeUpgradeResult | Promise<void | BeforeUpgradeResult>;
  /** Headers added to every 101 response (pre-render them with `renderHeaders` for speed). */
  headers?: OutgoingHeaders;
  /** Whole-handshake time limit in ms (default 10 000). A client that does not finish in time is dropped. */
  timeoutMs?: number;
}

/**
 * Options of `upgrade(socket, options)`.
 *
 * ZERO-COPY CONTRACT: `onRequest`, `onHost` and `onHeader` receive Buffer views
 * into the request bytes as they were read from the socket. They are valid ONLY
 * during the call: copy what you need (`buf.toString()`, `Buffer.from(buf)`)
 * before returning. Do not keep, modify or use them later.
 */
export interface UpgradeOptions extends HandshakePolicy {
  /** The request-target, e.g. `/chat?room=1`. View valid only during the call. */
  onRequest?(uri: Buffer): void;
  /** The Host header value. View valid only during the call. */
  onHost?(host: Buffer): void;
  /**
   * Every header that is not part of the WebSocket handshake itself (not Host,
   * Upgrade, Connection, Sec-WebSocket-*), name as sent. Views valid only during the call.
   */
  onHeader?(name: Buffer, value: Buffer): void;
  /** Largest request head in bytes (default 16 384); larger gets 431. */
  maxRequestBytes?: number;
  /** Most header lines (default 100); more gets 431. */
  maxHeaders?: number;
  /**
   * A well-formed request without an Upgrade header is plain HTTP. `reject`
   * (default) answers 426 Upgrade Required. `release` answers nothing: the
   * promise rejects with UpgradeError code `ERR_PLAIN_HTTP`, whose `head`
   * holds every byte read, and the socket is left open and paused for the
   * caller (e.g. to `unshift(head)` and hand it to a node:http server).
   */
  plainHttp?: 'reject' | 'release';
}

/**
 * A completed server handshake. The 101 has been written. The socket has no
 * listeners from zwire left on it and is PAUSED: attach your 'data'/'error'
 * listeners, process `head` first, then call `socket.resume()`.
 */
export interface UpgradeResult {
  /** The selected subprotocol, or null. */
  protocol: string | null;
  /** The extension responses that were sent (what is now in effect). */
  extensions: ExtensionOffer[];
  /** Bytes the client sent after the request (frames may follow at once); may be empty. */
  head: Buffer;
  /** The request head as received (request line and headers), on the raw `upgrade` path; undefined after `upgradeHTTP`. */
  request?: Buffer;
}

/** Time a handshake may take, either side (server read and answer, client dial), in ms: the default of every `timeoutMs` of a handshake. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_REQUEST_BYTES = 16_384;
export const DEFAULT_MAX_HEADERS = 100;
