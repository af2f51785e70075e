/**
 * Incremental reader of raw frames as they arrive from a peer under test. Independent of
 * src/wire on purpose; it reports what is on the wire (masked or not, RSV bits, reserved
 * opcodes) instead of rejecting it, so the caller can judge the peer.
 */
export interface RawFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  /** The masking key as a 32-bit number, null when unmasked. */
  maskKey: number | null;
  /** Unmasked payload. */
  payload: Buffer;
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private available = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.available += chunk.length;
  }

  /** The next complete frame, or null when more bytes are needed. Throws on a length over 2^53. */
  next(): RawFrame | null {
    if (this.available < 2) return null;
    const head = this.peek(Math.min(this.available, 14));
    const b0 = head[0];
    const b1 = head[1];
    const masked = (b1 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let pos = 2;
    if (len === 126) {
      if (head.length < 4) return null;
      len = (head[2] << 8) | head[3];
      pos = 4;
    } else if (len === 127) {
      if (head.length < 10) return null;
      const high = head.readUInt32BE(2);
      if (high > 0x1fffff) throw new RangeError('64-bit frame length over 2^53 (or MSB set)');
      len = high * 0x100000000 + head.readUInt32BE(6);
      pos = 10;
    }
    const keyLen = masked ? 4 : 0;
    if (this.available < pos + keyLen + len) return null;
    const header = this.take(pos + keyLen);
    const payload = this.take(len);
    let maskKey: number | null = null;
    if (masked) {
      const key = header.subarray(pos, pos + 4);
      maskKey = key.readUInt32BE(0);
      for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    }
    return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, maskKey, payload };
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    const out = Buffer.alloc(n);
    let filled = 0;
    for (const c of this.chunks) {
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (filled === n) break;
    }
    return out;
  }

  /** Removes n bytes from the front and returns them as a fresh buffer the caller may mutate. */
  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.available -= n;
    return out;
  }
}
