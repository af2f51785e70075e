import {
  FrameParser,
  InvalidPayloadError,
  isValidUtf8,
  Opcode,
  parseClosePayload,
  RSV1,
  TooBigError,
  Utf8Validator,
} from '../wire/index.js';
import { defineFlags, EMPTY, OPEN, RESOLVED } from './conn-base.js';
import { MessageTimeoutError } from './errors.js';
import { ConnInbound } from './inbound-queue.js';
import { InboundStream } from './inbound-stream.js';
import { ReceivedMessage } from './message.js';
import type { MessageCompressor } from './options.js';
import { unwatchProgress, watchProgress } from './progress-deadlines.js';
import type { ProgressWatched } from './progress-deadlines.js';
import { Pending, Signal } from './queue-items.js';

/**
 * A parser between frames has no state, and data events run one at a time, so
 * connections hand one parser per role around instead of each keeping its own.
 */
let spareServerParser: FrameParser | null = null;
let spareClientParser: FrameParser | null = null;

/** A message's buffer is reserved once this fraction of its bytes (1/16) has arrived. */
const RESERVE_RATIO = 16;

/**
 * Frame intake: socket bytes through the frame parser into messages (whole,
 * streamed, or inflated), UTF-8 and size checks, control frames, and read
 * backpressure. Everything found goes into the inbound queue in order.
 */
export abstract class ConnReceiver extends ConnInbound implements ProgressWatched {
  /** Held only while a frame is cut off by the end of a read; between frames a parser goes back to the spare slot. */
  private parser: FrameParser | null = null;
  // The data message being received.
  declare private msgBinary: boolean;
  declare private msgCompressed: boolean;
  private msgBytes = 0;
  protected msgFrames = 0;
  /** Bytes so far of a message that spans reads or frames (its pieces are in the assembly). */
  private msgLen = 0;
  protected msgStream: InboundStream | null = null;
  declare private frameFin: boolean;
  /** A frame or message has begun and its deadline is kept in progress-deadlines.ts. */
  declare private watched: boolean;
  /** Its deadline passed while reading was paused: resuming restarts the clock. */
  declare private progressHeld: boolean;
  /** Opcode of the frame whose payload is being read when it is a control frame, else 0. */
  private ctrlOp = 0;
  /** What messages and control frames that arrive in pieces need; made for the first such one. */
  private asm: Assembly | null = null;

  /** @internal socket 'data' */
  handleData(chunk: Uint8Array): void {
    if (this.readStopped) return;
    const parser = (this.parser ??= this.takeParser());
    parser.push(chunk);
    // Only whole frames are life for the heartbeat and progress for the message deadline.
    let frameDone = false;
    let progress = false;
    try {
      for (;;) {
        const r = parser.next();
        if (r === FrameParser.NEED_MORE) break;
        let done: boolean;
        if (r === FrameParser.HEADER) {
          this.onHeader();
          done = parser.header.length === 0;
        } else {
          done = parser.remaining === 0;
          this.onPayload(parser.data, done);
        }
        if (done) {
          frameDone = true;
          if (this.ctrlOp === 0 && (this.frameFin || this.mode === 'stream')) progress = true;
        }
        if (this.readStopped) break;
      }
    } catch (err) {
      this.signal(new Signal(err as Error, 0, ''));
    }
    if (frameDone) this.sawTraffic = true;
    if (parser.remaining === 0 && parser.buffered() === 0 && !parser.inMessage && !this.readStopped) {
      // Between frames a parser holds no state: an idle connection need not carry one.
      this.parser = null;
      if (this.role === 'server') spareServerParser = parser;
      else spareClientParser = parser;
      if (this.watched) this.unwatch();
    } else if (!this.readStopped) {
      this.trackProgress(parser, progress);
    }
    if (this.waiter !== null) this.wake();
    if (!this.paused && this.queuedBytes > this.limits.readHighWaterMark && this.state === OPEN && !this.readStopped) {
      this.paused = true;
      this.socket.pause();
    }
    if (this.replied) {
      this.replied = false;
      if (this.bufferedAmount > this.limits.maxQueuedBytes) this.holdReading();
    }
  }

  /**
   * The peer's pings filled the outbound queue: stop reading until the socket
   * drains, so a peer that sends without reading is held back by TCP.
   */
  private holdReading(): void {
    if (this.outPaused || this.state !== OPEN || this.overBudgetNow() === null) return;
    this.outPaused = true;
    this.socket.pause();
  }

