export { connect } from './connect.js';
export type { ConnectOptions } from './connect.js';
export * from './rpc-exports.js';
