export { connect } from './connect.js';
export type { ConnectOptions } from './connect.js';
export { HandshakeError } from '../upgrade/errors.js';
export * from './rpc-exports.js';
export { traceClient } from './rpc-tracing.js';
