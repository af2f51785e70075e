import type { Duplex } from 'node:stream';
import { mask, maskKey } from '../wire/index.js';

/** Size of the slabs small frames are encoded into. */
const SLAB_SIZE = 16 * 1024;
/** Payloads above this are written as their own buffer (unmasked) instead of copied into the slab. */
const COPY_LIMIT = 8 * 1024;

/**
 * Serializes frames onto a socket. Small frames are encoded straight into a
 * slab and everything encoded in one tick goes out as one write (one syscall
 * for a whole batch of echoes); the slab is carried on after the written region
 * because written bytes are never touched again. Large unmasked payloads are
 * written as they are, header and payload under one cork (writev).
 */
export class FrameSink {
  private slab: Buffer = Buffer.allocUnsafe(SLAB_SIZE);
  /** Start of the bytes encoded but not yet handed to the socket. */
  private start = 0;
  /** End of the encoded bytes. */
  private end = 0;
  private scheduled = false;

  constructor(
    private readonly socket: Duplex,
    private readonly masked: boolean,
  ) {}

  /** Bytes encoded and not yet handed to the socket. */
  get pending(): number {
    return this.end - this.start;
  }

  /** Queue a frame with a byte payload. Copies the payload unless it is large and unmasked. */
  frame(opcode: number, fin: boolean, rsv1: boolean, payload: Uint8Array): void {
    const len = payload.length;
    if (len > COPY_LIMIT && !this.masked) {
      this.header(opcode, fin, rsv1, len);
      const s = this.socket;
      s.cork();
      this.flush();
      s.write(payload);
      s.uncork();
      return;
    }
    const at = this.header(opcode, fin, rsv1, len);
    this.slab.set(payload, at);
    this.end = at + len;
    if (this.masked) mask(this.slab.subarray(at, this.end), this.slab.subarray(at - 4, at), 0);
    this.schedule();
  }

  /** Queue a frame whose payload is `text` encoded as UTF-8 (encoded straight into the slab). */
  text(opcode: number, fin: boolean, text: string): void {
    const len = Buffer.byteLength(text);
    if (len > COPY_LIMIT) {
      this.frame(opcode, fin, false, Buffer.from(text));
      return;
    }
    const at = this.header(opcode, fin, false, len);
    this.slab.write(text, at, len, 'utf8');
    this.end = at + len;
    if (this.masked) mask(this.slab.subarray(at, this.end), this.slab.subarray(at - 4, at), 0);
    this.schedule();
  }

  /** Hand everything encoded so far to the socket. */
  flush(): void {
    if (this.end === this.start) return;
    const s = this.socket;
    const out = this.slab.subarray(this.start, this.end);
    this.start = this.end;
    if (!s.destroyed && s.writable) s.write(out);
  }

  /**
   * Encode a header for a payload of `len` bytes into the slab, making room
   * for the payload if it is to be copied too. Returns where the payload goes.
   */
  private header(opcode: number, fin: boolean, rsv1: boolean, len: number): number {
    const hs = (len < 126 ? 2 : len < 0x10000 ? 4 : 10) + (this.masked ? 4 : 0);
    const copies = len <= COPY_LIMIT || this.masked;
    const need = hs + (copies ? len : 0);
    if (this.end + need > this.slab.length) {
      this.flush();
      this.slab = Buffer.allocUnsafe(need > SLAB_SIZE ? need : SLAB_SIZE);
      this.start = this.end = 0;
    }
    const b = this.slab;
    let p = this.end;
    b[p++] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
    const maskBit = this.masked ? 0x80 : 0;
    if (len < 126) {
      b[p++] = maskBit | len;
    } else if (len < 0x10000) {
      b[p++] = maskBit | 126;
      b[p++] = len >>> 8;
      b[p++] = len & 0xff;
    } else {
      b[p++] = maskBit | 127;
      const hi = Math.floor(len / 0x100000000);
      b.writeUInt32BE(hi, p);
      b.writeUInt32BE(len >>> 0, p + 4);
      p += 8;
    }
    if (this.masked) {
      b.set(maskKey(), p);
      p += 4;
    }
    this.end = p;
    return p;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(flushScheduled, this);
  }

  /** @internal called from the tick queue */
  runScheduled(): void {
    this.scheduled = false;
    this.flush();
  }
}

function flushScheduled(sink: FrameSink): void {
  sink.runScheduled();
}
