/**
 * What the Conn needs from a negotiated permessage-deflate (zwire/deflate's
 * PerMessageDeflate has this shape). Calls of each direction are made in order.
 */
export interface MessageCompressor {
  /**
   * Set when this side compresses every message without context (no context takeover): one
   * object for all compressors negotiated alike, so a hub compresses a publication once for all.
   */
  readonly shared?: SharedCompressor | null;
  shouldCompress(byteLength: number): boolean;
  compress(data: Uint8Array, fin: boolean): Promise<Buffer>;
  /**
   * Inflates one fragment of an incoming message. It must reject (a ZwireError with closeCode 1009) as
   * soon as the message's inflated size passes `maxSize`: the connection does not count the output again.
   */
  decompress(data: Uint8Array, fin: boolean, maxSize: number): Promise<Buffer>;
  close(): void;
}

/** Compresses whole messages without context: the output suits every connection it is shared with. */
export interface SharedCompressor {
  /** The message's raw deflate data as a permessage-deflate payload (without the 00 00 ff ff tail). */
  compress(data: Uint8Array): Buffer;
}
