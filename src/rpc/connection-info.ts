import { RejectError } from '../upgrade/index.js';
import { RpcError } from './errors.js';

/** What the server's `context` hook learns about a connection at the handshake. */
export interface ConnectionInfo {
  /** Request headers, names lowercased (repeated headers joined with ', '). */
  readonly headers: Readonly<Record<string, string>>;
  /** The request target, e.g. `/rpc?token=abc`. */
  readonly path: string;
  /** Query parameters of the request target: connection parameters from the client's `params` option. */
  readonly query: URLSearchParams;
  /** The negotiated RPC subprotocol, e.g. `zwire.rpc.v1.msgpack`. */
  readonly protocol: string;
  readonly remoteAddress: string | undefined;
}

/**
 * Builds the per-connection context from the handshake, or refuses the
 * handshake by throwing: RpcError UNAUTHORIZED -> 401, FORBIDDEN -> 403,
 * TOO_MANY_REQUESTS -> 429, other RpcErrors -> 400, RejectError as given.
 */
export type ContextHook<C> = (info: ConnectionInfo) => C | Promise<C>;

const STATUS: Partial<Record<RpcError['code'], number>> = { UNAUTHORIZED: 401, FORBIDDEN: 403, TOO_MANY_REQUESTS: 429, UNAVAILABLE: 503 };

/** Maps what a context hook threw to the handshake rejection the upgrade layer answers. */
export function toRejection(err: unknown): unknown {
  if (err instanceof RpcError) return new RejectError(STATUS[err.code] ?? 400, err.message);
  return err;
}

function queryOf(path: string): URLSearchParams {
  const q = path.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : path.slice(q + 1));
}

export function connectionInfo(headers: Record<string, string>, path: string, protocol: string, remoteAddress: string | undefined): ConnectionInfo {
  return { headers, path, query: queryOf(path), protocol, remoteAddress };
}
