import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { CloseCode } from '../wire/index.js';
import type { FrameParser } from '../wire/index.js';
import {
  close as startClose,
  closed as closedPromise,
  closeInfo,
  fail as failConn,
  finish as finishConn,
  onPeerClose as peerClosed,
  socketEnded,
  socketFailed,
  terminate as terminateConn,
} from './closing.js';
import type { Ending } from './closing.js';
import type { MessageCompressor } from './compressor.js';
import { defineFlags, OPEN } from './conn-state.js';
import { ping as sendPing, startHeartbeat } from './control.js';
import type { PingWait } from './control.js';
import type { FrameSink } from './frame-sink.js';
import { hubOf } from './hub.js';
import type { Hub, TopicLink } from './hub.js';
import { consumed as consumedBytes, messages as readMessages, stopReading as stopQueue } from './inbound-queue.js';
import type { ReadExtras, Waiter } from './inbound-queue.js';
import type { InboundStream } from './inbound-stream.js';
import type { Message, MessageStream } from './message.js';
import { resolveLimits } from './options.js';
import type { ConnOptions, ResolvedLimits, Role } from './options.js';
import type { OverBudget } from './outbound-budget.js';
import type { Publication } from './publication.js';
import type { Item } from './queue-items.js';
import { isOwnRead } from './read-reuse.js';
import { endReading as endReceiving, progressTimedOut, receive, resumeReading as resumeReceiving } from './receiver.js';
import type { Assembly } from './receiver.js';
import {
  bufferedAmount as queuedForPeer,
  deliver as deliverPublication,
  drainTimedOut,
  drained,
  send as sendMessage,
  whenWritable as waitWritable,
} from './sender.js';
import { MessageWriter } from './writer.js';
import type { WriterOptions } from './writer.js';
import { toWebStreams } from './web-streams.js';
import type { WebSocketChunk } from './web-streams.js';
import type { CloseInfo, ConnEvents, SendOptions, StreamReadOptions } from './conn-types.js';

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
 * A Conn is the front of its parts, one file each, every part a set of
 * functions over an interface of the fields it uses: sender.ts (`Outbound`:
 * send, the data channel, the outbound budget; with writer.ts, frame-sink.ts,
 * outbound-budget.ts), control.ts (`Control`: ping, pong, heartbeat),
 * inbound-queue.ts (`Inbound`: the consumer's iteration, close and error
 * signals in order; with inbound-stream.ts), closing.ts (`Closing`: closing
 * handshake, end of connection; sees the outbound and control parts it ends),
 * receiver.ts (`Receiver`: frame intake, on top of them all). A part reaches
 * one above it only through the entry points of `ConnCore` that the front
 * implements (fail, onPeerClose, resumeReading, stopReading, endReading).
 * The front holds every field, so a frame's path touches one object and an
 * idle connection is one object plus its socket; what a connection rarely
 * needs lives in objects made on first use (the end state, read extras,
 * message assembly, the over-budget state, a pooled frame sink and parser).
 */
export class Conn extends EventEmitter<ConnEvents> implements AsyncIterable<Message> {
  /** The subprotocol agreed in the handshake, or null. */
  readonly protocol: string | null;
  /** Which side this endpoint is. */
  readonly role: Role;
  /** The limits in effect (options with defaults filled in). */
  readonly limits: Readonly<ResolvedLimits>;
  /** @internal */
  readonly socket: Duplex;
  /** @internal */
  readonly deflate: MessageCompressor | null;
  /** @internal */
  sink: FrameSink | null = null;
  /** @internal */
  state = OPEN;
  /** @internal the boolean state of every part, one bit each (see defineFlags). */
  flags = 0;
  /** @internal */
  error: Error | undefined;
  /** @internal */
  outTail: Promise<void> | null = null;
  /** @internal */
  overBudget: OverBudget | null = null;
  /** @internal */
  pings: Map<string, PingWait[]> | null = null;
  /** @internal */
  heartbeatTimer: NodeJS.Timeout | null = null;
  /** @internal called once when the connection has ended (a server's bookkeeping; no closure per connection). */
  onEnded: ((conn: Conn) => void) | null = null;
  /** @internal */
  ending: Ending | null = null;
  /** @internal */
  items: Item[] | null = null;
  /** @internal */
  qHead = 0;
  /** @internal */
  qTail = 0;
  /** @internal */
  queuedBytes = 0;
  /** @internal */
  waiter: Waiter | null = null;
  /** @internal */
  mode: 'message' | 'stream' | null = null;
  /** @internal */
  extra: ReadExtras | null = null;
  /** @internal */
  parser: FrameParser | null = null;
  /** @internal */
  msgBytes = 0;
  /** @internal */
  msgFrames = 0;
  /** @internal */
  msgLen = 0;
  /** @internal */
  msgStream: InboundStream | null = null;
  /** @internal */
  ctrlOp = 0;
  /** @internal */
  asm: Assembly | null = null;
  /** @internal this connection's hub, or the topics it subscribes to there while it has any (see hub.ts). */
  topicLink: TopicLink | null;

