import zlib from 'node:zlib';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../limits.js';
import { DeflateError } from './errors.js';
import { HeldInput } from './held.js';
import { History } from './history.js';
import { StreamingInflater, TAIL, dataError, tooBigError } from './inflater.js';
import { limited } from './limiter.js';
import { checkOptions } from './options.js';
import type { DeflateOptions, DeflateParams } from './params.js';
import { Serial } from './serial.js';
import { sharedDeflate, type SharedDeflate } from './shared.js';

const Z_SYNC_FLUSH = zlib.constants.Z_SYNC_FLUSH;
const DEFAULT_HISTORY = 4096;
const DEFAULT_SYNC_MAX = 64 * 1024;
/** Synchronous inflation stops at this multiple of syncMaxBytes and the message moves to the thread pool. */
const SYNC_OUTPUT_FACTOR = 16;
/** Smallest compressed piece handed to a streaming inflater (except a message's last). */
const STREAM_PIECE = 16 * 1024;
const EMPTY = Buffer.alloc(0);
/** zlib's smallest chunk and the default, the bounds of the output buffers used synchronously. */
const MIN_CHUNK = zlib.constants.Z_MIN_CHUNK;
const MAX_CHUNK = zlib.constants.Z_DEFAULT_CHUNK;

type Role = 'server' | 'client';

/**
 * The permessage-deflate data engine of one connection.
 *
 * No zlib context lives between messages. Context takeover is carried as plain bytes: the last bytes sent
 * (up to `historySize`) and received (the peer's full window, 2^bits) are kept in {@link History} buffers
 * and given to a fresh zlib context as its preset dictionary, which is what the peer's sliding window holds.
 * Inputs up to `syncMaxBytes` run synchronously (no thread-pool round trip, the common small-message case):
 * fragments of an incoming message are gathered (copied) while their total stays within that size and
 * inflated at once. Larger inputs run on the thread pool under the process-wide limit of
 * {@link setZlibConcurrency}; an incoming message beyond syncMaxBytes is inflated as it arrives, in pieces of
 * at least 16 KiB, so no more than max(syncMaxBytes, 16 KiB) of compressed input is ever held.
 *
 * Memory per connection between messages, under context takeover: the receive window keeps 2^(peer
 * window bits) bytes in a buffer a quarter larger (at least 1 KiB of slack): 40 KiB at 15 bits, 5 KiB at
 * 12, 1.5 KiB at 9; the send side keeps min(historySize, 2^own bits) the same way (5 KiB by default). A
 * direction without context takeover keeps nothing (table: docs/deflate.md). A transient zlib context
 * (inflate ~7 KiB + 32 KiB window; deflate 2^(bits+2) + 2^(memLevel+9) bytes) exists only while a call
 * runs or while a message larger than syncMaxBytes is being inflated.
 *
 * Calls on each direction are processed in call order. `compress` reads `data` until its promise settles.
 */
export class PerMessageDeflate {
  readonly params: Readonly<DeflateParams>;
  readonly role: Role;
  /** Without context takeover on this side: the compressor every connection negotiated alike shares (a hub compresses a publication once with it); else null. */
  readonly shared: SharedDeflate | null;

  private readonly level: number;
  private readonly memLevel: number;
  private readonly threshold: number;
  /** The maxMessageSize option, if given: a ceiling under any limit a caller passes. */
  private readonly maxMessageSize: number | undefined;
  private readonly syncMaxBytes: number;
  private readonly ownBits: number;
  private readonly ownNoContext: boolean;
  private readonly peerNoContext: boolean;
  private readonly sent: History;
  private readonly received: History;
  private readonly sendQueue = new Serial();
  private readonly receiveQueue = new Serial();
  private inflater: StreamingInflater | null = null;
  private readonly held = new HeldInput();
  private inflateChunk = 1024;
  private closed = false;

