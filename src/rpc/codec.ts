import type { CodecName } from './envelope.js';

/**
 * Metadata a client may attach to a call, notification or stream: W3C trace
 * context (`traceparent`, `tracestate`) and the like; string values only.
 */
export type CallMeta = Readonly<Record<string, string>>;

/** What travels in one WebSocket message: text for JSON, binary for msgpack. */
export type WireData = string | Uint8Array;

/**
 * Encodes and decodes RPC envelopes (see envelope.ts for the layouts). One
 * encoder per envelope kind so the JSON codec can build the message text
 * around the serialized payload without intermediate arrays.
 */
export interface EnvelopeCodec {
  readonly name: CodecName;
  readonly binary: boolean;
  call(id: number, method: string, input: unknown, meta?: CallMeta): WireData;
  notify(method: string, input: unknown, meta?: CallMeta): WireData;
  stream(id: number, method: string, credit: number, lastEventId: string | undefined, input: unknown, meta?: CallMeta): WireData;
  clientStream(id: number, method: string, meta?: CallMeta): WireData;
  push(id: number, item: unknown): WireData;
  credit(id: number, n: number): WireData;
  end(id: number): WireData;
  cancel(id: number): WireData;
  ping(n: number): WireData;
  pong(n: number): WireData;
  /** `plain`: the output's schema proved it holds nothing the codec must swap (plain-schema.ts), so no walk. */
  result(id: number, output: unknown, plain?: boolean): WireData;
  error(id: number, code: string, message: string, data: unknown): WireData;
  /** `plain` as for result. */
  item(id: number, item: unknown, plain?: boolean): WireData;
  event(id: number, eventId: string, item: unknown): WireData;
  done(id: number): WireData;
  /** [GoAway, graceMs]: the server is shutting down; reconnect elsewhere now. */
  goAway(graceMs: number): WireData;
  /** Encodes any envelope array whole (the topic kinds, whose fields vary, use it). */
  envelope(env: unknown[]): WireData;
  hello(params: Readonly<Record<string, string>>): WireData;
  welcome(): WireData;
  /** Decodes one message; throws on malformed data. The caller checks the array's shape. */
  decode(data: WireData): unknown;
  /** Whether a message is longer than `limit` bytes (text counted as UTF-8). */
  exceeds(data: WireData, limit: number): boolean;
  /**
   * Reads the kind and call id at the start of a message without decoding the
   * rest (used to answer an oversized message); -1 when they cannot be read.
   */
  peek(data: WireData): { kind: number; id: number } | null;
}

/** What a client encodes and decodes: the server's encoders (results, items, errors, GoAway, Welcome, peek) are left out. */
export type ClientCodec = Omit<EnvelopeCodec, 'result' | 'error' | 'item' | 'event' | 'done' | 'goAway' | 'welcome' | 'peek'>;

/** UTF-8 length of a string, without allocating. */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    n += c < 0x800 ? 1 : 2;
    // a high surrogate and the unit after it: 4 bytes (2 more than their 2 units); alone at the end: 3
    if (c >= 0xd800 && c <= 0xdbff) i++;
  }
  return n;
}

/** Whether encoded data is longer than limit bytes; counts UTF-8 only when the length alone cannot decide. */
export function exceedsLimit(data: WireData, limit: number): boolean {
  if (typeof data !== 'string') return data.byteLength > limit;
  if (data.length > limit) return true;
  if (data.length * 3 <= limit) return false;
  return utf8Length(data) > limit;
}
