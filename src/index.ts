/**
 * zwire: WebSocket connections (Conn), server entry points (src/server), the Node client's
 * connect() and message codecs. The layers below have their own entry points:
 * zwire/wire, zwire/upgrade, zwire/deflate; the typed RPC layer is zwire/rpc
 * with its client in zwire/client.
 */
export * from './message/index.js';
export { accept, fromUpgradeHTTP, WebSocketServer } from './server/ws-server.js';
export type { AcceptOptions, ConnHandler, DeflateSetting, FromUpgradeHTTPOptions, ServerCloseOptions } from './server/ws-server.js';
// listen() with the `http2` option replaces the message layer's HTTP/1.1-only one
export { listen, type ListenOptions } from './server/listen.js';
export { acceptHttp2, type Http2AcceptOptions } from './server/accept-http2.js';
export type { Http2ListenOptions, Http2Setting } from './server/dual-listener.js';
export { connect } from './client/connect.js';
export type { ConnectOptions } from './client/connect.js';
