import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  CloseCode,
  encodeClosePayload,
  FrameParser,
  InvalidPayloadError,
  isValidUtf8,
  MAX_CLOSE_REASON,
  Opcode,
  parseClosePayload,
  RSV1,
  TooBigError,
  Utf8Validator,
} from '../wire/index.js';
import { AbnormalClosureError, CloseTimeoutError, ConnClosedError, HeartbeatTimeoutError } from './errors.js';
import { FrameSink } from './frame-sink.js';
import { InboundStream } from './inbound-stream.js';
import type { StreamOwner } from './inbound-stream.js';
import { ReceivedMessage } from './message.js';
import type { Message, MessageStream } from './message.js';
import { resolveLimits } from './options.js';
import type { ConnOptions, MessageCompressor, ResolvedLimits, Role } from './options.js';
import { Pending, Signal } from './queue-items.js';
import type { Item } from './queue-items.js';
import { MessageWriter } from './writer.js';
import type { WriterOptions } from './writer.js';
import type { CloseInfo, ConnEvents, SendOptions, StreamReadOptions } from './conn-types.js';

export type { CloseInfo, ConnEvents, SendOptions, StreamReadOptions } from './conn-types.js';

const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

const EMPTY = Buffer.alloc(0);
const RESOLVED: Promise<void> = Promise.resolve();
const DONE: IteratorResult<never> = Object.freeze({ done: true, value: undefined });

type Waiter = (r: IteratorResult<Message | MessageStream>) => void;
type Deferred = { resolve(): void; reject(e: Error): void };
type PingWait = { resolve(ms: number): void; reject(e: Error): void; t0: number };

/**
 * A live WebSocket connection over a Duplex after the handshake.
 *
 * Reading is pull-driven: `for await (const message of conn)`. Bytes are parsed
 * as they arrive into a small queue; once the queue holds more than
 * `readHighWaterMark` bytes the socket is paused until the consumer catches up.
 * A close frame or protocol error takes effect in order: the messages received
 * before it are delivered first (and replies to them go out) while someone is reading.
 */
export class Conn extends EventEmitter<ConnEvents> implements AsyncIterable<Message>, StreamOwner {
  /** The subprotocol agreed in the handshake, or null. */
  readonly protocol: string | null;
  /** Which side this endpoint is. */
  readonly role: Role;
  /** The limits in effect (options with defaults filled in). */
  readonly limits: Readonly<ResolvedLimits>;

  private readonly socket: Duplex;
  private readonly deflate: MessageCompressor | null;
  /** Created at the first byte: an idle connection does not carry one. */
  private parser: FrameParser | null = null;
  private readonly sink: FrameSink;
  private closedPromise: Promise<CloseInfo> | null = null;
  private resolveClosed: ((info: CloseInfo) => void) | null = null;
  private closeInfo: CloseInfo | null = null;

  private state = OPEN;
  private closeSent = false;
  private closeReceived = false;
  private peerCode: number = CloseCode.NoStatus;
  private peerReason = '';
  private error: Error | undefined;
  private failCode = 0;
  private finalized = false;
  private terminated = false;
  private closeTimer: NodeJS.Timeout | null = null;
  private signalTimer: NodeJS.Timeout | null = null;

  // Inbound queue and its consumer.
  /** Queue slots [qHead, qTail); the array keeps its capacity so a busy connection does not reallocate it. */
  private readonly items: Item[] = [];
  private qHead = 0;
  private qTail = 0;
  private queuedBytes = 0;
  private paused = false;
  /** The consumer waiting for an item; `moreWaiters` only if next() is called again before it settles. */
  private waiter: Waiter | null = null;
  private moreWaiters: Waiter[] | null = null;
  private mode: 'message' | 'stream' | null = null;
  private iterating = false;
  private lastStream: InboundStream | null = null;
  private streamMaxMessage = Infinity;
  /** No more frames are parsed (a close frame or an error was seen). */
  private readStopped = false;
  /** The consumer gets DONE once the queue is drained. */
  private readEnded = false;

