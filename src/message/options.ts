import { DEFAULT_MAX_FRAME_SIZE, DEFAULT_MAX_MESSAGE_SIZE } from '../limits.js';
import type { Role } from '../wire/check.js';
import type { MessageCompressor } from './compressor.js';
import type { Hub } from './hub.js';

export type { MessageCompressor, SharedCompressor } from './compressor.js';
// the wire layer's: one type of this name for every entry
export type { Role } from '../wire/check.js';

/** Limits and behaviour of a connection; every field has a safe default. */
export interface ConnLimits {
  /** Largest frame payload accepted, in bytes (close 1009 above). Default 64 MiB. */
  maxFrameSize?: number;
  /** Largest whole message accepted, in bytes (close 1009 above). Default 64 MiB. */
  maxMessageSize?: number;
  /** Most frames per message (close 1009 above). Default unlimited: memory is bounded by `maxMessageSize`. */
  maxFragments?: number;
  /**
   * The outbound budget: bytes queued for the peer (data frames, batched frames, pongs, close
   * frames) above which `send` waits until the socket has drained, and reading pauses when the
   * peer's own pings or close pushed the queue over it. Default 4 MiB.
   */
  maxQueuedBytes?: number;
  /** Longest time the outbound queue may stay over `maxQueuedBytes` before the peer is dropped (close 1008); 0 = no limit. Default 30 000. */
  drainTimeoutMs?: number;
  /**
   * Time a frame, and a message read whole (not with `messages({ stream: true })`), has to
   * arrive complete once it has begun (close 1008 after); not counted while reading is paused. 0 = no limit. Default 30 000.
   */
  messageTimeoutMs?: number;
  /** Received bytes held for a consumer that is not reading, above which the socket is paused. Default 1 MiB. */
  readHighWaterMark?: number;
  /** Answer pings with pongs automatically. Default true. */
  autoPong?: boolean;
  /** Ping the peer this often and close it when it has not answered the previous ping; 0 = off. Default 0. */
  heartbeatMs?: number;
  /** Time the peer has to complete the closing handshake before the socket is destroyed. Default 5000. */
  closeTimeoutMs?: number;
  /** Default size of the fragments `writer()` sends. Default 64 KiB. */
  fragmentSize?: number;
}

/** Everything `new Conn(socket, options)` needs besides the socket. */
export interface ConnOptions extends ConnLimits {
  role: Role;
  /** The subprotocol agreed in the handshake. */
  protocol?: string | null;
  /** Bytes that followed the handshake on the socket (already WebSocket frames). */
  head?: Uint8Array;
  /** The negotiated permessage-deflate instance, if any; the Conn closes it. */
  deflate?: MessageCompressor | null;
  /** The hub whose topics `subscribe` joins. Default none: `subscribe` throws. */
  hub?: Hub | null;
  /** @internal limits a server resolved once for all its connections; the ConnLimits fields are then not read. */
  limits?: Readonly<ResolvedLimits>;
}

/** ConnLimits with every default filled in. */
export type ResolvedLimits = Required<ConnLimits>;

/** The defaults of ConnLimits. */
export const DEFAULT_LIMITS: Readonly<ResolvedLimits> = Object.freeze({
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  maxFragments: Infinity,
  maxQueuedBytes: 4 * 1024 * 1024,
  drainTimeoutMs: 30_000,
  messageTimeoutMs: 30_000,
  readHighWaterMark: 1024 * 1024,
  autoPong: true,
  heartbeatMs: 0,
  closeTimeoutMs: 5000,
  fragmentSize: 64 * 1024,
});

const LIMIT_KEYS = Object.keys(DEFAULT_LIMITS) as (keyof ConnLimits)[];

/** Fill in defaults and reject nonsense early, so a typo fails at construction, not under load. */
export function resolveLimits(o: ConnLimits): Readonly<ResolvedLimits> {
  if (LIMIT_KEYS.every((k) => o[k] === undefined)) return DEFAULT_LIMITS;
  const r: ResolvedLimits = {
    maxFrameSize: o.maxFrameSize ?? DEFAULT_LIMITS.maxFrameSize,
    maxMessageSize: o.maxMessageSize ?? DEFAULT_LIMITS.maxMessageSize,
    maxFragments: o.maxFragments ?? DEFAULT_LIMITS.maxFragments,
    maxQueuedBytes: o.maxQueuedBytes ?? DEFAULT_LIMITS.maxQueuedBytes,
    drainTimeoutMs: o.drainTimeoutMs ?? DEFAULT_LIMITS.drainTimeoutMs,
    messageTimeoutMs: o.messageTimeoutMs ?? DEFAULT_LIMITS.messageTimeoutMs,
    readHighWaterMark: o.readHighWaterMark ?? DEFAULT_LIMITS.readHighWaterMark,
    autoPong: o.autoPong ?? DEFAULT_LIMITS.autoPong,
    heartbeatMs: o.heartbeatMs ?? DEFAULT_LIMITS.heartbeatMs,
    closeTimeoutMs: o.closeTimeoutMs ?? DEFAULT_LIMITS.closeTimeoutMs,
    fragmentSize: o.fragmentSize ?? DEFAULT_LIMITS.fragmentSize,
  };
  positive('maxFrameSize', r.maxFrameSize);
  positive('maxMessageSize', r.maxMessageSize);
  positive('maxFragments', r.maxFragments);
  positive('maxQueuedBytes', r.maxQueuedBytes);
  positive('readHighWaterMark', r.readHighWaterMark);
  positive('fragmentSize', r.fragmentSize);
  nonNegative('heartbeatMs', r.heartbeatMs);
  nonNegative('closeTimeoutMs', r.closeTimeoutMs);
  nonNegative('drainTimeoutMs', r.drainTimeoutMs);
  nonNegative('messageTimeoutMs', r.messageTimeoutMs);
  return r;
}

function positive(name: string, v: number): void {
  if (typeof v !== 'number' || Number.isNaN(v) || v <= 0) throw new RangeError(`${name} must be a positive number, got ${v}`);
}

function nonNegative(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${v}`);
}

/** Only the ConnLimits fields, so handshake options do not leak into the Conn. */
export function pickLimits(o: ConnLimits): ConnLimits {
  return {
    maxFrameSize: o.maxFrameSize,
    maxMessageSize: o.maxMessageSize,
    maxFragments: o.maxFragments,
    maxQueuedBytes: o.maxQueuedBytes,
    drainTimeoutMs: o.drainTimeoutMs,
    messageTimeoutMs: o.messageTimeoutMs,
    readHighWaterMark: o.readHighWaterMark,
    autoPong: o.autoPong,
    heartbeatMs: o.heartbeatMs,
    closeTimeoutMs: o.closeTimeoutMs,
    fragmentSize: o.fragmentSize,
  };
}
