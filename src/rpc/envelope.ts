/**
 * Envelope kinds. Every RPC message is an array whose first element is one of
 * these; see docs/rpc-protocol.md for the fields of each.
 */
export const Kind = {
  /** client -> server: [1, id, method, input?] */
  Call: 1,
  /** client -> server: [2, method, input?] (no response) */
  Notify: 2,
  /** client -> server: [3, id, method, credit, lastEventId | null, input?] */
  Stream: 3,
  /** client -> server: [4, id, method] opens a client stream */
  ClientStream: 4,
  /** client -> server: [5, id, item?] one client-stream item */
  Push: 5,
  /** both ways: [6, id, n] grants n more stream items */
  Credit: 6,
  /** client -> server: [7, id] ends a client stream */
  End: 7,
  /** client -> server: [8, id] cancels a call or stream */
  Cancel: 8,
  /** both ways: [9, n] heartbeat request */
  Ping: 9,
  /** both ways: [10, n] heartbeat answer, echoing n */
  Pong: 10,
  /** server -> client: [11, id, output?] */
  Result: 11,
  /** server -> client: [12, id, code, message, data?]; id 0 = connection-level */
  Error: 12,
  /** server -> client: [13, id, item?] one server-stream item */
  Item: 13,
  /** server -> client: [14, id] the server stream ended */
  Done: 14,
  /** server -> client: [15, id, eventId, item?] a server-stream item tagged with an event id */
  Event: 15,
  /**
   * server -> client: [25, graceMs] the server is shutting down: open a new connection now (no backoff) for
   * new calls; calls in flight here are still answered within graceMs; server streams here are over.
   */
  GoAway: 25,
} as const;

/** Largest credit a peer may hold for one stream (initial window plus grants not yet used). */
export const MAX_CREDIT = 1 << 20;

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
