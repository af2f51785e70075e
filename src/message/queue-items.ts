import { Utf8Validator } from '../wire/index.js';
import type { InboundStream } from './inbound-stream.js';
import type { ReceivedMessage } from './message.js';

/** A close frame or a protocol error found by the reader, run in order with the messages before it. */
export class Signal {
  constructor(
    readonly error: Error | null,
    readonly code: number,
    readonly reason: string,
  ) {}
}

/** A compressed message whose inflation has not finished yet. */
export class Pending {
  message: ReceivedMessage | null = null;
  error: Error | null = null;
  done = false;
  /** In the inbound queue (its last piece was read). */
  queued = false;
  readonly parts: Buffer[] = [];
  size = 0;
  /** Each compressed text message has its own validator: the next message may start before it is inflated. */
  readonly utf8: Utf8Validator | null;
  constructor(readonly binary: boolean) {
    this.utf8 = binary ? null : new Utf8Validator();
  }
}

/** What the inbound queue holds, in arrival order. */
export type Item = ReceivedMessage | InboundStream | Pending | Signal;
