import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { takeSink } from './frame-sink.js';
import type { FrameSink, SinkOwner } from './frame-sink.js';
import { resolveLimits } from './options.js';
import type { ConnOptions, MessageCompressor, ResolvedLimits, Role } from './options.js';
import type { ConnEvents } from './conn-types.js';

/** Connection states. */
export const OPEN = 0;
export const CLOSING = 1;
export const CLOSED = 2;

export const EMPTY = Buffer.alloc(0);
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * What every part of a connection shares: the socket, its frame sink, the
 * negotiated settings and the state flags. The parts of a Conn are layered
 * classes (sender, control frames, closing handshake, inbound queue, receiver)
 * so that a frame goes through plain method calls on one object.
 */
export abstract class ConnBase extends EventEmitter<ConnEvents> implements SinkOwner {
  /** The subprotocol agreed in the handshake, or null. */
  readonly protocol: string | null;
  /** Which side this endpoint is. */
  readonly role: Role;
  /** The limits in effect (options with defaults filled in). */
  readonly limits: Readonly<ResolvedLimits>;

  protected readonly socket: Duplex;
  protected readonly deflate: MessageCompressor | null;
  /** @internal the sink holding this connection's unwritten frames, while it has one (see frame-sink.ts). */
  sink: FrameSink | null = null;

  protected state = OPEN;
  /** @internal the boolean state of every layer, one bit each (see defineFlags). */
  flags = 0;
  protected error: Error | undefined;
  /** Our close frame is written (or the connection failed): no more data frames. */
  declare protected closeSent: boolean;
  /** The connection has ended: every waiter is settled. */
  declare protected finalized: boolean;
  /** The socket is paused because the consumer fell behind. */
  declare protected paused: boolean;

  constructor(socket: Duplex, opts: ConnOptions) {
    super();
    // EventEmitter creates its listener table lazily when `_events` is undefined (as for emitters
    // built without its constructor): an idle Conn nobody listens to holds no table (~180 B).
    (this as unknown as { _events: undefined })._events = undefined;
    this.socket = socket;
    this.role = opts.role;
    this.protocol = opts.protocol ?? null;
    this.limits = resolveLimits(opts);
    this.deflate = opts.deflate ?? null;
  }

  /** Where this connection's frames are encoded: its sink, or a spare one it holds until the frames are written. */
  protected out(): FrameSink {
    return this.sink ?? takeSink(this, this.socket, this.role === 'client');
  }

  /** @internal socket 'close' (or the end of the connection decided here) */
  abstract handleClose(): void;

  protected emitError(err: Error): void {
    if (this.listenerCount('error') > 0) process.nextTick(emitErrorLater, this, err);
  }
}

let nextFlag = 1;

/**
 * Make the named boolean properties of a connection layer bits of its `flags`
 * integer, each name the next free bit: an idle connection keeps all its
 * booleans in one field instead of a field each.
 */
export function defineFlags(proto: ConnBase, names: readonly string[]): void {
  for (const name of names) {
    const bit = nextFlag;
    if (bit > 1 << 29) throw new Error('a connection has at most 30 flags');
    nextFlag <<= 1;
    Object.defineProperty(proto, name, {
      get(this: ConnBase): boolean {
        return (this.flags & bit) !== 0;
      },
      set(this: ConnBase, on: boolean): void {
        this.flags = on ? this.flags | bit : this.flags & ~bit;
      },
    });
  }
}

function emitErrorLater(conn: ConnBase, err: Error): void {
  if (conn.listenerCount('error') > 0) conn.emit('error', err);
}

defineFlags(ConnBase.prototype, ['closeSent', 'finalized', 'paused']);
