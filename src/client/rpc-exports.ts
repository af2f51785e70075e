/** The RPC client's public surface, re-exported by zwire/client. */
export { createClient, type ClientControl, type ClientOptions, type RpcClient } from './rpc.js';
export { RpcStream } from './rpc-stream.js';
export type { CallOptions, ClientInput, ClientMethod, ClientMethods } from './rpc-types.js';
export type { ClientEvents, ClientState } from './rpc-events.js';
export type { ReconnectOptions } from './rpc-backoff.js';
export type { ClientTransport, TransportEvents, TransportFactory } from './transport.js';
export { webSocketTransport, WebSocketOpenError, type WebSocketConstructor, type WebSocketLike } from './transport-websocket.js';
export { zwireTransport, type ZwireTransportOptions } from './transport-zwire.js';
export { RpcError, RpcErrorCode } from '../rpc/errors.js';