  /**
   * A read ended inside a frame, or inside a message read whole: the rest must
   * come within messageTimeoutMs. The clock restarts when a message (a data
   * frame, when streaming) completed in this read.
   */
  private trackProgress(parser: FrameParser, progress: boolean): void {
    const ms = this.limits.messageTimeoutMs;
    if (ms <= 0) return;
    if (parser.remaining === 0 && parser.buffered() === 0 && this.mode === 'stream') {
      // Between the fragments of a streamed message: a long stream may take its time.
      if (this.watched) this.unwatch();
      return;
    }
    if (this.watched && !progress) return;
    this.progressHeld = false;
    this.watched = true;
    watchProgress(this, ms);
  }

  private unwatch(): void {
    this.watched = false;
    this.progressHeld = false;
    unwatchProgress(this);
  }

  /** @internal ProgressWatched: what began did not complete in time. */
  onProgressTimeout(): number {
    if (!this.watched || this.finalized || this.readStopped) {
      this.watched = false;
      return 0;
    }
    // Time spent paused (the consumer or the peer's reading is behind) does not count: the
    // deadline moves on, and the clock starts afresh when reading resumes.
    if (this.paused || this.outPaused) {
      this.progressHeld = true;
      return this.limits.messageTimeoutMs;
    }
    this.watched = false;
    this.signal(new Signal(new MessageTimeoutError(this.limits.messageTimeoutMs), 0, ''));
    if (this.waiter !== null) this.wake();
    return 0;
  }

  protected override resumeReading(): void {
    super.resumeReading();
    if (this.progressHeld && this.watched && !this.paused && !this.outPaused) {
      // The deadline passed while paused: the peer gets its full time from now.
      this.progressHeld = false;
      watchProgress(this, this.limits.messageTimeoutMs);
    }
  }

  protected override endReading(gone: Error): void {
    if (this.watched) this.unwatch();
    super.endReading(gone);
  }

  /** A parser for this connection: the spare one of its role, set up for it, or a new one. */
  private takeParser(): FrameParser {
    const rsv = this.deflate !== null ? RSV1 : 0;
    const spare = this.role === 'server' ? spareServerParser : spareClientParser;
    if (spare === null) return new FrameParser({ role: this.role, maxFrameSize: this.limits.maxFrameSize, rsv, deferUnmask: true });
    if (this.role === 'server') spareServerParser = null;
    else spareClientParser = null;
    spare.maxFrameSize = this.limits.maxFrameSize;
    spare.rsv = rsv;
    return spare;
  }

