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
import { EMPTY, OPEN, RESOLVED } from './conn-state.js';
import { onPingPong } from './control.js';
import { MessageTimeoutError } from './errors.js';
import { endReading as endQueue, enqueue, messageLimit, signal, wake } from './inbound-queue.js';
import type { Inbound } from './inbound-queue.js';
import type { Control } from './control.js';
import { InboundStream } from './inbound-stream.js';
import { ReceivedMessage } from './message.js';
import { keepRead, messageBuffer } from './read-reuse.js';
import type { MessageCompressor } from './compressor.js';
import { forgetProgress, unwatchProgress, watchProgress } from './progress-deadlines.js';
import type { ProgressWatched } from './progress-deadlines.js';
import { Pending, Signal } from './queue-items.js';
import { bufferedAmount, overBudgetNow } from './sender.js';
import type { Outbound } from './sender.js';

/**
 * A parser between frames has no state, and data events run one at a time, so
 * connections hand one parser per role around instead of each keeping its own.
 */
let spareServerParser: FrameParser | null = null;
let spareClientParser: FrameParser | null = null;

/**
 * Whether every payload byte of the read being handled so far was copied out,
 * none handed out or kept as a view: then the read's memory may become a
 * later message's buffer (read-reuse.ts). Reads are handled one at a time.
 */
let readCopiedOut = false;

/** A message's buffer is reserved once this fraction of its bytes (1/16) has arrived. */
const RESERVE_RATIO = 16;

/**
 * Frame intake: socket bytes through the frame parser into messages (whole,
 * streamed, or inflated), UTF-8 and size checks, control frames, and read
 * backpressure. Everything found goes into the inbound queue in order.
 */
export interface Receiver extends Inbound, Outbound, Control, ProgressWatched {
  /** Held only while a frame is cut off by the end of a read; between frames a parser goes back to the spare slot. */
  parser: FrameParser | null;
  // The data message being received.
  msgBinary: boolean;
  msgCompressed: boolean;
  msgBytes: number;
  /** Bytes so far of a message that spans reads or frames (its pieces are in the assembly). */
  msgLen: number;
  frameFin: boolean;
  /** A frame or message has begun and its deadline is kept in progress-deadlines.ts. */
  watched: boolean;
  /** Its deadline passed while reading was paused: resuming restarts the clock. */
  progressHeld: boolean;
  /** Opcode of the frame whose payload is being read when it is a control frame, else 0. */
  ctrlOp: number;
  /** What messages and control frames that arrive in pieces need; made for the first such one. */
  asm: Assembly | null;
}

/**
 * Socket 'data': parse what arrived, queue what it completes. `ownRead`: the
 * chunk is memory only this call holds (read-reuse.ts's isOwnRead), so once
 * consumed without a view of it escaping it may serve a later message.
 */
export function receive(c: Receiver, chunk: Uint8Array, ownRead = false): void {
  if (c.readStopped) return;
  readCopiedOut = ownRead;
  const parser = (c.parser ??= takeParser(c));
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
        onHeader(c);
        done = parser.header.length === 0;
      } else {
        done = parser.remaining === 0;
        onPayload(c, parser.data, done);
      }
      if (done) {
        frameDone = true;
        if (c.ctrlOp === 0 && (c.frameFin || c.mode === 'stream')) progress = true;
      }
      if (c.readStopped) break;
    }
  } catch (err) {
    signal(c, new Signal(err as Error, 0, ''));
  }
  const consumed = parser.buffered() === 0;
  if (readCopiedOut && consumed) keepRead(chunk);
  readCopiedOut = false;
  if (frameDone) c.sawTraffic = true;
  if (parser.remaining === 0 && consumed && !parser.inMessage && !c.readStopped) {
    // Between frames a parser holds no state: an idle connection need not carry one.
    c.parser = null;
    if (c.role === 'server') spareServerParser = parser;
    else spareClientParser = parser;
    if (c.watched) unwatch(c);
  } else if (!c.readStopped) {
    trackProgress(c, parser, progress);
  }
  if (c.waiter !== null) wake(c);
  if (!c.paused && c.queuedBytes > c.limits.readHighWaterMark && c.state === OPEN && !c.readStopped) {
    c.paused = true;
    c.socket.pause();
  }
  if (c.replied) {
    c.replied = false;
    if (bufferedAmount(c) > c.limits.maxQueuedBytes) holdReading(c);
  }
}

/**
 * The peer's pings filled the outbound queue: stop reading until the socket
 * drains, so a peer that sends without reading is held back by TCP.
 */
function holdReading(c: Receiver): void {
  if (c.outPaused || c.state !== OPEN || overBudgetNow(c) === null) return;
  c.outPaused = true;
  c.socket.pause();
}

/**
 * A read ended inside a frame, or inside a message read whole: the rest must
 * come within messageTimeoutMs. The clock restarts when a message (a data
 * frame, when streaming) completed in this read.
 */