  constructor(params: DeflateParams, role: Role, opts: DeflateOptions = {}) {
    checkOptions(opts);
    this.params = { ...params };
    this.role = role;
    this.level = opts.level ?? zlib.constants.Z_DEFAULT_COMPRESSION;
    this.memLevel = opts.memLevel ?? 8;
    this.threshold = opts.threshold ?? 1024;
    this.maxMessageSize = opts.maxMessageSize;
    this.syncMaxBytes = opts.syncMaxBytes ?? DEFAULT_SYNC_MAX;
    const server = role === 'server';
    this.ownBits = server ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    const peerBits = server ? params.clientMaxWindowBits : params.serverMaxWindowBits;
    this.ownNoContext = server ? params.serverNoContextTakeover : params.clientNoContextTakeover;
    this.peerNoContext = server ? params.clientNoContextTakeover : params.serverNoContextTakeover;
    this.shared = this.ownNoContext ? sharedDeflate(this.ownBits, this.level, this.memLevel) : null;
    this.sent = new History(Math.min(opts.historySize ?? DEFAULT_HISTORY, 1 << this.ownBits));
    this.received = new History(1 << peerBits);
  }

  /**
   * Bytes this connection holds between calls: context-takeover windows and compressed input gathered
   * from fragments (0 before the first compressed message, without context takeover, and after close()).
   */
  get retainedBytes(): number {
    return this.sent.allocated + this.received.allocated + this.held.length;
  }

  /** Whether a message of this many bytes should be compressed (at or above the threshold). */
  shouldCompress(byteLength: number): boolean {
    return byteLength >= this.threshold;
  }

  /**
   * Compresses one fragment of an outgoing message (`fin` marks the last, or a whole message). The result
   * is raw deflate ending in a sync flush; on the last fragment the 00 00 ff ff tail is removed.
   */
  compress(data: Uint8Array, fin: boolean): Promise<Buffer> {
    return this.sendQueue.run(() => this.compressNow(data, fin));
  }

  /**
   * Inflates one fragment of an incoming compressed message, appending the tail when `fin`. Rejects with a
   * DeflateError: closeCode 1007 for invalid data, 1009 as soon as the message's inflated size would pass
   * `maxSize` (a connection passes its limit for the message; also capped by the maxMessageSize option),
   * or without it the maxMessageSize option (default 64 MiB).
   */
  decompress(data: Uint8Array, fin: boolean, maxSize?: number): Promise<Buffer> {
    const own = this.maxMessageSize;
    const limit = maxSize === undefined ? (own ?? DEFAULT_MAX_MESSAGE_SIZE) : own === undefined ? maxSize : Math.min(maxSize, own);
    return this.receiveQueue.run(() => this.decompressNow(data, fin, limit));
  }

