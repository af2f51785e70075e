import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { FrameSink } from './frame-sink.js';
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
export abstract class ConnBase extends EventEmitter<ConnEvents> {
  /** The subprotocol agreed in the handshake, or null. */
  readonly protocol: string | null;
  /** Which side this endpoint is. */
  readonly role: Role;
  /** The limits in effect (options with defaults filled in). */
  readonly limits: Readonly<ResolvedLimits>;

  protected readonly socket: Duplex;
  protected readonly deflate: MessageCompressor | null;
  protected readonly sink: FrameSink;

  protected state = OPEN;
  /** Our close frame is written (or the connection failed): no more data frames. */
  protected closeSent = false;
  /** The connection has ended: every waiter is settled. */
  protected finalized = false;
  protected error: Error | undefined;
  /** The socket is paused because the consumer fell behind. */
  protected paused = false;

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
    this.sink = new FrameSink(socket, opts.role === 'client');
  }

  /** @internal socket 'close' (or the end of the connection decided here) */
  abstract handleClose(): void;

  protected emitError(err: Error): void {
    if (this.listenerCount('error') > 0) process.nextTick(emitErrorLater, this, err);
  }
}

function emitErrorLater(conn: ConnBase, err: Error): void {
  if (conn.listenerCount('error') > 0) conn.emit('error', err);
}
