/**
 * The RPC folder's second index: what a client of the envelope protocol
 * needs, browser-safe and free of any package (src/client imports rpc only
 * through index files: this one, msgpack.ts and telemetry.ts for what loads
 * a package). It holds protocol internals besides public names, so no
 * published entry re-exports it: zwire/rpc's API is index.ts.
 *
 * The kind and close-code constants are flat names here, read through a
 * namespace import (`import * as Protocol from '../rpc/protocol.js'`, then
 * `Protocol.Call`): a bundler replaces such reads by the numbers, while a
 * nested namespace (`export * as Kind`) would be bundled as an object.
 */
export * from './kinds.js';
export * from './topic-kinds.js';
export * from './admission-close.js';
export { DEFAULT_STREAM_WINDOW, MAX_CREDIT, Subprotocol, type CodecName } from './envelope.js';
export type { CallMeta, ClientCodec, EnvelopeCodec, WireData } from './codec.js';
export { jsonClientCodec, jsonEnvelope } from './codec-json.js';
export { FAULT, parseServerEnvelope, type CreditEnvelope, type ErrorEnvelope, type IdEnvelope, type ItemEnvelope, type ResultEnvelope } from './envelope-parse.js';
export * from './errors.js';
export { defineService, withEventId, RESERVED_NAMES, type MethodInfo, type Validate, type MethodKind, type Schema, type Service, type ServiceDef } from './service.js';
export { CreditQueue } from './credit-queue.js';
export { IdTable } from './id-table.js';
export { SetMap } from './set-map.js';
export { connectionLimit, DEFAULT_RPC_MESSAGE_SIZE } from './limits.js';
export { HELLO_MARKER } from './admission.js';
export type { StreamPosition } from './topic.js';
export { SLOW_SUBSCRIBER_CLOSE, parseChannelEnvelope, parseSubscribed, topicEnvelope, type ChannelEnvelope } from './topic-envelopes.js';
