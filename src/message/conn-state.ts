import type { Duplex } from 'node:stream';
import type { FrameSink } from './frame-sink.js';
import type { MessageCompressor } from './compressor.js';
import type { ResolvedLimits, Role } from './options.js';

/** Connection states. */
export const OPEN = 0;
export const CLOSING = 1;
export const CLOSED = 2;

export const EMPTY = Buffer.alloc(0);
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * What every part of a connection reads and sets on the Conn, its front: the
 * socket, the negotiated settings, the state, and the few entry points by
 * which a part reaches one above it (implemented by the front, conn.ts).
 * Each part (sender.ts, control.ts, closing.ts, inbound-queue.ts,
 * receiver.ts) is a set of functions over this and an interface of its own
 * fields; the Conn holds all the fields, so a frame's path touches one
 * object and an idle connection is one object.
 */
export interface ConnCore {
  readonly role: Role;
  readonly limits: Readonly<ResolvedLimits>;
  readonly socket: Duplex;
  readonly deflate: MessageCompressor | null;
  /** The sink holding this connection's unwritten frames, while it has one (see frame-sink.ts). */
  sink: FrameSink | null;
  /** OPEN, CLOSING or CLOSED. */
  state: number;
  error: Error | undefined;
  /** Our close frame is written (or the connection failed): no more data frames. */
  closeSent: boolean;
  /** The connection has ended: every waiter is settled. */
  finalized: boolean;
  /** The socket is paused because the consumer fell behind. */
  paused: boolean;
  /** Reading is paused until the outbound queue drains (the peer's pings filled it). */
  outPaused: boolean;
  /** Fail the connection with the error's close code (closing.ts). */
  fail(err: Error): void;
  /** The peer's close frame took effect (closing.ts). */
  onPeerClose(code: number, reason: string): void;
  /** Reading was paused for one reason and that reason is gone: resume unless another holds (receiver.ts). */
  resumeReading(): void;
  /** Tell the 'error' listeners, if any, on the next tick. */
  emitError(err: Error): void;
}

let nextFlag = 1;

/**
 * Make the named boolean properties of a connection bits of its `flags`
 * integer, each name the next free bit: an idle connection keeps all its
 * booleans in one field instead of a field each.
 */
export function defineFlags(proto: { flags: number }, names: readonly string[]): void {
  for (const name of names) {
    const bit = nextFlag;
    if (bit > 1 << 29) throw new Error('a connection has at most 30 flags');
    nextFlag <<= 1;
    Object.defineProperty(proto, name, {
      get(this: { flags: number }): boolean {
        return (this.flags & bit) !== 0;
      },
      set(this: { flags: number }, on: boolean): void {
        this.flags = on ? this.flags | bit : this.flags & ~bit;
      },
    });
  }
}