  // Bits of `flags` (see the defineFlags call below).
  /** @internal */ declare closeSent: boolean;
  /** @internal */ declare finalized: boolean;
  /** @internal */ declare paused: boolean;
  /** @internal */ declare writerActive: boolean;
  /** @internal */ declare outPaused: boolean;
  /** @internal */ declare heartbeatPending: boolean;
  /** @internal */ declare sawTraffic: boolean;
  /** @internal */ declare replied: boolean;
  /** @internal */ declare closeReceived: boolean;
  /** @internal */ declare terminated: boolean;
  /** @internal */ declare iterating: boolean;
  /** @internal */ declare readStopped: boolean;
  /** @internal */ declare readEnded: boolean;
  /** @internal */ declare msgBinary: boolean;
  /** @internal */ declare msgCompressed: boolean;
  /** @internal */ declare frameFin: boolean;
  /** @internal */ declare watched: boolean;
  /** @internal */ declare progressHeld: boolean;

  constructor(socket: Duplex, opts: ConnOptions) {
    super();
    // EventEmitter creates its listener table lazily when `_events` is undefined (as for emitters
    // built without its constructor): an idle Conn nobody listens to holds no table (~180 B).
    (this as unknown as { _events: undefined })._events = undefined;
    this.socket = socket;
    this.role = opts.role;
    this.protocol = opts.protocol ?? null;
    this.limits = opts.limits ?? resolveLimits(opts);
    this.deflate = opts.deflate ?? null;
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
    startHeartbeat(this);
    if (socket.destroyed) this.handleClose();
    else if (opts.head !== undefined && opts.head.length > 0) setImmediate(readHead, this, opts.head);
    else socket.resume();
  }

  /**
   * Bytes queued for the peer and not yet taken by the kernel: frames batched
   * for this tick's write plus the socket's write buffer. Compared with
   * `limits.maxQueuedBytes`, this is the outbound budget in use.
   */
  get bufferedAmount(): number {
    return queuedForPeer(this);
  }

  /**
   * Resolves at once while the outbound queue is within `maxQueuedBytes`,
   * otherwise once the socket has written it all. Rejects with ConnClosedError
   * when the connection ends first.
   */
  whenWritable(): Promise<void> {
    return waitWritable(this);
  }

  /**
   * Send one message. Strings go as text, bytes as binary unless `binary` says
   * otherwise. Resolves once the frame is queued while the outbound queue
   * (`bufferedAmount`) is within `maxQueuedBytes`; past it, once the socket
   * has written everything queued (so a loop of awaited sends is held back by
   * a peer that does not read). Rejects with ConnClosedError when the
   * connection is closing or gone.
   */
  send(data: string | Uint8Array, opts?: SendOptions): Promise<void> {
    return sendMessage(this, data, opts);
  }

  /**
   * A Writable that sends one message in parts: each write becomes fragments
   * (buffered up to `fragmentSize`, or one per write with `fragmentSize: 0`),
   * `end()` sends the final one. Other sends wait until the message is finished.
   */
  writer(opts: WriterOptions = {}): MessageWriter {
    return new MessageWriter(this, opts);
  }

  /**
   * Send a ping and resolve with the round trip in milliseconds once the pong
   * with the same payload arrives. Without a payload a unique one is used.
   */
  ping(payload?: Uint8Array): Promise<number> {
    return sendPing(this, payload);
  }

  /** Resolves once the socket is gone, with how the connection ended. Never rejects. */
  get closed(): Promise<CloseInfo> {
    return closedPromise(this);
  }

  /** True until a close frame was sent or the connection ended: `send` works. */
  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /**
   * Start the closing handshake (default 1000) and resolve once the socket is
   * gone; the socket is destroyed if the peer has not finished within
   * `closeTimeoutMs`. Throws RangeError for a code or reason that may not be sent.
   * Messages sent before close() still go out first.
   */
  close(code: number = CloseCode.Normal, reason = ''): Promise<CloseInfo> {
    return startClose(this, code, reason);
  }

  /** Destroy the socket now, without a closing handshake. */
  terminate(): void {
    terminateConn(this);
  }

