export { connect } from './connect.js';
export type { ConnectOptions } from './connect.js';
export { HandshakeError } from '../upgrade/errors.js';
export * from './rpc-exports.js';
export { WebSocketError, WebSocketStream, type WebSocketCloseInfo, type WebSocketOpenInfo, type WebSocketStreamOptions } from './websocket-stream.js';
export { dialHttp2, type Http2DialResult } from './dial-http2.js';
export { ExtendedConnectUnsupportedError } from './http2-sessions.js';
