import { exceedsLimit, type CallMeta, type ClientCodec, type EnvelopeCodec, type WireData } from './codec.js';
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

/** tail() of a payload proved plain (never undefined): no walk. */
function plainTail(value: unknown): string {
  return ',' + JSON.stringify(value) + ']';
}

/** `,payload,meta]` when there is meta (an absent payload then travels as the undefined tag), else tail(payload). */
function withMeta(value: unknown, meta: CallMeta | undefined): string {
  return meta === undefined ? tail(value) : ',' + JSON.stringify(toTagged(value)) + tail(meta);
}

// Only a message that mentions the tag key can hold a tag: the others skip the walk.
const QUOTED_TAG = JSON.stringify(TAG);

function parse(text: string): unknown {
  const v: unknown = JSON.parse(text);
  return text.includes(QUOTED_TAG) ? fromTagged(v) : v;
}

const PEEK = /^\s*\[\s*(\d{1,2})\s*,\s*(\d{1,16})\s*[,\]]/;

/** The JSON codec's client half (see ClientCodec): a browser bundle carries no encoder of the server's envelopes. */
export const jsonClientCodec: ClientCodec = {
  name: 'json',
  binary: false,
  call: (id, method, input, meta) => `[${Kind.Call},${id},${q(method)}${withMeta(input, meta)}`,
  notify: (method, input, meta) => `[${Kind.Notify},${q(method)}${withMeta(input, meta)}`,
  stream: (id, method, credit, lastEventId, input, meta) =>
    `[${Kind.Stream},${id},${q(method)},${credit},${lastEventId === undefined ? 'null' : JSON.stringify(lastEventId)}${withMeta(input, meta)}`,
  clientStream: (id, method, meta) => `[${Kind.ClientStream},${id},${q(method)}${tail(meta)}`,
  push: (id, item) => `[${Kind.Push},${id}${tail(item)}`,
  credit: (id, n) => `[${Kind.Credit},${id},${n}]`,
  end: (id) => `[${Kind.End},${id}]`,
  cancel: (id) => `[${Kind.Cancel},${id}]`,
  ping: (n) => `[${Kind.Ping},${n}]`,
  pong: (n) => `[${Kind.Pong},${n}]`,
  envelope: (env) => JSON.stringify(toTagged(env)),
  hello: (params) => `[${Kind.Hello},${JSON.stringify(params)}]`,
  decode: (data: WireData) => parse(typeof data === 'string' ? data : decoder.decode(data)),
  exceeds: exceedsLimit,
};

/**
 * Envelopes as JSON arrays in text messages. Payload values JSON has no form
 * for (Date, bigint, Map, Set, Uint8Array, undefined, NaN, ±Infinity) travel
 * as tagged objects (json-tags.ts), so they arrive as they were sent.
 */
// Object.assign marked pure (a spread is not) lets a bundler drop this half when only the client half is used.
export const jsonEnvelope: EnvelopeCodec = /* @__PURE__ */ Object.assign({}, jsonClientCodec, {
  result: (id, output, plain) => `[${Kind.Result},${id}${plain === true ? plainTail(output) : tail(output)}`,
  error: (id, code, message, data) => `[${Kind.Error},${id},${q(code)},${JSON.stringify(message)}${tail(data)}`,
  item: (id, item, plain) => `[${Kind.Item},${id}${plain === true ? plainTail(item) : tail(item)}`,
  event: (id, eventId, item) => `[${Kind.Event},${id},${JSON.stringify(eventId)}${tail(item)}`,
  done: (id) => `[${Kind.Done},${id}]`,
  goAway: (graceMs) => `[${Kind.GoAway},${graceMs}]`,
  welcome: () => `[${Kind.Welcome}]`,
  peek(data) {
    const head = typeof data === 'string' ? data.slice(0, 40) : decoder.decode(data.subarray(0, 40), { stream: true });
    const m = PEEK.exec(head);
    return m === null ? null : { kind: Number(m[1]), id: Number(m[2]) };
  },
} satisfies Omit<EnvelopeCodec, keyof ClientCodec>);
