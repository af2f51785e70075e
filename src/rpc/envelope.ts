import * as K from './kinds.js';

/**
 * Envelope kinds. Every RPC message is an array whose first element is one of
 * these; see docs/rpc-protocol.md for the fields of each. (The values live in
 * kinds.ts, which zwire's own code imports.)
 */
export const Kind = {
  /** client -> server: [1, id, method, input?] */
  Call: K.Call,
  /** client -> server: [2, method, input?] (no response) */
  Notify: K.Notify,
  /** client -> server: [3, id, method, credit, lastEventId | null, input?] */
  Stream: K.Stream,
  /** client -> server: [4, id, method] opens a client stream */
  ClientStream: K.ClientStream,
  /** client -> server: [5, id, item?] one client-stream item */
  Push: K.Push,
  /** both ways: [6, id, n] grants n more stream items */
  Credit: K.Credit,
  /** client -> server: [7, id] ends a client stream */
  End: K.End,
  /** client -> server: [8, id] cancels a call or stream */
  Cancel: K.Cancel,
  /** both ways: [9, n] heartbeat request */
  Ping: K.Ping,
  /** both ways: [10, n] heartbeat answer, echoing n */
  Pong: K.Pong,
  /** server -> client: [11, id, output?] */
  Result: K.Result,
  /** server -> client: [12, id, code, message, data?]; id 0 = connection-level */
  Error: K.Error,
  /** server -> client: [13, id, item?] one server-stream item */
  Item: K.Item,
  /** server -> client: [14, id] the server stream ended */
  Done: K.Done,
  /** server -> client: [15, id, eventId, item?] a server-stream item tagged with an event id */
  Event: K.Event,
  /**
   * server -> client: [25, graceMs] the server is shutting down: open a new connection now (no backoff) for
   * new calls; calls in flight here are still answered within graceMs; server streams here are over.
   */
  GoAway: K.GoAway,
  /** client -> server: [26, params] the connection parameters, the first message of a connection opened with the in-band marker */
  Hello: K.Hello,
  /** server -> client: [27] the server's context hook accepted the connection: calls may follow */
  Welcome: K.Welcome,
} as const;

/** Largest credit a peer may hold for one stream (initial window plus grants not yet used). */
export const MAX_CREDIT = 1 << 20;

/** Stream items a receiver lets its peer send ahead unless configured otherwise: the client for server streams, the server for client streams. */
export const DEFAULT_STREAM_WINDOW = 64;

/** Longest method name accepted on the wire. */
export const MAX_METHOD_LENGTH = 256;

/** The RPC protocol version carried in the subprotocol name. */
export const PROTOCOL_VERSION = 1;

/** WebSocket subprotocol per codec, for protocol version 1. */
export const Subprotocol = {
  json: 'zwire.rpc.v1.json',
  msgpack: 'zwire.rpc.v1.msgpack',
} as const;

export type CodecName = keyof typeof Subprotocol;

/** Maps a negotiated subprotocol back to its codec, or null if it is not an RPC v1 protocol. */
export function codecForProtocol(protocol: string | null | undefined): CodecName | null {
  if (protocol === Subprotocol.json) return 'json';
  if (protocol === Subprotocol.msgpack) return 'msgpack';
  return null;
}
