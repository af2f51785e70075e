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
export { acceptHttp2, listen } from './server/index.js';
export type { Http2AcceptOptions, Http2ListenOptions, Http2Setting, ListenOptions } from './server/index.js';
export { connect } from './client/connect.js';
export type { ConnectOptions } from './client/connect.js';
