/**
 * The RPC client without anything Node-only: runs over the browser's
 * WebSocket (or any WHATWG WebSocket passed as the `WebSocket` option).
 * Also holds what a shared service definition needs, so browser code never
 * imports the server. JSON only: the msgpack codec is opt-in through
 * zwire/client/msgpack, so a JSON bundle carries no msgpackr.
 */
export {
  createClient,
  setDefaultTransport,
  type ClientControl,
  type ClientOptions,
  type ClientUrl,
  type DefaultTransport,
  type ResolvedConnectOptions,
  type RpcClient,
  type TypesOnlyClient,
  type TypesOnlyOptions,
} from './rpc.js';
export { registerCodec } from './rpc-codec.js';
export { RpcStream } from './rpc-stream.js';
export type {
  CallOptions,
  ClientInput,
  ClientMethod,
  ClientMethods,
  ClientPresence,
  ClientTopic,
  NotifyName,
  ResumableName,
  ServerStream,
  TypesOnlyMethod,
  TypesOnlyMethods,
} from './rpc-types.js';
export type { SubscribeOptions, Subscription, SubscriptionEvents } from './rpc-subscription.js';
export type { ClientEvents, ClientState } from './rpc-events.js';
export type { ReconnectOptions } from './rpc-backoff.js';
export type { ClientTransport, TransportEvents, TransportFactory } from './transport.js';
export { webSocketTransport, WebSocketOpenError, type WebSocketConstructor, type WebSocketLike } from './transport-websocket.js';
export { ZwireError } from '../errors.js';
export {
  RpcError,
  RpcErrorCode,
  isErrorCode,
  isRpcError,
  isRpcErrorCode,
  isValidationError,
  type ErrorCode,
  type ValidationError,
  type ValidationIssue,
  defineService,
  withEventId,
  type Service,
  type ServiceDef,
  MAX_CREDIT,
  Subprotocol,
  type CodecName,
  type EnvelopeCodec,
  type WireData,
  type StreamPosition,
  SLOW_SUBSCRIBER_CLOSE,
} from '../rpc/protocol.js';
