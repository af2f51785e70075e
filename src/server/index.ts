/** Server-side assembly: one port for WebSockets over HTTP/1.1 and HTTP/2 (RFC 8441). */
export { acceptHttp2, type Http2AcceptOptions } from './accept-http2.js';
export { DualListener, type DualListenerHandlers, type Http2ListenOptions, type Http2Setting } from './dual-listener.js';
export { listen, type ListenOptions } from './listen.js';
