/**
 * zwire: WebSocket connections (Conn), server entry points, the Node client's
 * connect() and message codecs. The layers below have their own entry points:
 * zwire/wire, zwire/upgrade, zwire/deflate; the typed RPC layer is zwire/rpc
 * with its client in zwire/client.
 */
export * from './message/index.js';
export { connect } from './client/connect.js';
export type { ConnectOptions } from './client/connect.js';
