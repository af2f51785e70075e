import type { Duplex } from 'node:stream';
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
  constructor(socket: Duplex, opts: ConnOptions) {
    super(socket, opts);
    if (opts.head !== undefined && opts.head.length > 0) this.handleData(opts.head);
    (socket as OwnedSocket)[kConn] = this;
    socket.on('data', socketOnData);
    // A socket that is not half-open ends itself when the peer does ('close' follows, and a
    // connection closed without a closing handshake is abnormal there too): a listener would
    // only cost every such connection an array of 'end' listeners.
    if (socket.allowHalfOpen) socket.on('end', socketOnEnd);
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    socket.on('drain', socketOnDrain);
    if (!this.paused) socket.resume();
    this.startHeartbeat();
    if (socket.destroyed) this.handleClose();
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