  private onHeader(): void {
    const h = (this.parser as FrameParser).header;
    const op = h.opcode;
    if (op >= 8) {
      this.ctrlOp = op;
      if (this.asm !== null) this.asm.ctrlLen = 0;
      if (h.length === 0) this.onControl(op, EMPTY);
      return;
    }
    this.ctrlOp = 0;
    if (op !== Opcode.Continuation) {
      this.msgBinary = op === Opcode.Binary;
      this.msgCompressed = h.rsv1;
      this.msgBytes = 0;
      this.msgFrames = 0;
      if (!this.msgBinary) this.asm?.utf8?.reset();
      if (this.msgCompressed) this.assembly().pending = new Pending(this.msgBinary);
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
    const max = this.messageLimit();
    if (this.msgBytes > max) {
      throw new TooBigError('ERR_MESSAGE_TOO_BIG', `message exceeds the limit of ${max} bytes`);
    }
    this.frameFin = h.fin;
    if (h.length === 0) this.onPayload(EMPTY, true);
  }

  /**
   * A piece of payload. The parser hands it over still masked: each path below
   * unmasks it where it lies, except gathering into a message's own buffer,
   * which unmasks while it copies.
   */
  private onPayload(data: Uint8Array, frameDone: boolean): void {
    const parser = this.parser as FrameParser;
    if (this.ctrlOp !== 0) {
      parser.unmask();
      this.collectControl(data, frameDone);
      return;
    }
    const last = frameDone && this.frameFin;
    const buf = asBuffer(data);
    if (this.msgCompressed) {
      parser.unmask();
      this.inflate(buf, last);
      return;
    }
    const s = this.msgStream;
    if (last && s === null && this.msgLen === 0 && buf.length === this.msgBytes) {
      // The whole message in one piece (the common case): no gathering, one whole-buffer UTF-8 check.
      parser.unmask();
      if (!this.msgBinary && !isValidUtf8(buf)) throw new InvalidPayloadError('ERR_INVALID_UTF8', 'text message is not valid UTF-8');
      if (this.state === OPEN) this.enqueue(new ReceivedMessage(this.msgBinary, buf), buf.length);
      return;
    }
    if (s !== null) {
      parser.unmask();
      if (!this.msgBinary) this.checkText(buf, last);
      if (buf.length > 0 && s.push(buf)) this.queuedBytes += buf.length;
      if (last) {
        s.end();
        this.msgStream = null;
      }
      return;
    }
    if (buf.length > 0) this.gather(buf, parser);
    if (!this.msgBinary && last) this.checkText(EMPTY, true);
    if (!last) return;
    const payload = this.takeGathered();
    if (this.state === OPEN) this.enqueue(new ReceivedMessage(this.msgBinary, payload), payload.length);
  }

  /**
   * Validate the next piece of a text message that is not read whole in one
   * piece, and with `last` that it does not end inside a UTF-8 sequence. The
   * validator is made for the first such message and reset at every text message.
   */
  private checkText(piece: Uint8Array, last: boolean): void {
    const v = (this.assembly().utf8 ??= new Utf8Validator());
    if (piece.length > 0 && !v.write(piece)) throw new InvalidPayloadError('ERR_INVALID_UTF8', 'text message is not valid UTF-8');
    if (last && !v.end()) throw new InvalidPayloadError('ERR_INVALID_UTF8', 'text message ends inside a UTF-8 sequence');
  }

  /**
   * Keep a piece of a message that spans reads or frames. Once the last frame
   * has begun the size is known: the message's buffer is allocated then, at
   * that size, and every piece is unmasked straight into it. Until then, and
   * while fewer than 1/RESERVE_RATIO of its bytes have arrived (so a peer
   * cannot make us reserve memory it never sends), pieces are kept as they are.
   */
  private gather(piece: Buffer, parser: FrameParser): void {
    const at = this.msgLen;
    const end = at + piece.length;
    this.msgLen = end;
    const a = this.assembly();
    let b = a.buf;
    if (b === null) {
      if (!this.frameFin || end * RESERVE_RATIO < this.msgBytes) {
        parser.unmask();
        if (!this.msgBinary) this.checkText(piece, false);
        a.parts.push(piece);
        return;
      }
      a.buf = b = Buffer.allocUnsafe(this.msgBytes);
      let p = 0;
      for (const part of a.parts) {
        b.set(part, p);
        p += part.length;
      }
      a.parts.length = 0;
    }
    parser.copyData(b, at);
    if (!this.msgBinary) this.checkText(b.subarray(at, end), false);
  }

  /** The gathered message, complete. */
  private takeGathered(): Buffer {
    const a = this.asm;
    const len = this.msgLen;
    this.msgLen = 0;
    if (a === null) return EMPTY;
    const b = a.buf;
    const parts = a.parts;
    let payload: Buffer;
    if (b !== null) payload = b;
    else if (parts.length === 0) payload = EMPTY;
    else payload = parts.length === 1 ? parts[0] : Buffer.concat(parts, len);
    parts.length = 0;
    a.buf = null;
    return payload;
  }

  private assembly(): Assembly {
    return (this.asm ??= new Assembly());
  }

  /** Feed a piece of a compressed message to the inflater, in order with every other piece. */
  private inflate(piece: Buffer, last: boolean): void {
    const deflate = this.deflate as MessageCompressor;
    const a = this.assembly();
    const p = a.pending as Pending;
    const s = this.msgStream;
    const binary = this.msgBinary;
    const validator = p.utf8;
    const max = this.messageLimit();
    if (last) {
      a.pending = null;
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
    a.inflateTail = a.inflateTail.then(() => (p.error === null ? deflate.decompress(piece, last).then(step) : undefined)).catch(failed);
  }

  private collectControl(data: Uint8Array, frameDone: boolean): void {
    if (frameDone && (this.asm === null || this.asm.ctrlLen === 0)) {
      this.onControl(this.ctrlOp, asBuffer(data));
      return;
    }
    const a = this.assembly();
    const buf = (a.ctrlBuf ??= Buffer.allocUnsafe(125));
    buf.set(data, a.ctrlLen);
    a.ctrlLen += data.length;
    if (frameDone) this.onControl(this.ctrlOp, buf.subarray(0, a.ctrlLen));
  }

  private onControl(op: number, payload: Buffer): void {
    if (op === Opcode.Close) {
      const { code, reason } = parseClosePayload(payload);
      this.signal(new Signal(null, code, reason));
      return;
    }
    this.onPingPong(op, payload);
  }
}

defineFlags(ConnReceiver.prototype, ['msgBinary', 'msgCompressed', 'frameFin', 'watched', 'progressHeld']);

/**
 * A connection's state for what arrives in pieces: a message that spans reads
 * or frames (kept as it came, then in its own buffer), a compressed message
 * being inflated, a text message validated piece by piece, a control frame cut
 * off by the end of a read. Made for the first such arrival and kept: an idle
 * connection that only ever got whole small messages has none.
 */
class Assembly {
  parts: Buffer[] = [];
  buf: Buffer | null = null;
  pending: Pending | null = null;
  /** Inflation of compressed pieces, one after another. */
  inflateTail: Promise<void> = RESOLVED;
  utf8: Utf8Validator | null = null;
  ctrlBuf: Buffer | null = null;
  ctrlLen = 0;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.length);
}