  /** Whole messages, in order, until the connection closes. Same as `messages()`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    return this.messages();
  }

  /**
   * Read whole messages, or with `{ stream: true }` each message as an async
   * iterable of chunks that arrive as its fragments do (nothing is buffered
   * whole). A connection is read in one mode only. Leaving a `for await` loop
   * does not close the connection; call `close()` for that.
   */
  messages(): AsyncIterableIterator<Message>;
  messages(opts: StreamReadOptions): AsyncIterableIterator<MessageStream>;
  messages(opts?: StreamReadOptions): AsyncIterableIterator<Message> | AsyncIterableIterator<MessageStream> {
    return readMessages(this, opts) as AsyncIterableIterator<Message>;
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

  /** Incoming messages as a WHATWG ReadableStream (made on first use; see `toWebStreams`). */
  get readable(): ReadableStream<Message> {
    return toWebStreams(this).readable;
  }

  /** A WHATWG WritableStream sending each chunk as a message (made on first use; see `toWebStreams`). */
  get writable(): WritableStream<WebSocketChunk> {
    return toWebStreams(this).writable;
  }

  /**
   * @internal `send`, but written with this turn's hub publications rather than at the end of
   * this tick: a reply that goes with the publications its call made costs no write of its own.
   */
  sendWithTurn(data: string | Uint8Array): Promise<void> {
    return sendMessage(this, data, undefined, true);
  }

  /** @internal queue a hub publication (see sender.ts). */
  deliver(publication: Publication): void {
    deliverPublication(this, publication);
  }

  /** @internal socket 'close' (or the end decided here): leave every topic first, so no 'close' listener sees it subscribed. */
  handleClose(): void {
    if (this.finalized) return;
    if (this.topicLink !== null) hubOf(this.topicLink).leaveAll(this);
    const info = finishConn(this);
    this.onEnded?.(this);
    if (this.listenerCount('close') > 0) this.emit('close', info ?? closeInfo(this));
  }

  /** @internal */
  fail(err: Error): void {
    failConn(this, err);
  }

  /** @internal */
  onPeerClose(code: number, reason: string): void {
    peerClosed(this, code, reason);
  }

  /** @internal */
  resumeReading(): void {
    resumeReceiving(this);
  }

  /** @internal */
  stopReading(err: Error): void {
    stopQueue(this, err);
  }

  /** @internal */
  endReading(gone: () => Error): void {
    endReceiving(this, gone);
  }

  /** @internal StreamOwner: the consumer took n queued bytes. */
  consumed(n: number): void {
    consumedBytes(this, n);
  }

  /** @internal BudgetOwner: socket 'drain' (or a write barrier completed). */
  handleDrain(): void {
    drained(this);
  }

  /** @internal BudgetOwner: the queue stayed over budget for drainTimeoutMs. */
  onDrainTimeout(): void {
    drainTimedOut(this);
  }

  /** @internal ProgressWatched */
  onProgressTimeout(): number {
    return progressTimedOut(this);
  }

  /** @internal */
  emitError(err: Error): void {
    if (this.listenerCount('error') > 0) process.nextTick(emitErrorLater, this, err);
  }
}

defineFlags(Conn.prototype, [
  'closeSent',
  'finalized',
  'paused',
  'writerActive',
  'outPaused',
  'heartbeatPending',
  'sawTraffic',
  'replied',
  'closeReceived',
  'terminated',
  'iterating',
  'readStopped',
  'readEnded',
  'msgBinary',
  'msgCompressed',
  'frameFin',
  'watched',
  'progressHeld',
]);

function emitErrorLater(conn: Conn, err: Error): void {
  if (conn.listenerCount('error') > 0) conn.emit('error', err);
}

/**
 * The bytes that came with the handshake, read once the caller has had the
 * chance to start reading: a protocol error among them then takes effect
 * after the messages before it were delivered, as for later bytes.
 */
function readHead(conn: Conn, head: Uint8Array): void {
  if (conn.finalized) return;
  receive(conn, head);
  conn.resumeReading();
}

/** The Conn a socket belongs to: one set of listener functions serves every connection. */
const kConn = Symbol('zwire.conn');
type OwnedSocket = Duplex & { [kConn]: Conn };

function socketOnData(this: OwnedSocket, chunk: Uint8Array): void {
  receive(this[kConn], chunk, isOwnRead(this, chunk));
}

function socketOnEnd(this: OwnedSocket): void {
  socketEnded(this[kConn]);
}

function socketOnError(this: OwnedSocket, err: Error): void {
  socketFailed(this[kConn], err);
}

function socketOnClose(this: OwnedSocket): void {
  this[kConn].handleClose();
}

function socketOnDrain(this: OwnedSocket): void {
  this[kConn].handleDrain();
}
