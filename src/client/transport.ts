import { HELLO_MARKER, type WireData } from '../rpc/protocol.js';

/** What a transport reports to the RPC client after it opened. */
export interface TransportEvents {
  message(data: WireData): void;
  close(code: number, reason: string): void;
}

/** One open connection as the RPC client sees it. */
export interface ClientTransport {
  /** The negotiated subprotocol. */
  readonly protocol: string;
  /**
   * The connection was opened announcing in-band parameters (its URL carries
   * `zwire-hello=1`, see inBandUrl): the client sends its `params` first and
   * waits for the server's Welcome. zwire's transports set it.
   */
  readonly inBand?: boolean;
  /** Sends one message; a returned promise settles when the transport can take more. */
  send(data: WireData): Promise<void> | void;
  /** Closes the connection; `close` is reported through TransportEvents (at most once). */
  close(code?: number, reason?: string): void;
}

/**
 * Opens one connection offering `protocols`; rejects if it cannot. Called again
 * for every reconnect. `signal` aborts a pending attempt (client closed).
 * Rejecting with an RpcError `UNAUTHORIZED` or `FORBIDDEN` (as zwire's Node
 * transport does for a handshake answered 401 or 403) stops the retries.
 */
export type TransportFactory = (protocols: string[], events: TransportEvents, signal: AbortSignal) => Promise<ClientTransport>;

/** Sends on a transport without waiting: a failed asynchronous send is left to the close event that follows it (a synchronous throw still reaches the caller). */
export function sendQuietly(t: ClientTransport, data: WireData): void {
  const r = t.send(data);
  if (r !== undefined) r.catch(() => {});
}

/** `url` with the in-band marker in its query (relative to the page in a browser): the server then waits for the client's Hello. */
export function inBandUrl(url: string | URL): string {
  const u = new URL(url, (globalThis as { location?: { href: string } }).location?.href);
  u.searchParams.set(HELLO_MARKER, '1');
  return u.toString();
}
