import type { Duplex } from 'node:stream';
import { hubOf } from './hub.js';
import type { Hub, TopicLink } from './hub.js';
import type { ConnOptions } from './options.js';
import type { Message } from './message.js';
import { ConnReceiver } from './receiver.js';
import { toWebStreams, type WebSocketChunk } from './web-streams.js';

export type { CloseInfo, ConnEvents, SendOptions, StreamReadOptions } from './conn-types.js';

/**
 * A live WebSocket connection over a Duplex after the handshake.
 *
 * Reading is pull-driven: `for await (const message of conn)`. Bytes are parsed
 * as they arrive into a small queue; once the queue holds more than
 * `readHighWaterMark` bytes the socket is paused until the consumer catches up.
 * A close frame or protocol error takes effect in order: the messages received
 * before it are delivered first (and replies to them go out) while someone is reading.
 *
 * Its parts, one file each: sender.ts (send, writer, backpressure), control.ts
 * (ping, pong, heartbeat), closing.ts (closing handshake, end of connection),
 * inbound-queue.ts (the consumer's iteration, close and error signals in
 * order), receiver.ts (frame intake into messages).
 */
export class Conn extends ConnReceiver {
  /** @internal this connection's hub, or the topics it subscribes to there while it has any (see hub.ts). */
  topicLink: TopicLink | null;

  constructor(socket: Duplex, opts: ConnOptions) {
    super(socket, opts);
    this.topicLink = opts.hub ?? null;
    (socket as OwnedSocket)[kConn] = this;
    socket.on('data', socketOnData);
    // A socket that is not half-open ends itself when the peer does ('close' follows, and a
    // connection closed without a closing handshake is abnormal there too): a listener would
    // only cost every such connection an array of 'end' listeners.
    if (socket.allowHalfOpen) socket.on('end', socketOnEnd);
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    socket.on('drain', socketOnDrain);
    this.startHeartbeat();
    if (socket.destroyed) this.handleClose();
    else if (opts.head !== undefined && opts.head.length > 0) setImmediate(readHead, this, opts.head);
    else socket.resume();
  }

  /**
   * @internal the bytes that came with the handshake, read once the caller
   * has had the chance to start reading: a protocol error among them then
   * takes effect after the messages before it were delivered, as for later bytes.
   */
  readHead(head: Uint8Array): void {
    if (this.finalized) return;
    this.handleData(head);
    this.resumeReading();
  }

  /** The hub this connection's topics belong to, or null. */
  get hub(): Hub | null {
    return this.topicLink === null ? null : hubOf(this.topicLink);
  }

  /** The topics this connection subscribes to, in the order it subscribed. */
  get topics(): string[] {
    return this.topicLink === null ? [] : hubOf(this.topicLink).topicsOf(this);
  }

  /**
   * Subscribe to `topic` of this connection's hub: its publications are sent
   * here until `unsubscribe` or the end of the connection. False when already
   * subscribed or closing. Throws NoHubError when the connection has no hub.
   */
  subscribe(topic: string): boolean {
    return hubOf(this.topicLink).subscribe(this, topic);
  }

  /** Stop receiving `topic`'s publications; false when not subscribed. */
  unsubscribe(topic: string): boolean {
    return this.topicLink === null ? false : hubOf(this.topicLink).unsubscribe(this, topic);
  }

  /** Whether this connection subscribes to `topic`. */
  isSubscribed(topic: string): boolean {
    return this.topicLink !== null && hubOf(this.topicLink).has(this, topic);
  }

  /** @internal socket 'close' (or the end decided here): leave every topic first, so no 'close' listener sees it subscribed. */
  override handleClose(): void {
    if (!this.finalized && this.topicLink !== null) hubOf(this.topicLink).leaveAll(this);
    super.handleClose();
  }

  /** Incoming messages as a WHATWG ReadableStream (made on first use; see `toWebStreams`). */
  get readable(): ReadableStream<Message> {
    return toWebStreams(this).readable;
  }

  /** A WHATWG WritableStream sending each chunk as a message (made on first use; see `toWebStreams`). */
  get writable(): WritableStream<WebSocketChunk> {
    return toWebStreams(this).writable;
  }
}

function readHead(conn: Conn, head: Uint8Array): void {
  conn.readHead(head);
}

/** The Conn a socket belongs to: one set of listener functions serves every connection. */
const kConn = Symbol('zwire.conn');
type OwnedSocket = Duplex & { [kConn]: Conn };

function socketOnData(this: OwnedSocket, chunk: Uint8Array): void {
  this[kConn].handleData(chunk);
}

function socketOnEnd(this: OwnedSocket): void {
  this[kConn].handleEnd();
}

function socketOnError(this: OwnedSocket, err: Error): void {
  this[kConn].handleError(err);
}

function socketOnClose(this: OwnedSocket): void {
  this[kConn].handleClose();
}

function socketOnDrain(this: OwnedSocket): void {
  this[kConn].handleDrain();
}
