import type { HeaderState, Role } from './check.js';
import { checkHeader } from './check.js';
import { TooBigError } from './errors.js';
import { createHeader, MAX_HEADER_SIZE, readHeader } from './header.js';
import type { FrameHeader } from './header.js';
import { mask } from './mask.js';
import { isControl } from './opcode.js';

/** Options of a FrameParser. */
export interface FrameParserOptions {
  /** The side that reads: a server requires masked frames, a client unmasked ones. */
  role: Role;
  /** Largest payload accepted in one frame; larger ones fail with TooBigError (1009). Default 64 MiB. */
  maxFrameSize?: number;
  /** Reserved bits owned by negotiated extensions (RSV1 = 4 for permessage-deflate). Default 0. */
  rsv?: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Incremental RFC 6455 frame parser, pull style. Feed it chunks with `push`
 * (split anywhere) and call `next` until it returns NEED_MORE:
 *
 * - HEADER: `header` holds the next frame's header (the same object every time);
 * - DATA: `data` is the next piece of the payload, a view into a pushed chunk,
 *   unmasked in place; `remaining` is how much of the payload is still to come.
 *
 * A frame with an empty payload yields HEADER only. Payload bytes are never
 * copied; only a header split across chunks is assembled in a scratch buffer.
 * Every header is checked (RFC 6455 §5 for the role, fragmentation state and
 * extension bits) and size-limited; a violation throws ProtocolError, after
 * which the parser must not be used again.
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
  private readonly chunks: (Uint8Array | undefined)[] = [];
  private head = 0;
  private pos = 0;
  private total = 0;
  private inPayload = false;
  private maskPos = 0;
  private readonly scratch = new Uint8Array(MAX_HEADER_SIZE);

  constructor(opts: FrameParserOptions) {
    this.state = { role: opts.role, rsv: opts.rsv ?? 0, inMessage: false };
    this.maxFrameSize = opts.maxFrameSize ?? 64 * 1024 * 1024;
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
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Bytes pushed and not yet returned. */
  buffered(): number {
    return this.total;
  }

  /** Advance: NEED_MORE (0), HEADER (1) or DATA (2). Throws ProtocolError on a bad header. */
  next(): number {
    return this.inPayload ? this.nextData() : this.nextHeader();
  }

  private nextHeader(): number {
    const chunk = this.chunks[this.head];
    if (chunk === undefined) return FrameParser.NEED_MORE;
    const h = this.header;
    let n = readHeader(chunk, this.pos, h);
    if (n === 0) {
      if (this.total <= chunk.length - this.pos) return FrameParser.NEED_MORE;
      n = readHeader(this.scratch.subarray(0, this.peek()), 0, h);
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
    const chunk = this.chunks[this.head];
    if (chunk === undefined) return FrameParser.NEED_MORE;
    const avail = chunk.length - this.pos;
    const n = avail < this.remaining ? avail : this.remaining;
    const data = chunk.subarray(this.pos, this.pos + n);
    if (this.header.masked) {
      mask(data, this.header.mask, this.maskPos);
      this.maskPos += n;
    }
    this.remaining -= n;
    if (this.remaining === 0) this.inPayload = false;
    this.data = data;
    this.skip(n);
    return FrameParser.DATA;
  }

  /** Copy up to MAX_HEADER_SIZE buffered bytes into scratch without consuming them. */
  private peek(): number {
    let copied = 0;
    let pos = this.pos;
    for (let i = this.head; i < this.chunks.length && copied < MAX_HEADER_SIZE; i++) {
      const c = this.chunks[i] as Uint8Array;
      const take = Math.min(c.length - pos, MAX_HEADER_SIZE - copied);
      this.scratch.set(c.subarray(pos, pos + take), copied);
      copied += take;
      pos = 0;
    }
    return copied;
  }

  /** Consume n buffered bytes, dropping chunks that are used up. */
  private skip(n: number): void {
    this.total -= n;
    while (n > 0) {
      const c = this.chunks[this.head] as Uint8Array;
      const left = c.length - this.pos;
      if (n < left) {
        this.pos += n;
        return;
      }
      n -= left;
      this.chunks[this.head++] = undefined;
      this.pos = 0;
    }
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head >= 64) {
      // Under streaming load a partial frame is almost always pending, so the
      // queue never drains: drop consumed slots now and then.
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
  }
}