  // The data message being received.
  private msgBinary = false;
  private msgCompressed = false;
  private msgBytes = 0;
  private msgFrames = 0;
  private readonly msgParts: Buffer[] = [];
  private msgStream: InboundStream | null = null;
  private msgPending: Pending | null = null;
  private utf8: Utf8Validator | null = null;
  private frameFin = false;
  /** Opcode of the frame whose payload is being read when it is a control frame, else 0. */
  private ctrlOp = 0;
  private ctrlBuf: Buffer | null = null;
  private ctrlLen = 0;
  private inflateTail: Promise<void> = RESOLVED;

  // Outbound.
  /** @internal called once when the connection has ended (a server's bookkeeping; no closure per connection). */
  onEnded: ((conn: Conn) => void) | null = null;
  /** @internal a MessageWriter holds the data channel (its message may be unfinished). */
  writerActive = false;
  /** Non-null while an asynchronous data send (compression, a streaming writer) holds the data channel. */
  private outTail: Promise<void> | null = null;
  private drainWaiters: Deferred[] | null = null;
  private pings: Map<string, PingWait[]> | null = null;
  private pingCounter = 0;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatPending = false;
  private sawTraffic = false;

  constructor(socket: Duplex, opts: ConnOptions) {
    super();
    this.socket = socket;
    this.role = opts.role;
    this.protocol = opts.protocol ?? null;
    this.limits = resolveLimits(opts);
    this.deflate = opts.deflate ?? null;
    this.sink = new FrameSink(socket, opts.role === 'client');

    if (opts.head !== undefined && opts.head.length > 0) this.handleData(opts.head);
    (socket as OwnedSocket)[kConn] = this;
    socket.on('data', socketOnData);
    socket.on('end', socketOnEnd);
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    socket.on('drain', socketOnDrain);
    if (!this.paused) socket.resume();
    if (this.limits.heartbeatMs > 0) {
      this.heartbeatTimer = setInterval(heartbeatTick, this.limits.heartbeatMs, this);
      this.heartbeatTimer.unref();
    }
    if (socket.destroyed) this.handleClose();
  }

  /** Resolves once the socket is gone, with how the connection ended. Never rejects. */
  get closed(): Promise<CloseInfo> {
    if (this.closedPromise === null) {
      const info = this.closeInfo;
      this.closedPromise =
        info !== null
          ? Promise.resolve(info)
          : new Promise((resolve) => {
              this.resolveClosed = resolve;
            });
    }
    return this.closedPromise;
  }

  /** True until a close frame was sent or the connection ended: `send` works. */
  get isOpen(): boolean {
    return this.state === OPEN;
  }

  /** Bytes handed to the socket and not yet written to the kernel, plus the ones batched for the next write. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.sink.pending;
  }

  // ---------------------------------------------------------------- reading

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
    const mode = opts?.stream === true ? 'stream' : 'message';
    if (this.mode === null) {
      if (this.msgFrames > 0 || this.qHead < this.qTail) {
        if (mode === 'stream') throw new Error('messages({ stream: true }) must be called before messages arrive');
      }
      this.mode = mode;
      if (mode === 'stream' && opts?.maxMessageSize !== undefined) this.streamMaxMessage = opts.maxMessageSize;
    } else if (this.mode !== mode) {
      throw new Error(`this connection is already read in ${this.mode} mode`);
    }
    return new ItemIterator(this) as unknown as AsyncIterableIterator<Message>;
  }

  /** @internal the iterator's next() */
  nextItem(): Promise<IteratorResult<Message | MessageStream>> {
    this.iterating = true;
    if (this.waiter === null) {
      const r = this.pull();
      if (r !== null) return Promise.resolve(r);
    }
    return new Promise((resolve) => {
      if (this.waiter === null) this.waiter = resolve;
      else (this.moreWaiters ??= []).push(resolve);
    });
  }

  /** @internal the iterator's return(): the consumer left its loop. */
  stopIterating(): void {
    this.iterating = false;
    this.lastStream?.abandon();
    this.flushSignal();
  }