  /** Frees all state; pending and later calls reject with code ERR_DEFLATE_CLOSED. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.inflater?.close(closedError());
    this.inflater = null;
    this.held.clear();
    this.sent.clear();
    this.received.clear();
  }

  private compressNow(data: Uint8Array, fin: boolean): Buffer | Promise<Buffer> {
    if (this.closed) throw closedError();
    const dictionary = this.sent.view();
    // A context no larger than this message and its dictionary need: less memory to set up and clear.
    const windowBits = windowBitsFor((dictionary?.length ?? 0) + data.length, this.ownBits);
    const opts: zlib.ZlibOptions = {
      level: this.level,
      memLevel: Math.min(this.memLevel, Math.max(1, windowBits - 7)),
      windowBits,
      finishFlush: Z_SYNC_FLUSH,
      // Output buffers small enough to come from Buffer's shared pool for small messages.
      chunkSize: Math.min(MAX_CHUNK, (data.length >> 1) + 64),
      ...(dictionary !== null ? { dictionary } : {}),
    };
    if (data.length <= this.syncMaxBytes) return this.compressed(data, zlib.deflateRawSync(data, opts), fin);
    return limited(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          zlib.deflateRaw(data, opts, (err, out) => (err !== null ? reject(err) : resolve(out)));
        }),
    ).then((out) => this.compressed(data, out, fin));
  }

  private compressed(data: Uint8Array, out: Buffer, fin: boolean): Buffer {
    if (this.closed) throw closedError();
    if (fin && this.ownNoContext) this.sent.clear();
    else this.sent.append(data);
    return fin ? out.subarray(0, out.length - TAIL.length) : out;
  }

  private decompressNow(data: Uint8Array, fin: boolean, limit: number): Buffer | Promise<Buffer> {
    if (this.closed) throw closedError();
    if (this.inflater === null) {
      // Fragments of a message that stays within syncMaxBytes compressed are gathered and inflated at once.
      if (this.held.length + data.length <= this.syncMaxBytes) {
        if (!fin) {
          this.held.add(data);
          return EMPTY;
        }
        const whole = this.held.take(data);
        const out = this.inflateSync(whole, limit);
        if (out === null) return this.inflateAsync(whole, true, limit);
        if (!this.peerNoContext) this.received.append(out);
        return out;
      }
      return this.inflateAsync(this.held.take(data), fin, limit);
    }
    // A thread-pool round trip per tiny fragment would dominate: feed zlib in pieces of STREAM_PIECE or more.
    if (!fin && this.held.length + data.length < STREAM_PIECE) {
      this.held.add(data);
      return EMPTY;
    }
    return this.inflateAsync(this.held.take(data), fin, limit);
  }

  /** Whole-message fast path; null when the output outgrew the synchronous budget but not the limit. */
  private inflateSync(data: Uint8Array, limit: number): Buffer | null {
    const budget = Math.min(limit, this.syncMaxBytes * SYNC_OUTPUT_FACTOR);
    const dictionary = this.peerNoContext ? null : this.received.view();
    let out: Buffer;
    try {
      out = zlib.inflateRawSync(Buffer.concat([data, TAIL]), {
        windowBits: 15,
        finishFlush: Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, budget),
        chunkSize: this.inflateChunk,
        ...(dictionary !== null ? { dictionary } : {}),
      });
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ERR_BUFFER_TOO_LARGE') throw dataError(err);
      if (budget >= limit) throw tooBigError(limit);
      return null;
    }
    if (out.length > limit) throw tooBigError(limit);
    // Messages of a connection tend to be alike: size the next output buffer after this one.
    this.inflateChunk = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, out.length + 64));
    return out;
  }

  private async inflateAsync(data: Uint8Array, fin: boolean, limit: number): Promise<Buffer> {
    if (this.inflater === null) {
      // the limit of the message's first piece holds for the whole message
      this.inflater = new StreamingInflater(this.peerNoContext ? null : this.received.view(), limit);
    }
    const inflater = this.inflater;
    let out: Buffer;
    try {
      out = await limited(() => inflater.write(data, fin));
    } catch (err) {
      if (this.inflater === inflater) this.inflater = null;
      inflater.close();
      throw err instanceof DeflateError ? err : dataError(err);
    }
    if (this.closed) throw closedError();
    if (!this.peerNoContext) this.received.append(out);
    if (fin) {
      this.inflater = null;
      inflater.close();
    }
    return out;
  }
}

/**
 * The smallest raw-deflate window (9..max) holding `bytes` of dictionary and input plus zlib's 262 bytes
 * of lookahead; a sender may always use less window than negotiated. zlib refuses 8 for raw deflate; at 9
 * its longest distance is 512 - 262 = 250 bytes, within an 8-bit window.
 */
function windowBitsFor(bytes: number, max: number): number {
  const cap = Math.max(max, 9);
  let bits = 9;
  while (bits < cap && 1 << bits < bytes + 262) bits++;
  return bits;
}

function closedError(): DeflateError {
  return new DeflateError('ERR_DEFLATE_CLOSED', 1011, 'permessage-deflate context is closed');
}
