import { RejectError } from '../upgrade/index.js';
import { HELLO_MARKER } from '../rpc/admission.js';
import { RpcError } from '../rpc/errors.js';

/** What the server's `context` hook learns about a connection. */
export interface ConnectionInfo {
  /** Request headers, names lowercased (repeated headers joined with ', '). */
  readonly headers: Readonly<Record<string, string>>;
  /** The request target, e.g. `/rpc?room=1`. */
  readonly path: string;
  /** Query parameters of the request target (without zwire's in-band marker). */
  readonly query: URLSearchParams;
  /**
   * The connection parameters: the query's, overridden by those the client
   * sent in-band (zwire's client sends its `params` option in-band, out of the URL).
   */
  readonly params: Readonly<Record<string, string>>;
  /** The negotiated RPC subprotocol, e.g. `zwire.rpc.v1.msgpack`. */
  readonly protocol: string;
  readonly remoteAddress: string | undefined;
  /**
   * Ends the connection at this time (a Date or epoch ms), e.g. when the token
   * it was accepted with expires: the server closes it with 4440 and zwire's
   * client fetches its params again and reconnects at once. A time already
   * past refuses the connection with UNAUTHORIZED.
   */
  expireAt(at: Date | number): void;
}

/**
 * Builds the per-connection context, or refuses the connection by throwing:
 * RpcError UNAUTHORIZED, FORBIDDEN, TOO_MANY_REQUESTS (or any RpcError).
 * Without the in-band marker it runs at the handshake and the refusal is an
 * HTTP status (401, 403, 429, other RpcErrors 400, RejectError as given); with
 * it, it runs once the Hello arrived and the refusal travels in-band (see
 * docs/rpc-protocol.md, Connection parameters).
 */
export type ContextHook<C> = (info: ConnectionInfo) => C | Promise<C>;

const STATUS: Partial<Record<RpcError['code'], number>> = { UNAUTHORIZED: 401, FORBIDDEN: 403, TOO_MANY_REQUESTS: 429, UNAVAILABLE: 503 };

/** Maps what a context hook threw to the handshake rejection the upgrade layer answers. */
export function toRejection(err: unknown): unknown {
  if (err instanceof RpcError) return new RejectError(STATUS[err.code] ?? 400, err.message);
  return err;
}

const CODE_OF_STATUS: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 429: 'TOO_MANY_REQUESTS', 503: 'UNAVAILABLE' };

/** Maps a RejectError thrown by a context hook that runs in-band to the RpcError the client is sent. */
export function fromRejection(err: unknown): unknown {
  if (err instanceof RejectError) return new RpcError(CODE_OF_STATUS[err.status] ?? 'BAD_REQUEST', err.message);
  return err;
}

/** The ConnectionInfo given to a context hook; it keeps the expiry the hook set. */
export class HandshakeInfo implements ConnectionInfo {
  readonly query: URLSearchParams;
  params: Readonly<Record<string, string>>;
  /** Whether the client announced in-band parameters (the hook then waits for its Hello). */
  readonly inBand: boolean;
  /** Epoch ms set by expireAt; 0 = never. */
  expiresAt = 0;

  constructor(
    readonly headers: Readonly<Record<string, string>>,
    readonly path: string,
    readonly protocol: string,
    readonly remoteAddress: string | undefined,
  ) {
    const q = path.indexOf('?');
    this.query = new URLSearchParams(q < 0 ? '' : path.slice(q + 1));
    this.inBand = this.query.has(HELLO_MARKER);
    this.query.delete(HELLO_MARKER);
    const params: Record<string, string> = Object.create(null);
    for (const [k, v] of this.query) params[k] = v;
    this.params = params;
  }

  /** Adds the parameters sent in-band over those of the query. */
  withParams(inBand: Readonly<Record<string, string>>): this {
    this.params = Object.assign(Object.create(null) as Record<string, string>, this.params, inBand);
    return this;
  }

  expireAt(at: Date | number): void {
    const ms = typeof at === 'number' ? at : at.getTime();
    if (!Number.isFinite(ms)) throw new TypeError('expireAt: not a valid time');
    this.expiresAt = ms;
  }
}
