import { DEFAULT_MAX_FRAME_SIZE } from '../limits.js';
import type { HeaderState, Role } from './check.js';
import { checkHeader } from './check.js';
import { TooBigError } from './errors.js';
import type { ProtocolError } from './errors.js';
import { createHeader, MAX_HEADER_SIZE, readHeader } from './header.js';
import type { FrameHeader } from './header.js';
import { mask, maskBytes, maskTo } from './mask.js';
import { isControl } from './opcode.js';

/** Options of a FrameParser. */
export interface FrameParserOptions {
  /** The side that reads: a server requires masked frames, a client unmasked ones. */
  role: Role;
  /** Largest payload accepted in one frame; larger ones fail with TooBigError (1009). Default 64 MiB. */
  maxFrameSize?: number;
  /** Reserved bits owned by negotiated extensions (RSV1 = 4 for permessage-deflate). Default 0. */
  rsv?: number;
  /**
   * Return DATA payloads still masked: the caller unmasks each piece with
   * unmask() where it lies, or copies it out unmasked with copyData(), one
   * pass over the bytes instead of an unmask and a copy. Default false:
   * payloads come back unmasked in place.
   */
  deferUnmask?: boolean;
}

const EMPTY = new Uint8Array(0);

/**
 * Payloads shorter than this are unmasked by a byte loop in the parser: for a
 * few bytes, mask()'s dispatch and call cost more than the XOR (mask.ts's SIMD
 * kernel starts at 64 bytes).
 */
const INLINE_UNMASK = 64;

/**
 * Opcodes the header fast path accepts, by bit: text, binary and (when in a
 * message) continuation for data frames; close, ping and pong for control frames.
 */
const DATA_OPCODES = (1 << 0x1) | (1 << 0x2);
const CONTROL_OPCODES = (1 << 0x8) | (1 << 0x9) | (1 << 0xa);

/**
 * Incremental RFC 6455 frame parser, pull style. Feed it chunks with `push`
 * (split anywhere) and call `next` until it returns NEED_MORE:
 *
 * - HEADER: `header` holds the next frame's header (the same object every time);
 * - DATA: `data` is the next piece of the payload, a view into a pushed chunk,
 *   unmasked in place (with `deferUnmask`, when the caller asks: unmask() or
 *   copyData()); `remaining` is how much of the payload is still to come.
 *
 * A frame with an empty payload yields HEADER only. Payload bytes are never
 * copied; only a header split across chunks is assembled in a scratch buffer.
 * Every header is checked (RFC 6455 §5 for the role, fragmentation state and
 * extension bits) and size-limited; a violation throws ProtocolError, and
 * every later next() throws the same error: the stream cannot be resynchronized.
 */
export class FrameParser {
  static readonly NEED_MORE = 0;
  static readonly HEADER = 1;
  static readonly DATA = 2;

  readonly header: FrameHeader = createHeader();
  data: Uint8Array = EMPTY;
  remaining = 0;
  maxFrameSize: number;

  private readonly state: HeaderState;
  /** The chunk being read, from `pos`; EMPTY when everything pushed is consumed. */
  private cur: Uint8Array = EMPTY;
  private pos = 0;
  /** Chunks pushed while `cur` still had bytes, oldest first from `qHead`. Usually empty. */
  private readonly queue: Uint8Array[] = [];
  private qHead = 0;
  private total = 0;
  private inPayload = false;
  /** The violation that stopped the stream, thrown again by every later next(). */
  private failure: ProtocolError | null = null;
  private maskPos = 0;
  private readonly deferUnmask: boolean;
  /** Key stream position of `data` while it is still masked (deferUnmask), else -1. */
  private dataMaskPos = -1;
  /** Where a header split across chunks is assembled; allocated the first time one is. */
  private scratch: Uint8Array | null = null;
  /** The mask bit every frame must carry for this role (0x80 for a server). */
  private readonly maskBit: number;

  constructor(opts: FrameParserOptions) {
    this.state = { role: opts.role, rsv: opts.rsv ?? 0, inMessage: false };
    this.maskBit = opts.role === 'server' ? 0x80 : 0;
    this.maxFrameSize = opts.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.deferUnmask = opts.deferUnmask ?? false;
  }

