import type { Http2Setting } from './dual-listener.js';
import { listen as listenHttp1, type ConnHandler, type ListenOptions as Http1ListenOptions, type WebSocketServer } from './ws-server.js';

/** Options of `listen`; with `http2`, the same port also serves WebSockets over HTTP/2 (RFC 8441). */
export interface ListenOptions extends Http1ListenOptions {
  /** Serve RFC 8441 too: `true` for cleartext h2c, or TLS options (`{ key, cert }`) for HTTP/2 and HTTP/1.1 over TLS. */
  http2?: Http2Setting;
}

/**
 * Listen for WebSocket connections on a port and call `handler` with a Conn
 * for each. Without `http2`, the raw HTTP/1.1 path of zwire's message layer;
 * with it, one port serves HTTP/1.1 and HTTP/2 (see listen-http2.ts). The
 * HTTP/2 side is loaded on first use: node:http2 and its assembly would
 * otherwise grow every server's startup heap, which makes V8 start
 * incremental marking sooner under large messages (64 KiB echoes ran at
 * half speed).
 */
export function listen(options: ListenOptions, handler: ConnHandler): Promise<WebSocketServer> {
  const { http2, ...rest } = options;
  if (http2 === undefined) return listenHttp1(rest, handler);
  return import('./listen-http2.js').then((m) => m.listenDual(http2, rest, handler));
}
