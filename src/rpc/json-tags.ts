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

function leaf(v: unknown): unknown {
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : tag('number', String(v));
    case 'bigint':
      return tag('bigint', String(v));
    case 'undefined':
      return tag('undefined');
  }
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
 * holds nothing JSON cannot carry (no copy), else a copy with tags.
 */
export function toTagged(value: unknown): unknown {
  return rewrite(value, leaf, escape);
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
