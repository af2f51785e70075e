import { ProtocolError, TooBigError } from './errors.js';

/** A decoded RFC 6455 frame header (§5.2). */
export interface FrameHeader {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** The 4-byte masking key; meaningful only when `masked`. */
  mask: Uint8Array;
  /** Payload length in bytes. */
  length: number;
}

/** A header with defaults (FIN set, binary-agnostic opcode 0, unmasked, empty). */
export function createHeader(init: Partial<FrameHeader> = {}): FrameHeader {
  return {
    fin: init.fin ?? true,
    rsv1: init.rsv1 ?? false,
    rsv2: init.rsv2 ?? false,
    rsv3: init.rsv3 ?? false,
    opcode: init.opcode ?? 0,
    masked: init.masked ?? false,
    mask: init.mask ?? new Uint8Array(4),
    length: init.length ?? 0,
  };
}

/** The largest header: 2 fixed bytes, 8 length bytes, 4 mask bytes. */
export const MAX_HEADER_SIZE = 14;

/**
 * Decode a frame header from `bytes` at `offset`, where the bytes lie, into
 * `into` (reused if given, so the hot path allocates nothing).
 * Returns the header size in bytes, or 0 when the header is not complete yet.
 * Throws ProtocolError for a 64-bit length with the top bit set and
 * TooBigError for a length above Number.MAX_SAFE_INTEGER.
 */
export function readHeader(bytes: Uint8Array, offset = 0, into: FrameHeader = createHeader()): number {
  const avail = bytes.length - offset;
  if (avail < 2) return 0;
  const b0 = bytes[offset];
  const b1 = bytes[offset + 1];
  const masked = (b1 & 0x80) !== 0;
  let len = b1 & 0x7f;
  let size = 2;
  if (len === 126) {
    size = 4;
  } else if (len === 127) {
    size = 10;
  }
  if (masked) size += 4;
  if (avail < size) return 0;

  let p = offset + 2;
  if (len === 126) {
    len = (bytes[p] << 8) | bytes[p + 1];
    p += 2;
  } else if (len === 127) {
    const hi = ((bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]) >>> 0;
    const lo = ((bytes[p + 4] << 24) | (bytes[p + 5] << 16) | (bytes[p + 6] << 8) | bytes[p + 7]) >>> 0;
    if (hi & 0x80000000) {
      throw new ProtocolError('ERR_LENGTH', 'the most significant bit of a 64-bit payload length must be 0');
    }
    if (hi > 0x1fffff) {
      throw new TooBigError('ERR_FRAME_TOO_BIG', 'payload length exceeds Number.MAX_SAFE_INTEGER');
    }
    len = hi * 0x100000000 + lo;
    p += 8;
  }

  into.fin = (b0 & 0x80) !== 0;
  into.rsv1 = (b0 & 0x40) !== 0;
  into.rsv2 = (b0 & 0x20) !== 0;
  into.rsv3 = (b0 & 0x10) !== 0;
  into.opcode = b0 & 0x0f;
  into.masked = masked;
  into.length = len;
  if (masked) {
    const m = into.mask;
    m[0] = bytes[p];
    m[1] = bytes[p + 1];
    m[2] = bytes[p + 2];
    m[3] = bytes[p + 3];
  }
  return size;
}

/** Bytes the header of a frame with this length and masking takes (minimal length encoding). */
export function headerSize(h: Pick<FrameHeader, 'length' | 'masked'>): number {
  const base = h.length < 126 ? 2 : h.length < 0x10000 ? 4 : 10;
  return h.masked ? base + 4 : base;
}

/**
 * Encode `h` into `out` at `offset` with the minimal length encoding.
 * Returns the number of bytes written; `out` must have headerSize(h) bytes free.
 */
export function writeHeader(h: FrameHeader, out: Uint8Array, offset = 0): number {
  const len = h.length;
  if (!Number.isSafeInteger(len) || len < 0) throw new RangeError(`invalid payload length ${len}`);
  out[offset] =
    (h.fin ? 0x80 : 0) | (h.rsv1 ? 0x40 : 0) | (h.rsv2 ? 0x20 : 0) | (h.rsv3 ? 0x10 : 0) | (h.opcode & 0x0f);
  const maskBit = h.masked ? 0x80 : 0;
  let p = offset + 2;
  if (len < 126) {
    out[offset + 1] = maskBit | len;
  } else if (len < 0x10000) {
    out[offset + 1] = maskBit | 126;
    out[p] = len >>> 8;
    out[p + 1] = len & 0xff;
    p += 2;
  } else {
    out[offset + 1] = maskBit | 127;
    const hi = Math.floor(len / 0x100000000);
    const lo = len >>> 0;
    out[p] = hi >>> 24;
    out[p + 1] = (hi >>> 16) & 0xff;
    out[p + 2] = (hi >>> 8) & 0xff;
    out[p + 3] = hi & 0xff;
    out[p + 4] = lo >>> 24;
    out[p + 5] = (lo >>> 16) & 0xff;
    out[p + 6] = (lo >>> 8) & 0xff;
    out[p + 7] = lo & 0xff;
    p += 8;
  }
  if (h.masked) {
    const m = h.mask;
    out[p] = m[0];
    out[p + 1] = m[1];
    out[p + 2] = m[2];
    out[p + 3] = m[3];
    p += 4;
  }
  return p - offset;
}
