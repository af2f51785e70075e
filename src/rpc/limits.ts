import { DEFAULT_STREAM_WINDOW } from './envelope.js';

/** Per-connection limits. Exceeding one fails that call with a typed error; the connection stays up. */
export interface ServerLimits {
  /** Largest RPC message accepted or sent, in bytes (default 1 MiB). */
  maxMessageSize: number;
  /** Unary calls and notifications running at once per connection (default 256). */
  maxInFlight: number;
  /** Streams (either direction) open at once per connection (default 64). */
  maxStreams: number;
  /** Items a client stream may send ahead of the handler (credit window, default 64). */
  streamWindow: number;
}

/** Largest RPC message accepted or sent, in bytes, by the server and the client alike: 1 MiB. */
export const DEFAULT_RPC_MESSAGE_SIZE = 1 << 20;

/** The defaults of ServerLimits. */
export const DEFAULT_RPC_LIMITS: Readonly<ServerLimits> = { maxMessageSize: DEFAULT_RPC_MESSAGE_SIZE, maxInFlight: 256, maxStreams: 64, streamWindow: DEFAULT_STREAM_WINDOW };

/**
 * The WebSocket message limit under an RPC limit of `maxMessageSize`, on both
 * sides. It is set above the RPC limit so that a message a little over it is
 * still read whole: the server peeks at its kind and id and fails that call
 * alone with PAYLOAD_TOO_LARGE, the connection stays up. Four times the RPC
 * limit bounds what a peer can make either side buffer before the connection
 * closes with 1009; the extra 1 KiB keeps a small RPC limit from cutting the
 * envelope around a payload that is just within it (a topic publication is
 * measured without its envelope).
 */
export function connectionLimit(maxMessageSize: number): number {
  return maxMessageSize * 4 + 1024;
}