  /** Reserved bits owned by extensions; set once an extension is negotiated. */
  get rsv(): number {
    return this.state.rsv;
  }

  set rsv(bits: number) {
    this.state.rsv = bits;
  }

  /** Whether a fragmented data message has started and not finished. */
  get inMessage(): boolean {
    return this.state.inMessage;
  }

  /** Queue a chunk. Its payload bytes are unmasked in place as they are returned. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.total === 0) {
      this.cur = chunk;
      this.pos = 0;
    } else {
      this.queue.push(chunk);
    }
    this.total += chunk.length;
  }

  /**
   * Copy the bytes still buffered into memory the parser owns, so the caller
   * may reuse the chunks it pushed (a net.Socket `onread` buffer, for one).
   * After next() has returned NEED_MORE this is at most a partial header.
   */
  detach(): void {
    if (this.total === 0) return;
    const copy = new Uint8Array(this.total);
    let at = 0;
    copy.set(this.cur.subarray(this.pos), at);
    at += this.cur.length - this.pos;
    for (let i = this.qHead; i < this.queue.length; i++) {
      copy.set(this.queue[i], at);
      at += this.queue[i].length;
    }
    this.cur = copy;
    this.pos = 0;
    this.queue.length = 0;
    this.qHead = 0;
  }

  /** Bytes pushed and not yet returned. */
  buffered(): number {
    return this.total;
  }

  /** Whether `data` is still masked (only with `deferUnmask`, until unmask()). */
  get masked(): boolean {
    return this.dataMaskPos >= 0;
  }

  /** Unmask `data` in place if it is still masked (with `deferUnmask`); otherwise nothing to do. */
  unmask(): void {
    const pos = this.dataMaskPos;
    if (pos < 0) return;
    this.dataMaskPos = -1;
    const data = this.data;
    if (data.length < INLINE_UNMASK) maskBytes(data, this.header.mask, pos, 0, data.length);
    else mask(data, this.header.mask, pos);
  }

  /**
   * Write `data`, unmasked, into `dst` at `at`. A still-masked piece is unmasked
   * on the way (one pass); `data` itself is left as it is.
   */
  copyData(dst: Uint8Array, at: number): void {
    const pos = this.dataMaskPos;
    if (pos < 0) dst.set(this.data, at);
    else maskTo(this.data, this.header.mask, pos, dst, at);
  }

  /** Advance: NEED_MORE (0), HEADER (1) or DATA (2). Throws ProtocolError on a bad header. */
  next(): number {
    this.dataMaskPos = -1;
    let event: number;
    if (this.inPayload) {
      event = this.nextData();
    } else {
      if (this.failure !== null) throw this.failure;
      try {
        event = this.nextHeader();
      } catch (err) {
        this.failure = err as ProtocolError;
        throw err;
      }
    }
    // Let go of the last payload view, so an idle parser does not pin the read it came from.
    if (event === FrameParser.NEED_MORE) this.data = EMPTY;
    return event;
  }

  private nextHeader(): number {
    if (this.total === 0) return FrameParser.NEED_MORE;
    const chunk = this.cur;
    const pos = this.pos;
    if (chunk.length - pos >= 2) {
      const b0 = chunk[pos];
      const b1 = chunk[pos + 1];
      if ((b0 & 0x70) === 0 && (b1 & 0x80) === this.maskBit && (b1 & 0x7f) < 126 && (b1 & 0x7f) <= this.maxFrameSize) {
        const op = b0 & 0x0f;
        const fin = (b0 & 0x80) !== 0;
        const allowed = this.state.inMessage ? 1 : DATA_OPCODES;
        if (((fin ? allowed | CONTROL_OPCODES : allowed) >>> op) & 1) return this.shortHeader(chunk, pos, b0, b1);
      }
    }
    return this.anyHeader();
  }

