/**
 * The RPC client without anything Node-only: runs over the browser's
 * WebSocket (or any WHATWG WebSocket passed as the `WebSocket` option).
 * Also holds what a shared service definition needs, so browser code never
 * imports the server.
 */
export { createClient, setDefaultTransport, type ClientControl, type ClientOptions, type ClientUrl, type DefaultTransport, type ResolvedConnectOptions, type RpcClient } from './rpc.js';
export { RpcStream } from './rpc-stream.js';
export type { CallOptions, ClientInput, ClientMethod, ClientMethods } from './rpc-types.js';
export type { ClientEvents, ClientState } from './rpc-events.js';
export type { ReconnectOptions } from './rpc-backoff.js';
export type { ClientTransport, TransportEvents, TransportFactory } from './transport.js';
export { webSocketTransport, WebSocketOpenError, type WebSocketConstructor, type WebSocketLike } from './transport-websocket.js';
export { RpcError, RpcErrorCode, isRpcErrorCode } from '../rpc/errors.js';
export { defineService, withEventId, type Service, type ServiceDef } from '../rpc/service.js';
export { MAX_CREDIT, Subprotocol, type CodecName } from '../rpc/envelope.js';
