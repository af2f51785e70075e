/** A value a codec carries as a whole (never walked into): Date, Map, Set, typed arrays. */
function opaque(o: object): boolean {
  return o instanceof Date || o instanceof Map || o instanceof Set || ArrayBuffer.isView(o);
}

/** Sets a field of a copy; a key named __proto__ stays a key (an assignment would set the prototype). */
function put(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * Rebuilds `value` with `leaf` applied to every value that is neither an array
 * nor a plain record (strings and booleans excepted: no codec changes them),
 * copying only the arrays and records on the path to a change: a value with
 * nothing to change comes back as itself, uncopied. `record` sees each record
 * after its fields (the rebuilt copy, or the original) with its keys, and may
 * replace it. Array holes reach `leaf` as undefined (and stay holes unless
 * `leaf` replaces undefined). An object with a toJSON method (other than a
 * Date) stands for what toJSON returns, as in JSON.stringify, whichever the
 * codec.
 */
export function rewrite(
  value: unknown,
  leaf: (v: unknown) => unknown,
  record?: (o: object, keys: string[]) => unknown,
): unknown {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value !== 'object' || value === null || opaque(value)) return leaf(value);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value);
    if (json !== value) return rewrite(json, leaf, record);
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const x: unknown = value[i];
      const y = rewrite(x, leaf, record);
      if (out !== undefined) out.push(y);
      else if (!Object.is(y, x)) (out = value.slice(0, i)).push(y);
    }
    return out ?? value;
  }
  const src = value as Record<string, unknown>;
  const keys = Object.keys(src);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const x = src[keys[i]];
    const y = rewrite(x, leaf, record);
    if (out === undefined && !Object.is(y, x)) {
      out = {};
      for (let j = 0; j < i; j++) put(out, keys[j], src[keys[j]]);
    }
    if (out !== undefined) put(out, keys[i], y);
  }
  return record === undefined ? (out ?? src) : record(out ?? src, keys);
}