function trackProgress(c: Receiver, parser: FrameParser, progress: boolean): void {
  const ms = c.limits.messageTimeoutMs;
  if (ms <= 0) return;
  if (parser.remaining === 0 && parser.buffered() === 0 && c.mode === 'stream') {
    // Between the fragments of a streamed message: a long stream may take its time.
    if (c.watched) unwatch(c);
    return;
  }
  if (c.watched && !progress) return;
  c.progressHeld = false;
  c.watched = true;
  watchProgress(c, ms);
}

function unwatch(c: Receiver): void {
  c.watched = false;
  c.progressHeld = false;
  unwatchProgress(c);
}

/** What began did not complete in time (see ProgressWatched). */
export function progressTimedOut(c: Receiver): number {
  if (!c.watched || c.finalized || c.readStopped) {
    c.watched = false;
    return 0;
  }
  // Time spent paused (the consumer or the peer's reading is behind) does not count: the
  // deadline moves on, and the clock starts afresh when reading resumes.
  if (c.paused || c.outPaused) {
    c.progressHeld = true;
    return c.limits.messageTimeoutMs;
  }
  c.watched = false;
  signal(c, new Signal(new MessageTimeoutError(c.limits.messageTimeoutMs), 0, ''));
  if (c.waiter !== null) wake(c);
  return 0;
}

/** Reading was paused for one reason and that reason is gone: resume unless another one holds. */
export function resumeReading(c: Receiver): void {
  if (!c.paused && !c.outPaused && !c.finalized) c.socket.resume();
  if (c.progressHeld && c.watched && !c.paused && !c.outPaused) {
    // The deadline passed while paused: the peer gets its full time from now.
    c.progressHeld = false;
    watchProgress(c, c.limits.messageTimeoutMs);
  }
}

/** The connection is gone: the deadline and the consumer's reads end. */
export function endReading(c: Receiver, gone: () => Error): void {
  c.watched = false;
  c.progressHeld = false;
  forgetProgress(c);
  endQueue(c, gone);
}

/** A parser for this connection: the spare one of its role, set up for it, or a new one. */
function takeParser(c: Receiver): FrameParser {
  const rsv = c.deflate !== null ? RSV1 : 0;
  const spare = c.role === 'server' ? spareServerParser : spareClientParser;
  if (spare === null) return new FrameParser({ role: c.role, maxFrameSize: c.limits.maxFrameSize, rsv, deferUnmask: true });
  if (c.role === 'server') spareServerParser = null;
  else spareClientParser = null;
  spare.maxFrameSize = c.limits.maxFrameSize;
  spare.rsv = rsv;
  return spare;
}

function onHeader(c: Receiver): void {
  const h = (c.parser as FrameParser).header;
  const op = h.opcode;
  if (op >= 8) {
    c.ctrlOp = op;
    if (c.asm !== null) c.asm.ctrlLen = 0;
    if (h.length === 0) onControl(c, op, EMPTY);
    return;
  }
  c.ctrlOp = 0;
  if (op !== Opcode.Continuation) {
    c.msgBinary = op === Opcode.Binary;
    c.msgCompressed = h.rsv1;
    c.msgBytes = 0;
    c.msgFrames = 0;
    if (!c.msgBinary) c.asm?.utf8?.reset();
    if (c.msgCompressed) assembly(c).pending = new Pending(c.msgBinary);
    if (c.mode === 'stream') {
      const s = new InboundStream(c, c.msgBinary);
      c.msgStream = s;
      if (c.state === OPEN) enqueue(c, s, 0);
      else s.abandon();
    }
  }
  if (++c.msgFrames > c.limits.maxFragments) {
    throw new TooBigError('ERR_TOO_MANY_FRAGMENTS', `message has more than ${c.limits.maxFragments} fragments`);
  }
  c.msgBytes += h.length;
  const max = messageLimit(c);
  if (c.msgBytes > max) {
    throw new TooBigError('ERR_MESSAGE_TOO_BIG', `message exceeds the limit of ${max} bytes`);
  }
  c.frameFin = h.fin;
  if (h.length === 0) onPayload(c, EMPTY, true);
}

/**
 * A piece of payload. The parser hands it over still masked: each path below
 * unmasks it where it lies, except gathering into a message's own buffer,
 * which unmasks while it copies.
 */
function onPayload(c: Receiver, data: Uint8Array, frameDone: boolean): void {
  const parser = c.parser as FrameParser;
  if (c.ctrlOp !== 0) {
    unmaskInPlace(parser);
    collectControl(c, data, frameDone);
    return;
  }
  const last = frameDone && c.frameFin;
  const buf = asBuffer(data);
  if (c.msgCompressed) {
    unmaskInPlace(parser);
    inflate(c, buf, last);
    return;
  }
  const s = c.msgStream;
  if (last && s === null && c.msgLen === 0 && buf.length === c.msgBytes) {
    // The whole message in one piece (the common case): no gathering, one whole-buffer UTF-8 check.
    unmaskInPlace(parser);
    if (!c.msgBinary && !isValidUtf8(buf)) throw new InvalidPayloadError('ERR_INVALID_UTF8', 'text message is not valid UTF-8');
    if (c.state === OPEN) enqueue(c, new ReceivedMessage(c.msgBinary, buf), buf.length);
    return;
  }
  if (s !== null) {
    unmaskInPlace(parser);
    if (!c.msgBinary) checkText(c, buf, last);
    if (buf.length > 0 && s.push(buf)) c.queuedBytes += buf.length;
    if (last) {
      s.end();
      c.msgStream = null;
    }
    return;
  }
  if (buf.length > 0) gather(c, buf, parser);
  if (!c.msgBinary && last) checkText(c, EMPTY, true);
  if (!last) return;
  const payload = takeGathered(c);
  if (c.state === OPEN) enqueue(c, new ReceivedMessage(c.msgBinary, payload), payload.length);
}