  /**
   * The common header, known valid by nextHeader: no reserved bits, the mask
   * bit this role expects, a 7-bit length within the limit, an opcode the
   * fragmentation state allows. Decodes it without readHeader and checkHeader.
   */
  private shortHeader(chunk: Uint8Array, pos: number, b0: number, b1: number): number {
    const h = this.header;
    const op = b0 & 0x0f;
    const len = b1 & 0x7f;
    h.fin = (b0 & 0x80) !== 0;
    h.rsv1 = false;
    h.rsv2 = false;
    h.rsv3 = false;
    h.opcode = op;
    h.length = len;
    let size = 2;
    if (b1 & 0x80) {
      if (chunk.length - pos < 6) return this.anyHeader();
      h.masked = true;
      const m = h.mask;
      m[0] = chunk[pos + 2];
      m[1] = chunk[pos + 3];
      m[2] = chunk[pos + 4];
      m[3] = chunk[pos + 5];
      size = 6;
    } else {
      h.masked = false;
    }
    if (op < 0x8) this.state.inMessage = !h.fin;
    this.skip(size);
    this.remaining = len;
    this.maskPos = 0;
    this.inPayload = len > 0;
    return FrameParser.HEADER;
  }

  private anyHeader(): number {
    const chunk = this.cur;
    const h = this.header;
    let n = readHeader(chunk, this.pos, h);
    if (n === 0) {
      if (this.total <= chunk.length - this.pos) return FrameParser.NEED_MORE;
      const scratch = (this.scratch ??= new Uint8Array(MAX_HEADER_SIZE));
      n = readHeader(scratch.subarray(0, this.peek(scratch)), 0, h);
      if (n === 0) return FrameParser.NEED_MORE;
    }
    this.skip(n);
    const err = checkHeader(h, this.state);
    if (err !== null) throw err;
    if (h.length > this.maxFrameSize) {
      throw new TooBigError('ERR_FRAME_TOO_BIG', `frame of ${h.length} bytes exceeds the limit of ${this.maxFrameSize}`);
    }
    if (!isControl(h.opcode)) this.state.inMessage = !h.fin;
    this.remaining = h.length;
    this.maskPos = 0;
    this.inPayload = h.length > 0;
    return FrameParser.HEADER;
  }

  private nextData(): number {
    const chunk = this.cur;
    const pos = this.pos;
    const avail = chunk.length - pos;
    if (avail === 0) return FrameParser.NEED_MORE;
    const n = avail < this.remaining ? avail : this.remaining;
    // A chunk that is exactly the rest of the payload is returned as it is: no view to allocate.
    const data = n === chunk.length ? chunk : chunk.subarray(pos, pos + n);
    if (this.header.masked) {
      const key = this.header.mask;
      if (this.deferUnmask) {
        this.dataMaskPos = this.maskPos;
      } else if (n < INLINE_UNMASK) {
        maskBytes(data, key, this.maskPos, 0, n);
      } else {
        mask(data, key, this.maskPos);
      }
      this.maskPos += n;
    }
    this.remaining -= n;
    if (this.remaining === 0) this.inPayload = false;
    this.data = data;
    this.skip(n);
    return FrameParser.DATA;
  }

  /** Copy up to MAX_HEADER_SIZE buffered bytes into scratch without consuming them. */
  private peek(scratch: Uint8Array): number {
    let copied = copyInto(scratch, this.cur, this.pos, 0);
    for (let i = this.qHead; i < this.queue.length && copied < MAX_HEADER_SIZE; i++) {
      copied = copyInto(scratch, this.queue[i], 0, copied);
    }
    return copied;
  }

  /**
   * Consume n buffered bytes. An exhausted chunk is dropped at once (so the
   * parser keeps no reference to memory it is done with) and the next queued
   * one becomes current.
   */
  private skip(n: number): void {
    this.total -= n;
    for (;;) {
      const left = this.cur.length - this.pos;
      if (n < left) {
        this.pos += n;
        return;
      }
      n -= left;
      if (this.qHead === this.queue.length) {
        this.cur = EMPTY;
        this.pos = 0;
        return;
      }
      this.cur = this.queue[this.qHead];
      this.queue[this.qHead++] = EMPTY;
      this.pos = 0;
      if (this.qHead === this.queue.length) {
        this.queue.length = 0;
        this.qHead = 0;
      }
    }
  }
}

/** Copy bytes of c from `from` into scratch at `at`, as many as fit; returns the new fill level. */
function copyInto(scratch: Uint8Array, c: Uint8Array, from: number, at: number): number {
  const take = Math.min(c.length - from, MAX_HEADER_SIZE - at);
  scratch.set(c.subarray(from, from + take), at);
  return at + take;
}
