/**
 * zwire/rpc: define a service once with zod schemas, serve it with
 * validation both ways, streams with credit flow control, cancellation,
 * middleware and limits; call it from the typed client in zwire/client.
 */
export { ZwireError } from '../errors.js';
export {
  RpcError,
  RpcErrorCode,
  isErrorCode,
  isRpcError,
  isRpcErrorCode,
  isValidationError,
  type ErrorCode,
  type ErrorExposure,
  type ValidationError,
  type ValidationIssue,
} from './errors.js';
export {
  defineService,
  withEventId,
  EventItem,
  type ClientStreamDef,
  type MethodDef,
  type MethodInfo,
  type MethodKind,
  type NotifyDef,
  type Schema,
  type ServerStreamDef,
  type Service,
  type ServiceDef,
  type TopicNames,
  type MethodNames,
  type UnaryDef,
} from './service.js';
export type {
  CallContext,
  ContextOf,
  Handler,
  HandlerInput,
  Handlers,
  Middleware,
  Publish,
  PublishContext,
  SubscribeResult,
  TopicContext,
  TopicHandlers,
  TopicKey,
  TopicKeyInput,
  TopicMessageInput,
  TopicPresenceInput,
} from './handlers.js';
export type { TopicDef, TopicInfo, StreamPosition, HistoryPolicy } from './topic.js';
export { TopicKind, SLOW_SUBSCRIBER_CLOSE } from './topic-envelopes.js';
export { DEFAULT_TOPIC_LIMITS, type TopicLimits } from './topic-hub.js';
export { memoryEngine, type MemoryEngineOptions } from '../engine/memory-engine.js';
export type { Engine, EngineHandler, HistoryQuery, HistoryResult, Publication, EnginePublishOptions } from '../engine/engine.js';
export { Kind, MAX_CREDIT, MAX_METHOD_LENGTH, PROTOCOL_VERSION, Subprotocol, codecForProtocol, type CodecName } from './envelope.js';
export type { CallMeta, EnvelopeCodec, WireData } from './codec.js';
export { jsonEnvelope } from './codec-json.js';
export { msgpackEnvelope } from './codec-msgpack.js';
export type { RpcSocket } from './socket.js';
export { DEFAULT_RPC_LIMITS, type ServerLimits } from './limits.js';
export { RpcRouter, type RouterOptions, type RpcConnection } from './server.js';
export { DESCRIBE_METHOD, describeService, type JsonSchema, type MethodDescription, type ServiceDescription, type TopicDescription } from './introspection.js';
export { AdmissionClose, HELLO_MARKER } from './admission.js';
export type { CallObserver, CallWatch } from './observe.js';
