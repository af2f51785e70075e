import type { WireData } from './codec.js';

/**
 * The message transport the RPC layer runs over: whole messages out, with a
 * promise that settles when the transport can take more (backpressure).
 * Incoming messages are pushed by the adapter into the session.
 */
export interface RpcSocket {
  send(data: WireData): Promise<void> | void;
  /**
   * `send`, for a reply that goes with publications its call just made: a
   * transport that writes each socket once per event-loop turn puts it in
   * that write instead of one of its own. Optional: `send` serves otherwise.
   */
  sendWithTurn?(data: WireData): Promise<void> | void;
  /** Bytes accepted by send and not yet written, if the transport knows; streams use it to skip waiting on uncongested sends. */
  readonly bufferedAmount?: number;
  close(code?: number, reason?: string): void;
}
