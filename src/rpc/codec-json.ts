import { exceedsLimit, type ClientCodec, type EnvelopeCodec, type WireData } from './codec.js';
import * as Kind from './kinds.js';
import { TAG, fromTagged, stringifyTagged, stringifyTaggedFast, toTagged } from './json-tags.js';

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

// Only a message that mentions the tag key can hold a tag: the others skip the walk.
const QUOTED_TAG = JSON.stringify(TAG);

function parse(text: string): unknown {
  const v: unknown = JSON.parse(text);
  return text.includes(QUOTED_TAG) ? fromTagged(v) : v;
}

const PEEK = /^\s*\[\s*(\d{1,2})\s*,\s*(\d{1,16})\s*[,\]]/;

/**
 * The JSON codec's client half (see ClientCodec) over a tagged stringify: a
 * browser bundle carries no encoder of the server's envelopes.
 */
function jsonClient(stringify: (value: unknown) => string | undefined): ClientCodec {
  /** A client envelope: its fields as a JSON array, trailing undefined fields left out (an undefined payload followed by meta travels as its tag). */
  const fields = (...f: unknown[]): string => {
    let n = f.length;
    while (n > 0 && f[n - 1] === undefined) n--;
    f.length = n;
    return stringify(f) as string;
  };
  return {
    name: 'json',
    binary: false,
    call: (id, method, input, meta) => fields(Kind.Call, id, method, input, meta),
    notify: (method, input, meta) => fields(Kind.Notify, method, input, meta),
    stream: (id, method, credit, lastEventId, input, meta) => fields(Kind.Stream, id, method, credit, lastEventId ?? null, input, meta),
    clientStream: (id, method, meta) => fields(Kind.ClientStream, id, method, meta),
    push: (id, item) => fields(Kind.Push, id, item),
    credit: (id, n) => fields(Kind.Credit, id, n),
    end: (id) => fields(Kind.End, id),
    cancel: (id) => fields(Kind.Cancel, id),
    ping: (n) => fields(Kind.Ping, n),
    pong: (n) => fields(Kind.Pong, n),
    envelope: (env) => stringify(env) as string,
    hello: (params) => fields(Kind.Hello, params),
    decode: (data: WireData) => parse(typeof data === 'string' ? data : decoder.decode(data)),
    exceeds: exceedsLimit,
  };
}

/** The browser client's JSON codec: encodes through the replacer alone (stringifyTagged), the smallest code. */
export const jsonClientCodec: ClientCodec = /* @__PURE__ */ jsonClient(stringifyTagged);

/**
 * Envelopes as JSON arrays in text messages. Payload values JSON has no form
 * for (Date, bigint, Map, Set, Uint8Array, undefined, NaN, ±Infinity) travel
 * as tagged objects (json-tags.ts), so they arrive as they were sent.
 */
// Both calls marked pure (a spread cannot be) let a bundler drop this codec when only the client half is used.
export const jsonEnvelope: EnvelopeCodec = /* @__PURE__ */ Object.assign(/* @__PURE__ */ jsonClient(stringifyTaggedFast), {
  result: (id, output, plain) => `[${Kind.Result},${id}${plain === true ? plainTail(output) : tail(output)}`,
  error: (id, code, message, data) => `[${Kind.Error},${id},${q(code)},${JSON.stringify(message)}${tail(data)}`,
  item: (id, item, plain) => `[${Kind.Item},${id}${plain === true ? plainTail(item) : tail(item)}`,
  event: (id, eventId, item) => `[${Kind.Event},${id},${JSON.stringify(eventId)}${tail(item)}`,
  done: (id) => `[${Kind.Done},${id}]`,
  goAway: (graceMs) => `[${Kind.GoAway},${graceMs}]`,
  welcome: () => `[${Kind.Welcome}]`,
  // the server's topic envelopes (publications fan out): the walk, faster than the client's replacer
  envelope: (env) => JSON.stringify(toTagged(env)),
  peek(data) {
    const head = typeof data === 'string' ? data.slice(0, 40) : decoder.decode(data.subarray(0, 40), { stream: true });
    const m = PEEK.exec(head);
    return m === null ? null : { kind: Number(m[1]), id: Number(m[2]) };
  },
} satisfies Omit<EnvelopeCodec, keyof ClientCodec> & Pick<EnvelopeCodec, 'envelope'>);
