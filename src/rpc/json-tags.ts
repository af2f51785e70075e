import { fromBase64, toBase64 } from './base64.js';
import { rewrite } from './rewrite.js';

/**
 * The key of a tagged value in the JSON codec: `{"$zw":[type, payload?]}`
 * stands for a value JSON has no form for (docs/rpc-protocol.md lists the
 * types). A user object whose only key is `$zw` is sent as the `$zw` tag, so
 * user data is never read as a tag.
 */
export const TAG = '$zw';

const tag = (...t: unknown[]): unknown => ({ [TAG]: t });

/** The tag of a number JSON cannot write (NaN, ±Infinity), of a bigint or of undefined; else the value itself. */
function scalar(v: unknown): unknown {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : tag('number', String(v));
    case 'bigint':
      return tag('bigint', String(v));
    case 'undefined':
      return tag('undefined');
  }
  return v;
}

/** The tag of any value JSON has no form for (a Map's and a Set's contents walked), else the value itself. */
function leaf(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return scalar(v);
  // Date's toJSON: the ISO string, or null for an invalid date.
  return v instanceof Date
    ? tag('Date', v.toJSON())
    : v instanceof Uint8Array
      ? tag('bytes', toBase64(v))
      : v instanceof Map
        ? tag('Map', Array.from(v, (e: unknown[]) => e.map(toTagged)))
        : v instanceof Set
          ? tag('Set', Array.from(v, toTagged))
          : v;
}

const escape = (o: object, keys: string[]): unknown =>
  keys.length === 1 && keys[0] === TAG ? tag(TAG, (o as Record<string, unknown>)[TAG]) : o;

/**
 * The value JSON.stringify should see for `value`: the value itself when it
 * holds nothing JSON cannot carry (no copy), else a copy with tags. The
 * server's encoders use it: this walk and a plain JSON.stringify take about
 * half the time of stringifyTagged's replacer.
 */
export function toTagged(value: unknown): unknown {
  return rewrite(value, leaf, escape);
}

/**
 * JSON.stringify's replacer for the same encoding. It sees each value after
 * its toJSON, so a Date (and a Node Buffer) is read from its holder instead.
 * What it returns is serialized in turn, with the replacer: the contents of a
 * Map or a Set, and of an escaped `$zw` object, are tagged on the way.
 */
function tagged(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // The elements of typed arrays other than bytes stay as JSON.stringify writes them (NaN as null), as in toTagged.
  if (ArrayBuffer.isView(this)) return value;
  const held = this[key];
  const v = held instanceof Date || held instanceof Uint8Array ? held : value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return scalar(v);
  if (v instanceof Date) return tag('Date', v.toJSON());
  if (v instanceof Uint8Array) return tag('bytes', toBase64(v));
  if (v instanceof Map) return tag('Map', Array.from(v));
  if (v instanceof Set) return tag('Set', Array.from(v));
  return escape(v, Object.keys(v));
}

/**
 * Whether JSON.stringify writes `v` as the tagged encoding does: nothing in it
 * to tag or to hand to a toJSON. V8 runs JSON.stringify several times slower
 * with a replacer, so such a value goes without one. Depth is bounded so that
 * a cycle reaches the replacer's path (and JSON.stringify's TypeError).
 */
function plain(v: unknown, depth: number): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v !== 'object') return Number.isFinite(v);
  if (depth > 64 || 'toJSON' in v) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if (Array.isArray(v)) {
    if (proto !== Array.prototype) return false;
    for (let i = 0; i < v.length; i++) if (!plain(v[i], depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype) return false;
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === TAG) return false;
  for (const k of keys) if (!plain((v as Record<string, unknown>)[k], depth + 1)) return false;
  return true;
}

/**
 * JSON text of `value` with the values JSON has no form for tagged, for the
 * client's encoders (a browser bundle carries no walk): the same text as
 * JSON.stringify(toTagged(value)) except around a toJSON of the caller's own:
 * here it is called with the property's key (the walk passes none) and a
 * toJSON on what it returned is not called again (the walk's stringify calls
 * it). undefined when `value` is a function or a symbol (as JSON.stringify).
 * The browser client's encoder: the smallest.
 */
export function stringifyTagged(value: unknown): string | undefined {
  return JSON.stringify(value, tagged);
}

/**
 * stringifyTagged's text, written without the replacer when `value` has
 * nothing to tag (see plain): the Node client's encoder, faster, at the cost
 * of the check's code, which a browser bundle leaves out.
 */
export function stringifyTaggedFast(value: unknown): string | undefined {
  return plain(value, 0) ? JSON.stringify(value) : stringifyTagged(value);
}

function untag([type, p]: unknown[]): unknown {
  switch (type) {
    case 'Date':
      return new Date((p as string | null) ?? NaN);
    case 'bigint':
      return BigInt(p as string);
    case 'bytes':
      return fromBase64(p as string);
    case 'Map':
      return new Map((p as unknown[][]).map((e) => e.map(fromTagged) as [unknown, unknown]));
    case 'Set':
      return new Set((p as unknown[]).map(fromTagged));
    case 'undefined':
      return undefined;
    case 'number':
      return Number(p);
    case TAG:
      return { [TAG]: fromTagged(p) };
  }
  throw new TypeError(`unknown tag ${String(type)}`);
}

/**
 * Replaces the tags in a value fresh from JSON.parse (in place); throws on a
 * malformed tag.
 */
export function fromTagged(v: unknown): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = fromTagged(v[i]);
  } else if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === TAG) return untag(o[TAG] as unknown[]);
    for (const k of keys) o[k] = fromTagged(o[k]);
  }
  return v;
}
