/**
 * zwire: WebSocket connections (Conn), server entry points and message codecs.
 * The layers below have their own entry points: zwire/wire, zwire/upgrade, zwire/deflate.
 */
export * from './message/index.js';
