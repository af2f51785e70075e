import { createHeader, headerSize, Opcode, writeHeader } from '../wire/index.js';
import type { MessageCompressor, SharedCompressor } from './compressor.js';
import type { SendOptions } from './conn-types.js';

const header = createHeader({ fin: true });

/** A whole unmasked frame (FIN set) holding `payload`, in one buffer. */
function frameOf(opcode: number, rsv1: boolean, payload: Uint8Array | string, length: number): Buffer {
  header.opcode = opcode;
  header.rsv1 = rsv1;
  header.length = length;
  const hs = headerSize(header);
  const frame = Buffer.allocUnsafe(hs + length);
  writeHeader(header, frame, 0);
  if (typeof payload === 'string') frame.write(payload, hs, length, 'utf8');
  else frame.set(payload, hs);
  return frame;
}

/**
 * One message published to many connections, framed once. The uncompressed
 * frame is built at once (server frames are unmasked, so every connection can
 * be handed the same bytes); a compressed frame is built the first time a
 * connection without context takeover asks for it, once per kind of compressor.
 */
export class Publication {
  /** Header and payload, uncompressed. */
  readonly frame: Buffer;
  private readonly length: number;
  private readonly binary: boolean;
  private readonly compress: boolean;
  private readonly opcode: number;
  private compressedBy: SharedCompressor | null = null;
  private compressed: Buffer | null = null;
  /** Frames for further kinds of compressors (rare: connections negotiated with different parameters). */
  private more: Map<SharedCompressor, Buffer> | null = null;

  constructor(data: string | Uint8Array, binary: boolean, compress: boolean) {
    this.opcode = binary ? Opcode.Binary : Opcode.Text;
    const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.frame = frameOf(this.opcode, false, data, length);
    this.length = length;
    this.binary = binary;
    this.compress = compress;
  }

  /** The payload alone (a view into `frame`): what connections that compress or mask it themselves send. */
  get payload(): Buffer {
    return this.frame.subarray(this.frame.length - this.length);
  }

  /** What a connection sending the payload itself passes to `send`. */
  get options(): SendOptions {
    return { binary: this.binary, compress: this.compress };
  }

  /**
   * The frame a server connection with this compressor (or none) is sent, or
   * null when it must compress the payload itself (context takeover).
   */
  frameFor(deflate: MessageCompressor | null): Buffer | null {
    if (deflate === null || !this.compress || !deflate.shouldCompress(this.length)) return this.frame;
    const shared = deflate.shared;
    if (shared === undefined || shared === null) return null;
    if (shared === this.compressedBy) return this.compressed;
    if (this.compressedBy === null) {
      this.compressedBy = shared;
      this.compressed = this.compressWith(shared);
      return this.compressed;
    }
    const more = (this.more ??= new Map());
    let frame = more.get(shared);
    if (frame === undefined) {
      frame = this.compressWith(shared);
      more.set(shared, frame);
    }
    return frame;
  }

  private compressWith(by: SharedCompressor): Buffer {
    const out = by.compress(this.payload);
    return frameOf(this.opcode, true, out, out.length);
  }
}
