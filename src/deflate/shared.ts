import zlib from 'node:zlib';
import { TAIL } from './inflater.js';

/**
 * Compresses whole messages without any context (the sending side negotiated
 * no context takeover): its output only depends on the message and on these
 * settings, so connections negotiated alike can share one compressed frame.
 */
export class SharedDeflate {
  constructor(
    readonly windowBits: number,
    readonly level: number,
    readonly memLevel: number,
  ) {}

  /** The message as a permessage-deflate payload: raw deflate, sync-flushed, without the 00 00 ff ff tail. */
  compress(data: Uint8Array): Buffer {
    // The smallest window the message needs (zlib takes 9 bits at least for raw deflate), as a connection's own compressor does.
    let bits = 9;
    while (bits < this.windowBits && 1 << bits < data.length + 262) bits++;
    const out = zlib.deflateRawSync(data, {
      level: this.level,
      memLevel: Math.min(this.memLevel, Math.max(1, bits - 7)),
      windowBits: bits,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    return out.subarray(0, out.length - TAIL.length);
  }
}

const known = new Map<string, SharedDeflate>();

/** The one SharedDeflate for these settings (the same object for every connection negotiated alike). */
export function sharedDeflate(windowBits: number, level: number, memLevel: number): SharedDeflate {
  const bits = Math.max(windowBits, 9);
  const key = `${bits}/${level}/${memLevel}`;
  let found = known.get(key);
  if (found === undefined) {
    found = new SharedDeflate(bits, level, memLevel);
    known.set(key, found);
  }
  return found;
}
