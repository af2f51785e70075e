/**
 * zwire/rpc as published: the RPC core (src/rpc, no Node built-in: it runs
 * in browsers too) and the Node server that serves it over WebSockets.
 */
export * from '../rpc/index.js';
export { createServer, RpcServer, type CloseOptions, type ListenAddress, type ServerOptions } from './rpc-server.js';
export type { ConnectionInfo, ContextHook } from './connection-info.js';
export type { CallEndMessage, CallStartMessage, ConnCloseMessage, ConnOpenMessage, HandshakeRefusedMessage } from './rpc-diagnostics.js';