/**
 * Validate the next piece of a text message that is not read whole in one
 * piece, and with `last` that it does not end inside a UTF-8 sequence. The
 * validator is made for the first such message and reset at every text message.
 */
function checkText(c: Receiver, piece: Uint8Array, last: boolean): void {
  const v = (assembly(c).utf8 ??= new Utf8Validator());
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
function gather(c: Receiver, piece: Buffer, parser: FrameParser): void {
  const at = c.msgLen;
  const end = at + piece.length;
  c.msgLen = end;
  const a = assembly(c);
  let b = a.buf;
  if (b === null) {
    if (!c.frameFin || end * RESERVE_RATIO < c.msgBytes) {
      unmaskInPlace(parser);
      if (!c.msgBinary) checkText(c, piece, false);
      a.parts.push(piece);
      return;
    }
    a.buf = b = messageBuffer(c.msgBytes);
    let p = 0;
    for (const part of a.parts) {
      b.set(part, p);
      p += part.length;
    }
    a.parts.length = 0;
  }
  parser.copyData(b, at);
  if (!c.msgBinary) checkText(c, b.subarray(at, end), false);
}

/** The gathered message, complete. */
function takeGathered(c: Receiver): Buffer {
  const a = c.asm;
  const len = c.msgLen;
  c.msgLen = 0;
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

function assembly(c: Receiver): Assembly {
  return (c.asm ??= new Assembly());
}

/**
 * Unmask the parser's piece where it lies in the read, to hand it out or keep
 * it as a view: that read can no longer serve as a message's buffer.
 */
function unmaskInPlace(parser: FrameParser): void {
  readCopiedOut = false;
  parser.unmask();
}

/** Feed a piece of a compressed message to the inflater, in order with every other piece. */
function inflate(c: Receiver, piece: Buffer, last: boolean): void {
  const deflate = c.deflate as MessageCompressor;
  const a = assembly(c);
  const p = a.pending as Pending;
  const s = c.msgStream;
  const binary = c.msgBinary;
  const validator = p.utf8;
  const max = messageLimit(c);
  if (last) {
    a.pending = null;
    c.msgStream = null;
    if (s === null && c.state === OPEN) {
      p.queued = true;
      enqueue(c, p, 0);
    }
  }
  const step = (out: Buffer): void => {
    if (p.error !== null) return;
    p.size += out.length;
    if (validator !== null && !validator.write(out)) throw new InvalidPayloadError('ERR_INVALID_UTF8', 'text message is not valid UTF-8');
    if (s !== null) {
      if (out.length > 0 && s.push(out)) c.queuedBytes += out.length;
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
      c.queuedBytes += data.length;
    }
    p.done = true;
    wake(c);
  };
  const failed = (err: unknown): void => {
    if (p.error !== null) return;
    p.error = err instanceof Error ? err : new Error(String(err));
    p.done = true;
    s?.fail(p.error);
    if (!p.queued || !c.iterating) signal(c, new Signal(p.error, 0, ''));
    wake(c);
  };
  a.inflateTail = a.inflateTail.then(() => (p.error === null ? deflate.decompress(piece, last, max).then(step) : undefined)).catch(failed);
}

function collectControl(c: Receiver, data: Uint8Array, frameDone: boolean): void {
  if (frameDone && (c.asm === null || c.asm.ctrlLen === 0)) {
    onControl(c, c.ctrlOp, asBuffer(data));
    return;
  }
  const a = assembly(c);
  const buf = (a.ctrlBuf ??= Buffer.allocUnsafe(125));
  buf.set(data, a.ctrlLen);
  a.ctrlLen += data.length;
  if (frameDone) onControl(c, c.ctrlOp, buf.subarray(0, a.ctrlLen));
}

function onControl(c: Receiver, op: number, payload: Buffer): void {
  if (op === Opcode.Close) {
    const { code, reason } = parseClosePayload(payload);
    signal(c, new Signal(null, code, reason));
    return;
  }
  onPingPong(c, op, payload);
}


/**
 * A connection's state for what arrives in pieces: a message that spans reads
 * or frames (kept as it came, then in its own buffer), a compressed message
 * being inflated, a text message validated piece by piece, a control frame cut
 * off by the end of a read. Made for the first such arrival and kept: an idle
 * connection that only ever got whole small messages has none.
 */
export class Assembly {
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