  /** Run a queued close/error signal now, ahead of the messages still queued before it. */
  private flushSignal(): void {
    if (this.signalTimer !== null) clearTimeout(this.signalTimer);
    this.signalTimer = null;
    for (let i = this.qHead; i < this.qTail; i++) {
      const item = this.items[i];
      if (item instanceof Signal) {
        this.items[i] = undefined as unknown as Item;
        this.qTail = i;
        this.runSignal(item);
        this.wake();
        return;
      }
    }
  }

  /** @internal a deferred signal waited closeTimeoutMs for the consumer */
  onSignalTimeout(): void {
    this.signalTimer = null;
    this.flushSignal();
  }

  /** @internal StreamOwner: the consumer took n queued bytes. */
  consumed(n: number): void {
    this.queuedBytes -= n;
    if (this.paused && this.queuedBytes <= this.limits.readHighWaterMark >>> 1) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Next result for the consumer, or null when it has to wait. */
  private pull(): IteratorResult<Message | MessageStream> | null {
    for (;;) {
      if (this.qHead === this.qTail) return this.readEnded ? DONE : null;
      const item = this.items[this.qHead];
      if (item instanceof ReceivedMessage) {
        this.shift();
        this.consumed(item.data.length);
        return { done: false, value: item };
      }
      if (item instanceof InboundStream) {
        this.shift();
        this.lastStream?.abandon();
        this.lastStream = item;
        return { done: false, value: item };
      }
      if (item instanceof Pending) {
        if (!item.done) {
          if (!this.finalized) return null;
          this.dropQueue();
          return DONE;
        }
        this.shift();
        if (item.message !== null) {
          this.consumed(item.message.data.length);
          return { done: false, value: item.message };
        }
        this.runSignal(new Signal(item.error, 0, ''));
        continue;
      }
      this.shift();
      this.runSignal(item);
    }
  }

  private shift(): void {
    this.items[this.qHead++] = undefined as unknown as Item;
    if (this.qHead === this.qTail) this.qHead = this.qTail = 0;
  }

  private dropQueue(): void {
    this.items.length = 0;
    this.qHead = this.qTail = 0;
  }

  private wake(): void {
    while (this.waiter !== null) {
      const r = this.pull();
      if (r === null) return;
      const w = this.waiter;
      const more = this.moreWaiters;
      this.waiter = more !== null && more.length > 0 ? (more.shift() as Waiter) : null;
      w(r);
    }
  }

  private enqueue(item: Item, bytes: number): void {
    this.items[this.qTail++] = item;
    this.queuedBytes += bytes;
  }

  /** @internal socket 'data' */
  handleData(chunk: Uint8Array): void {
    if (this.readStopped) return;
    this.sawTraffic = true;
    const parser = (this.parser ??= new FrameParser({
      role: this.role,
      maxFrameSize: this.limits.maxFrameSize,
      rsv: this.deflate !== null ? RSV1 : 0,
    }));
    parser.push(chunk);
    try {
      for (;;) {
        const r = parser.next();
        if (r === FrameParser.NEED_MORE) break;
        if (r === FrameParser.HEADER) this.onHeader();
        else this.onPayload(parser.data, parser.remaining === 0);
        if (this.readStopped) break;
      }
    } catch (err) {
      this.signal(new Signal(err as Error, 0, ''));
    }
    if (this.waiter !== null) this.wake();
    if (!this.paused && this.queuedBytes > this.limits.readHighWaterMark && this.state === OPEN && !this.readStopped) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private onHeader(): void {
    const h = (this.parser as FrameParser).header;
    const op = h.opcode;
    if (op >= 8) {
      this.ctrlOp = op;
      this.ctrlLen = 0;
      if (h.length === 0) this.onControl(op, EMPTY);
      return;
    }
    this.ctrlOp = 0;
    if (op !== Opcode.Continuation) {
      this.msgBinary = op === Opcode.Binary;
      this.msgCompressed = h.rsv1;
      this.msgBytes = 0;
      this.msgFrames = 0;
      if (!this.msgBinary) (this.utf8 ??= new Utf8Validator()).reset();
      if (this.msgCompressed) this.msgPending = new Pending(this.msgBinary);
      if (this.mode === 'stream') {
        const s = new InboundStream(this, this.msgBinary);
        this.msgStream = s;
        if (this.state === OPEN) this.enqueue(s, 0);
        else s.abandon();
      }
    }
    if (++this.msgFrames > this.limits.maxFragments) {
      throw new TooBigError('ERR_TOO_MANY_FRAGMENTS', `message has more than ${this.limits.maxFragments} fragments`);
    }
    this.msgBytes += h.length;
    const max = this.mode === 'stream' ? this.streamMaxMessage : this.limits.maxMessageSize;
    if (this.msgBytes > max) {
      throw new TooBigError('ERR_MESSAGE_TOO_BIG', `message exceeds the limit of ${max} bytes`);
    }
    this.frameFin = h.fin;
    if (h.length === 0) this.onPayload(EMPTY, true);
  }

  private onPayload(data: Uint8Array, frameDone: boolean): void {
    if (this.ctrlOp !== 0) {
      this.collectControl(data, frameDone);
      return;
    }
    const last = frameDone && this.frameFin;
    const buf = asBuffer(data);
    if (this.msgCompressed) {
      this.inflate(buf, last);
      return;
    }
    const s = this.msgStream;
    if (last && s === null && this.msgParts.length === 0 && buf.length === this.msgBytes) {
      // The whole message in one piece (the common case): no gathering, one whole-buffer UTF-8 check.
      if (!this.msgBinary && !isValidUtf8(buf)) throw new InvalidPayloadError('ERR_INVALID_UTF8', 'text message is not valid UTF-8');
      if (this.state === OPEN) this.enqueue(new ReceivedMessage(this.msgBinary, buf), buf.length);
      return;
    }
    if (!this.msgBinary) {
      const v = this.utf8 as Utf8Validator;
      if (buf.length > 0 && !v.write(buf)) throw new InvalidPayloadError('ERR_INVALID_UTF8', 'text message is not valid UTF-8');
      if (last && !v.end()) throw new InvalidPayloadError('ERR_INVALID_UTF8', 'text message ends inside a UTF-8 sequence');
    }
    if (s !== null) {
      if (buf.length > 0 && s.push(buf)) this.queuedBytes += buf.length;
      if (last) {
        s.end();
        this.msgStream = null;
      }
      return;
    }
    if (buf.length > 0) this.msgParts.push(buf);
    if (!last) return;
    const parts = this.msgParts;
    const payload = parts.length === 1 ? parts[0] : parts.length === 0 ? EMPTY : Buffer.concat(parts, this.msgBytes);
    parts.length = 0;
    if (this.state === OPEN) this.enqueue(new ReceivedMessage(this.msgBinary, payload), payload.length);
  }

  /** Feed a piece of a compressed message to the inflater, in order with every other piece. */
  private inflate(piece: Buffer, last: boolean): void {
    const deflate = this.deflate as MessageCompressor;
    const p = this.msgPending as Pending;
    const s = this.msgStream;
    const binary = this.msgBinary;
    const validator = p.utf8;
    const max = this.mode === 'stream' ? this.streamMaxMessage : this.limits.maxMessageSize;
    if (last) {
      this.msgPending = null;
      this.msgStream = null;
      if (s === null && this.state === OPEN) {
        p.queued = true;
        this.enqueue(p, 0);
      }
    }
    const step = (out: Buffer): void => {
      if (p.error !== null) return;
      p.size += out.length;
      if (p.size > max) throw new TooBigError('ERR_MESSAGE_TOO_BIG', `message exceeds the limit of ${max} bytes`);
      if (validator !== null && !validator.write(out)) throw new InvalidPayloadError('ERR_INVALID_UTF8', 'text message is not valid UTF-8');
      if (s !== null) {
        if (out.length > 0 && s.push(out)) this.queuedBytes += out.length;
      } else if (out.length > 0) {
        p.parts.push(out);
      }
      if (!last) return;
      if (validator !== null && !validator.end()) throw new InvalidPayloadError('ERR_INVALID_UTF8', 'text message ends inside a UTF-8 sequence');
      if (s !== null) {
        s.end();
      } else {
        const data = p.parts.length === 1 ? p.parts[0] : Buffer.concat(p.parts, p.size);
        p.message = new ReceivedMessage(binary, data);
        this.queuedBytes += data.length;
      }
      p.done = true;
      this.wake();
    };
    const failed = (err: unknown): void => {
      if (p.error !== null) return;
      p.error = err instanceof Error ? err : new Error(String(err));
      p.done = true;
      s?.fail(p.error);
      if (!p.queued || !this.iterating) this.signal(new Signal(p.error, 0, ''));
      this.wake();
    };
    this.inflateTail = this.inflateTail.then(() => (p.error === null ? deflate.decompress(piece, last).then(step) : undefined)).catch(failed);
  }

  private collectControl(data: Uint8Array, frameDone: boolean): void {
    if (frameDone && this.ctrlLen === 0) {
      this.onControl(this.ctrlOp, asBuffer(data));
      return;
    }
    if (this.ctrlBuf === null) this.ctrlBuf = Buffer.allocUnsafe(125);
    this.ctrlBuf.set(data, this.ctrlLen);
    this.ctrlLen += data.length;
    if (frameDone) this.onControl(this.ctrlOp, this.ctrlBuf.subarray(0, this.ctrlLen));
  }

  private onControl(op: number, payload: Buffer): void {
    if (op === Opcode.Close) {
      const { code, reason } = parseClosePayload(payload);
      this.signal(new Signal(null, code, reason));
      return;
    }
    if (op === Opcode.Ping) {
      if (this.limits.autoPong && this.state === OPEN) this.sink.frame(Opcode.Pong, true, false, payload);
      if (this.listenerCount('ping') > 0) this.emit('ping', Buffer.from(payload));
      return;
    }
    this.heartbeatPending = false;
    const pings = this.pings;
    if (pings !== null && pings.size > 0) {
      const key = payload.toString('latin1');
      const list = pings.get(key);
      if (list !== undefined) {
        const w = list.shift() as PingWait;
        if (list.length === 0) pings.delete(key);
        w.resolve(performance.now() - w.t0);
      }
    }
    if (this.listenerCount('pong') > 0) this.emit('pong', Buffer.from(payload));
  }

  /**
   * A close frame or an error from the reader. While someone reads, it takes
   * effect once the consumer asks for the next item, after the messages queued
   * before it, so replies to them still go out (Autobahn strictness); at most
   * closeTimeoutMs later if the consumer does not come back. Otherwise at once.
   */
  private signal(sig: Signal): void {
    this.readStopped = true;
    let waiting = this.qTail - this.qHead;
    let consumerIdle = this.waiter !== null;
    const s = this.msgStream;
    if (s !== null) {
      // Reading stops, so the message being streamed can never finish: fail it now, and do not
      // make its consumer wait for the signal queued behind it (there is nothing to answer).
      this.msgStream = null;
      s.fail(sig.error ?? new ConnClosedError('the peer closed the connection in the middle of a message'));
      if (waiting === 1 && this.items[this.qHead] === s) waiting = 0;
      if (this.lastStream === s) consumerIdle = true;
    }
    if (this.state !== OPEN || !this.iterating || (waiting === 0 && consumerIdle)) {
      this.runSignal(sig);
      return;
    }
    this.items[this.qTail++] = sig;
    this.signalTimer = setTimeout(signalTimeout, this.limits.closeTimeoutMs, this);
    this.signalTimer.unref();
  }

  /** Take a close/error signal into effect. Callers wake the consumer (pull() hands out the result itself). */
  private runSignal(sig: Signal): void {
    if (this.signalTimer !== null) clearTimeout(this.signalTimer);
    this.signalTimer = null;
    if (sig.error !== null) this.fail(sig.error);
    else this.onPeerClose(sig.code, sig.reason);
  }

  // ---------------------------------------------------------------- writing

  /**
   * Send one message. Strings go as text, bytes as binary unless `binary` says
   * otherwise. Resolves once the frame is handed to the socket — at once while
   * fewer than `maxQueuedBytes` are waiting to be written, otherwise on 'drain'.
   * Rejects with ConnClosedError when the connection is closing or gone.
   */
  send(data: string | Uint8Array, opts?: SendOptions): Promise<void> {
    if (this.state !== OPEN) return Promise.reject(new ConnClosedError());
    const isString = typeof data === 'string';
    if (!isString && !(data instanceof Uint8Array)) return Promise.reject(new TypeError('send() takes a string or a Uint8Array'));
    const binary = opts?.binary ?? !isString;
    const op = binary ? Opcode.Binary : Opcode.Text;
    const deflate = this.deflate;
    if (deflate !== null && opts?.compress !== false) {
      if (deflate.shouldCompress(isString ? Buffer.byteLength(data) : data.length)) {
        return this.exclusive(async () => {
          const out = await deflate.compress(isString ? Buffer.from(data) : data, true);
          this.checkWritable();
          this.sink.frame(op, true, true, out);
          await this.afterWrite();
        });
      }
    }
    if (this.outTail !== null) {
      return this.exclusive(() => {
        this.checkWritable();
        if (isString) this.sink.text(op, true, data);
        else this.sink.frame(op, true, false, data);
        return this.afterWrite();
      });
    }
    if (isString) this.sink.text(op, true, data);
    else this.sink.frame(op, true, false, data);
    return this.afterWrite();
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
    if (this.state !== OPEN) return Promise.reject(new ConnClosedError());
    let data: Buffer;
    if (payload === undefined) {
      data = Buffer.allocUnsafe(8);
      data.writeDoubleBE(++this.pingCounter, 0);
    } else {
      if (payload.length > 125) return Promise.reject(new RangeError('a ping payload is at most 125 bytes'));
      data = Buffer.from(payload);
    }
    const key = data.toString('latin1');
    return new Promise((resolve, reject) => {
      const pings = (this.pings ??= new Map());
      const list = pings.get(key);
      const w: PingWait = { resolve, reject, t0: performance.now() };
      if (list === undefined) pings.set(key, [w]);
      else list.push(w);
      this.sink.frame(Opcode.Ping, true, false, data);
    });
  }

  /** @internal write one fragment for a MessageWriter that holds the data channel. */
  writeFragment(op: number, fin: boolean, rsv1: boolean, data: Uint8Array): Promise<void> {
    this.checkWritable();
    this.sink.frame(op, fin, rsv1, data);
    return this.afterWrite();
  }

  /**
   * @internal a MessageWriter failed in the middle of its message: nothing else
   * can be sent on the data channel, so close with 1011 (control frames may
   * come between fragments) and let later sends reject.
   */
  abortMessage(err: Error): void {
    if (this.state !== OPEN) return;
    this.error ??= err;
    this.failCode = CloseCode.InternalError;
    this.state = CLOSING;
    this.closeSent = true;
    this.sink.frame(Opcode.Close, true, false, encodeClosePayload(CloseCode.InternalError, 'message aborted'));
    this.sink.flush();
    this.armCloseTimer();
  }

  /** @internal compress one fragment of a message (in order). */
  compressFragment(data: Uint8Array, fin: boolean): Promise<Buffer> | null {
    return this.deflate === null ? null : this.deflate.compress(data, fin);
  }

  /** @internal whether permessage-deflate would compress a message part of this size. */
  wouldCompress(byteLength: number): boolean {
    return this.deflate !== null && this.deflate.shouldCompress(byteLength);
  }

  /**
   * @internal run `job` once every earlier asynchronous data send is done; later
   * sends wait for it. The returned promise settles with the job.
   */
  exclusive<T>(job: () => Promise<T> | T): Promise<T> {
    const prev = this.outTail ?? RESOLVED;
    const result = prev.then(job);
    const tail = result.then(noop, noop);
    this.outTail = tail;
    void tail.then(() => {
      if (this.outTail === tail) this.outTail = null;
    });
    return result;
  }

  private checkWritable(): void {
    if (this.closeSent || this.finalized) throw new ConnClosedError();
  }

  private afterWrite(): Promise<void> {
    const s = this.socket;
    if (s.writableLength <= this.limits.maxQueuedBytes || !s.writableNeedDrain) return RESOLVED;
    return new Promise((resolve, reject) => {
      (this.drainWaiters ??= []).push({ resolve, reject });
    });
  }

  /** @internal socket 'drain' */
  handleDrain(): void {
    const list = this.drainWaiters;
    if (list === null) return;
    this.drainWaiters = null;
    for (const w of list) w.resolve();
  }

  // ---------------------------------------------------------------- closing

  /**
   * Start the closing handshake (default 1000) and resolve once the socket is
   * gone; the socket is destroyed if the peer has not finished within
   * `closeTimeoutMs`. Throws RangeError for a code or reason that may not be sent.
   * Messages sent before close() still go out first.
   */
  close(code: number = CloseCode.Normal, reason = ''): Promise<CloseInfo> {
    if (this.state === OPEN) {
      const payload = encodeClosePayload(code, reason);
      this.state = CLOSING;
      this.sendClose(payload);
      this.armCloseTimer();
      if (this.paused) {
        this.paused = false;
        this.socket.resume();
      }
    }
    return this.closed;
  }

  /** Destroy the socket now, without a closing handshake. */
  terminate(): void {
    if (this.finalized) return;
    this.terminated = true;
    this.socket.destroy();
    this.handleClose();
  }

  /**
   * Queue the close frame behind the data sends already accepted. An answer
   * (`urgent`) does not wait for a streaming writer in the middle of its
   * message, which may never finish: control frames may come between fragments.
   */
  private sendClose(payload: Buffer, urgent = false): void {
    const write = (): void => {
      if (this.closeSent || this.finalized) return;
      this.closeSent = true;
      this.sink.frame(Opcode.Close, true, false, payload);
      this.sink.flush();
      if (this.closeReceived || this.failCode !== 0) this.socket.end();
    };
    if (this.outTail === null || (urgent && this.writerActive)) write();
    else void this.exclusive(write);
  }

  private onPeerClose(code: number, reason: string): void {
    if (this.closeReceived || this.finalized) return;
    this.closeReceived = true;
    this.peerCode = code;
    this.peerReason = reason;
    this.readEnded = true;
    if (this.state === OPEN) {
      this.state = CLOSING;
      this.sendClose(code === CloseCode.NoStatus ? EMPTY : encodeClosePayload(code), true);
    } else if (this.closeSent) {
      this.socket.end();
    }
    this.armCloseTimer();
  }

  /** Fail the connection: close with the error's code (1002, 1007, 1009, ...) and stop reading. */
  private fail(err: Error): void {
    if (this.finalized || this.failCode !== 0) return;
    this.error ??= err;
    this.readStopped = true;
    this.readEnded = true;
    this.msgStream?.fail(err);
    this.emitError(err);
    if (this.closeSent || this.state !== OPEN) {
      this.socket.destroy();
      return;
    }
    const code = closeCodeOf(err);
    this.failCode = code;
    this.state = CLOSING;
    this.sendClose(encodeClosePayload(code, truncateReason(err.message)), true);
    this.armCloseTimer();
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== null || this.finalized) return;
    this.closeTimer = setTimeout(closeTimeout, this.limits.closeTimeoutMs, this);
    this.closeTimer.unref();
  }

  /** @internal the close timer fired */
  onCloseTimeout(): void {
    this.closeTimer = null;
    if (this.finalized) return;
    if (!this.closeReceived) this.error ??= new CloseTimeoutError(this.limits.closeTimeoutMs);
    this.socket.destroy();
    this.handleClose();
  }

  /** @internal a heartbeat interval passed */
  onHeartbeat(): void {
    if (this.state !== OPEN) return;
    if (this.heartbeatPending && !this.sawTraffic && !this.paused) {
      // After an event-loop stall timers run before pending reads: let the poll phase deliver a pong first.
      setImmediate(heartbeatVerdict, this);
      return;
    }
    this.sawTraffic = false;
    this.heartbeatPending = true;
    this.sink.frame(Opcode.Ping, true, false, EMPTY);
  }

  /** @internal the previous ping is still unanswered after the poll phase: drop the peer. */
  onHeartbeatVerdict(): void {
    if (this.state !== OPEN || this.finalized) return;
    if (this.sawTraffic || this.paused) {
      this.sawTraffic = false;
      this.heartbeatPending = true;
      this.sink.frame(Opcode.Ping, true, false, EMPTY);
      return;
    }
    const err = new HeartbeatTimeoutError(this.limits.heartbeatMs);
    this.error ??= err;
    this.emitError(err);
    this.socket.destroy();
    this.handleClose();
  }

  private emitError(err: Error): void {
    if (this.listenerCount('error') > 0) process.nextTick(emitErrorLater, this, err);
  }

  /** @internal socket 'end' */
  handleEnd(): void {
    if (!this.closeReceived && this.error === undefined) this.error = new AbnormalClosureError();
    if (this.closeSent || this.closeReceived) this.socket.end();
    else this.socket.destroy();
  }

  /** @internal socket 'error' */
  handleError(err: Error): void {
    if (!this.closeReceived || !this.closeSent) this.error ??= err;
  }

  /** @internal socket 'close' (or the end of the connection decided here) */
  handleClose(): void {
    if (this.finalized) return;
    this.finalized = true;
    this.state = CLOSED;
    this.readStopped = true;
    this.readEnded = true;
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    if (this.signalTimer !== null) clearTimeout(this.signalTimer);
    this.closeTimer = this.heartbeatTimer = this.signalTimer = null;
    this.deflate?.close();
    const clean = this.closeReceived && this.closeSent && this.error === undefined;
    let info: CloseInfo;
    if (clean) {
      info = { code: this.peerCode, reason: this.peerReason, wasClean: true };
    } else if (this.failCode !== 0) {
      info = { code: this.failCode, reason: '', wasClean: false, error: this.error };
    } else if (this.terminated && this.error === undefined) {
      info = { code: CloseCode.Abnormal, reason: '', wasClean: false };
    } else {
      const error = this.error ?? new AbnormalClosureError();
      info = { code: CloseCode.Abnormal, reason: '', wasClean: false, error };
    }
    const gone = new ConnClosedError();
    for (const w of this.drainWaiters ?? []) w.reject(gone);
    this.drainWaiters = null;
    for (const list of this.pings?.values() ?? []) for (const w of list) w.reject(gone);
    this.pings = null;
    this.msgStream?.fail(gone);
    this.lastStream?.fail(gone);
    this.wake();
    const w = this.waiter;
    const more = this.moreWaiters;
    this.waiter = this.moreWaiters = null;
    w?.(DONE);
    for (const m of more ?? []) m(DONE);
    this.closeInfo = info;
    this.resolveClosed?.(info);
    this.onEnded?.(this);
    this.emit('close', info);
  }
}

/** The object `for await` drives; all state lives in the Conn. */
class ItemIterator {
  constructor(private readonly conn: Conn) {}

  next(): Promise<IteratorResult<Message | MessageStream>> {
    return this.conn.nextItem();
  }

  return(): Promise<IteratorResult<Message | MessageStream>> {
    this.conn.stopIterating();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
}

function closeCodeOf(err: Error): number {
  const code = (err as { closeCode?: unknown }).closeCode;
  return typeof code === 'number' ? code : CloseCode.InternalError;
}

/** A close reason must fit in 123 bytes; error messages are ASCII, so cut by characters. */
function truncateReason(message: string): string {
  return Buffer.byteLength(message) <= MAX_CLOSE_REASON ? message : Buffer.from(message).subarray(0, MAX_CLOSE_REASON).toString('latin1').replace(/[^\x20-\x7e]/g, '');
}

function noop(): void {}

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

function heartbeatTick(conn: Conn): void {
  conn.onHeartbeat();
}

function heartbeatVerdict(conn: Conn): void {
  conn.onHeartbeatVerdict();
}

function signalTimeout(conn: Conn): void {
  conn.onSignalTimeout();
}

function closeTimeout(conn: Conn): void {
  conn.onCloseTimeout();
}

function emitErrorLater(conn: Conn, err: Error): void {
  if (conn.listenerCount('error') > 0) conn.emit('error', err);
}
