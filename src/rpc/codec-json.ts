import { exceedsLimit, type EnvelopeCodec, type WireData } from './codec.js';
import { Kind } from './envelope.js';
import { TAG, fromTagged, toTagged } from './json-tags.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const quoted = new Map<string, string>();

/** JSON text of a method name, cached: services have few names. */
function q(name: string): string {
  let s = quoted.get(name);
  if (s === undefined) {
    s = JSON.stringify(name);
    if (quoted.size < 4096) quoted.set(name, s);
  }
  return s;
}

/** `,payload` or nothing when the payload is undefined (the field is then absent). */
function tail(value: unknown): string {
  if (value === undefined) return ']';
  const s = JSON.stringify(toTagged(value)) as string | undefined;
  return s === undefined ? ']' : ',' + s + ']';
}

// Only a message that mentions the tag key can hold a tag: the others skip the walk.
const QUOTED_TAG = JSON.stringify(TAG);

function parse(text: string): unknown {
  const v: unknown = JSON.parse(text);
  return text.includes(QUOTED_TAG) ? fromTagged(v) : v;
}

const PEEK = /^\s*\[\s*(\d{1,2})\s*,\s*(\d{1,16})\s*[,\]]/;

/**
 * Envelopes as JSON arrays in text messages. Payload values JSON has no form
 * for (Date, bigint, Map, Set, Uint8Array, undefined, NaN, ±Infinity) travel
 * as tagged objects (json-tags.ts), so they arrive as they were sent.
 */
export const jsonEnvelope: EnvelopeCodec = {
  name: 'json',
  binary: false,
  call: (id, method, input) => `[${Kind.Call},${id},${q(method)}${tail(input)}`,
  notify: (method, input) => `[${Kind.Notify},${q(method)}${tail(input)}`,
  stream: (id, method, credit, lastEventId, input) =>
    `[${Kind.Stream},${id},${q(method)},${credit},${lastEventId === undefined ? 'null' : JSON.stringify(lastEventId)}${tail(input)}`,
  clientStream: (id, method) => `[${Kind.ClientStream},${id},${q(method)}]`,
  push: (id, item) => `[${Kind.Push},${id}${tail(item)}`,
  credit: (id, n) => `[${Kind.Credit},${id},${n}]`,
  end: (id) => `[${Kind.End},${id}]`,
  cancel: (id) => `[${Kind.Cancel},${id}]`,
  ping: (n) => `[${Kind.Ping},${n}]`,
  pong: (n) => `[${Kind.Pong},${n}]`,
  result: (id, output) => `[${Kind.Result},${id}${tail(output)}`,
  error: (id, code, message, data) => `[${Kind.Error},${id},${q(code)},${JSON.stringify(message)}${tail(data)}`,
  item: (id, item) => `[${Kind.Item},${id}${tail(item)}`,
  event: (id, eventId, item) => `[${Kind.Event},${id},${JSON.stringify(eventId)}${tail(item)}`,
  done: (id) => `[${Kind.Done},${id}]`,
  goAway: (graceMs) => `[${Kind.GoAway},${graceMs}]`,
  envelope: (env) => JSON.stringify(toTagged(env)),
  decode: (data: WireData) => parse(typeof data === 'string' ? data : decoder.decode(data)),
  exceeds: exceedsLimit,
  peek(data) {
    const head = typeof data === 'string' ? data.slice(0, 40) : decoder.decode(data.subarray(0, 40), { stream: true });
    const m = PEEK.exec(head);
    return m === null ? null : { kind: Number(m[1]), id: Number(m[2]) };
  },
};
