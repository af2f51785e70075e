import { Packr, Unpackr } from 'msgpackr';
import type { CallMeta, EnvelopeCodec, WireData } from './codec.js';
import * as Kind from './kinds.js';
import { forMsgpack } from './msgpack-types.js';

// Plain maps, no record extension: any msgpack implementation can read the
// envelopes. Bigints beyond 64 bits use msgpackr's bigint extension; the
// structured-clone extensions (object ids and pointers, which build cycles)
// are refused on input.
const packr = new Packr({ useRecords: false, useBigIntExtension: true });
const unpackr = new Unpackr({ useRecords: false, structuredClone: false });
const textEncoder = new TextEncoder();

function pack(value: unknown[]): Uint8Array {
  return packr.pack(value);
}

/**
 * An envelope whose last element is a payload (Map and Set swapped for their
 * extensions unless `plain` says it holds none); an absent payload is left
 * off. The payload comes in its slot of the array literal, so the array is
 * made at its size instead of grown by a push (one allocation less per envelope).
 */
function packWith(env: unknown[], plain = false): Uint8Array {
  const last = env.length - 1;
  const payload = env[last];
  if (payload === undefined) env.length = last;
  else if (!plain) env[last] = forMsgpack(payload);
  return packr.pack(env);
}

/**
 * One value in the codec's msgpack (Map and Set included): how topic payloads
 * travel through an engine. `plain`: its schema proved it holds no Map or Set (plain-schema.ts), so no walk.
 */
export function packValue(value: unknown, plain = false): Uint8Array {
  return packr.pack(plain ? value : forMsgpack(value));
}

/**
 * The first elements of an array of `total` elements (at most 15), packed:
 * the array header for `total`, then `head` as packing the whole array
 * writes it (msgpack encodes an element the same wherever it lies). Plain elements only.
 */
export function packHead(head: unknown[], total: number): Uint8Array {
  const h = packr.pack(head);
  const out = new Uint8Array(h.length);
  out.set(h, 0);
  out[0] = 0x90 + total;
  return out;
}

/**
 * An envelope whose last element is a value already packed by packValue,
 * spliced in as those bytes: what packing the whole envelope gives, without
 * packing the value again. `head` holds plain elements, at most 14.
 */
export function packAround(head: unknown[], packed: Uint8Array): Uint8Array {
  const h = packHead(head, head.length + 1);
  const out = new Uint8Array(h.length + packed.length);
  out.set(h, 0);
  out.set(packed, h.length);
  return out;
}

/** The largest integer `writeUint` takes. */
export const MAX_UINT32 = 0xffffffff;

/** Bytes `writeUint` writes for `n`. */
export function uintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

/** Writes an integer from 0 to MAX_UINT32 at `at` as the codec packs it (positive fixint, uint 8, 16 or 32); returns where it ends. */
export function writeUint(out: Uint8Array, at: number, n: number): number {
  if (n < 0x80) {
    out[at] = n;
    return at + 1;
  }
  if (n < 0x100) {
    out[at] = 0xcc;
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x10000) {
    out[at] = 0xcd;
    out[at + 1] = n >>> 8;
    out[at + 2] = n & 0xff;
    return at + 3;
  }
  out[at] = 0xce;
  out[at + 1] = n >>> 24;
  out[at + 2] = (n >>> 16) & 0xff;
  out[at + 3] = (n >>> 8) & 0xff;
  out[at + 4] = n & 0xff;
  return at + 5;
}

/** Reads a value packed by packValue. */
export function unpackValue(data: Uint8Array): unknown {
  return unpackr.unpack(data);
}

/** An envelope whose last element is a payload, and, when given, meta after it (an absent payload then travels as undefined). */
function packMeta(env: unknown[], meta: CallMeta | undefined): Uint8Array {
  if (meta === undefined) return packWith(env);
  const last = env.length - 1;
  if (env[last] !== undefined) env[last] = forMsgpack(env[last]);
  env.push(meta);
  return packr.pack(env);
}

/** Reads a msgpack unsigned integer at `at`; returns [value, next offset] or null. */
function readUint(b: Uint8Array, at: number): [number, number] | null {
  if (at >= b.length) return null;
  const t = b[at];
  if (t < 0x80) return [t, at + 1];
  if (t === 0xcc && at + 1 < b.length) return [b[at + 1], at + 2];
  if (t === 0xcd && at + 2 < b.length) return [(b[at + 1] << 8) | b[at + 2], at + 3];
  if (t === 0xce && at + 4 < b.length) return [((b[at + 1] << 24) >>> 0) + ((b[at + 2] << 16) | (b[at + 3] << 8) | b[at + 4]), at + 5];
  return null;
}

/**
 * Envelopes as msgpack arrays in binary messages. Date (timestamp extension),
 * bigint, Map, Set, Uint8Array (bin) and undefined travel as themselves.
 */
export const msgpackEnvelope: EnvelopeCodec = {
  name: 'msgpack',
  binary: true,
  call: (id, method, input, meta) => packMeta([Kind.Call, id, method, input], meta),
  notify: (method, input, meta) => packMeta([Kind.Notify, method, input], meta),
  stream: (id, method, credit, lastEventId, input, meta) => packMeta([Kind.Stream, id, method, credit, lastEventId ?? null, input], meta),
  clientStream: (id, method, meta) => packWith([Kind.ClientStream, id, method, meta]),
  push: (id, item) => packWith([Kind.Push, id, item]),
  credit: (id, n) => pack([Kind.Credit, id, n]),
  end: (id) => pack([Kind.End, id]),
  cancel: (id) => pack([Kind.Cancel, id]),
  ping: (n) => pack([Kind.Ping, n]),
  pong: (n) => pack([Kind.Pong, n]),
  result: (id, output, plain) => packWith([Kind.Result, id, output], plain),
  error: (id, code, message, data) => packWith([Kind.Error, id, code, message, data]),
  item: (id, item, plain) => packWith([Kind.Item, id, item], plain),
  event: (id, eventId, item) => packWith([Kind.Event, id, eventId, item]),
  done: (id) => pack([Kind.Done, id]),
  goAway: (graceMs) => pack([Kind.GoAway, graceMs]),
  envelope: (env) => packr.pack(forMsgpack(env)),
  hello: (params) => pack([Kind.Hello, params]),
  welcome: () => pack([Kind.Welcome]),
  decode: (data: WireData) => unpackr.unpack(typeof data === 'string' ? textEncoder.encode(data) : data),
  exceeds: (data, limit) => (typeof data === 'string' ? data.length : data.byteLength) > limit,
  peek(data) {
    if (typeof data === 'string' || data.length < 3) return null;
    const t = data[0];
    if (t < 0x92 || t > 0x9f) return null;
    const kind = readUint(data, 1);
    if (kind === null) return null;
    const id = readUint(data, kind[1]);
    return id === null ? null : { kind: kind[0], id: id[0] };
  },
};
