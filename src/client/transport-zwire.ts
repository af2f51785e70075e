import type { DeflateOptions } from '../deflate/index.js';
import { connectionLimit, DEFAULT_RPC_MESSAGE_SIZE, RpcError } from '../rpc/protocol.js';
import { pumpMessages } from '../message/pump.js';
import { connect, type ConnectOptions } from './connect.js';
import { setDefaultTransport } from './rpc.js';
import { inBandUrl, type ClientTransport, type TransportEvents, type TransportFactory } from './transport.js';

/**
 * A handshake answered 401 or 403, as the RPC client's refusal: it stops
 * retrying. Only a Node transport sees the status (a browser's WebSocket
 * reports a refused handshake as a bare close), so the mapping lives here.
 */
function refusedBy(err: unknown): RpcError | null {
  const status = typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
  if (status !== 401 && status !== 403) return null;
  return new RpcError(status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', `the server refused the connection (${status})`, undefined, { cause: err });
}

/** Options of the RPC client's transport over zwire's own Node client. */
export interface ZwireTransportOptions {
  headers?: Record<string, string>;
  /** Offer permessage-deflate. */
  deflate?: boolean | DeflateOptions;
  /** Open the WebSocket over HTTP/2 (RFC 8441). */
  http2?: boolean;
  /** TLS options for wss:// (ca, rejectUnauthorized, ...). */
  tls?: ConnectOptions['tls'];
  /** Handshake time limit in ms (default 10 000). */
  timeoutMs?: number;
  /**
   * The RPC client's message limit (createClient's `maxMessageSize`): the
   * connection closes with 1009 on a message over 4x + 1 KiB of it (the
   * widening the RPC server applies too, docs/rpc-protocol.md). The default
   * transport passes the client's own; without it the connection keeps the
   * message layer's default (64 MiB).
   */
  maxMessageSize?: number;
}

/** Runs the RPC client over zwire's `connect` (Node): real backpressure, deflate, custom headers, in-band parameters. */
export function zwireTransport(url: string, options: ZwireTransportOptions = {}): TransportFactory {
  const target = inBandUrl(url);
  return async (protocols: string[], events: TransportEvents, signal: AbortSignal): Promise<ClientTransport> => {
    const conn = await connect(target, {
      protocols,
      headers: options.headers,
      deflate: options.deflate,
      http2: options.http2,
      tls: options.tls,
      signal,
      timeoutMs: options.timeoutMs,
      maxMessageSize: options.maxMessageSize === undefined ? undefined : connectionLimit(options.maxMessageSize),
    }).catch((err: unknown) => {
      throw refusedBy(err) ?? err;
    });
    if (conn.protocol === null || !protocols.includes(conn.protocol)) {
      conn.terminate();
      throw new Error(`server did not accept any of ${protocols.join(', ')}`);
    }
    conn.on('error', () => {
      // how the connection ended is reported through `closed`
    });
    // Each message as it came, text or bytes: the client's codec reads both.
    void pumpMessages(conn, false, { receive: (data) => events.message(data) });
    void conn.closed.then((info) => events.close(info.code, info.reason));
    return {
      protocol: conn.protocol,
      inBand: true,
      send: (data) => conn.send(data),
      close: (code, reason) => {
        if (conn.isOpen) conn.close(code, reason).catch(() => conn.terminate());
        else conn.terminate();
      },
    };
  };
}

/** The RPC client's default in Node: zwire's own client with the ClientOptions it understands. */
export function registerZwireTransport(): void {
  setDefaultTransport((url, options) =>
    zwireTransport(url, {
      headers: options.headers,
      deflate: options.deflate,
      http2: options.http2,
      maxMessageSize: options.maxMessageSize ?? DEFAULT_RPC_MESSAGE_SIZE,
    }),
  );
}
