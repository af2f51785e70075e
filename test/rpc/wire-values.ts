/**
 * Generated payloads holding every kind of value the RPC codecs promise to
 * carry (Date, bigint, Map, Set, Uint8Array, undefined, NaN, ±Infinity)
 * nested in objects, arrays, Maps and Sets, with keys that look like the JSON
 * codec's tag, and what such a value looks like after the wire.
 */
import fc from 'fast-check';

// Not 'constructor': vitest's toStrictEqual compares objects' `constructor` properties.
const key = fc.oneof(fc.constantFrom('$zw', 'a', 'b', '__proto__', 'toJSON'), fc.string({ maxLength: 6 }).filter((k) => k !== 'constructor'));

const leaf = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('$zw', '"$zw"', '{"$zw":["Date","x"]}'),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 130n), max: 2n ** 130n }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date(),
  fc.uint8Array({ maxLength: 40 }),
);

/** Any payload; `protoKey` false leaves out objects with a `__proto__` key (msgpackr renames it, see docs). */
export function wireValue(protoKey = true): fc.Arbitrary<unknown> {
  const keys = protoKey ? key : key.filter((k) => k !== '__proto__');
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('value'), { maxLength: 5 }),
      fc.sparseArray(tie('value'), { maxLength: 5 }),
      fc.dictionary(keys, tie('value'), { maxKeys: 5, noNullPrototype: true }),
      // An object shaped like a tag: the one key the JSON codec reserves, with a tag-like value.
      fc.tuple(fc.constantFrom('Date', 'bigint', 'Map', '$zw', 'undefined', 'nope'), tie('value')).map((t) => ({ $zw: t })),
      fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
      fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
    ),
  })).value;
}

/**
 * The value as both codecs deliver it: -0 as 0, array holes as undefined,
 * Node Buffers (msgpack's bin in Node) as plain Uint8Arrays.
 */
export function delivered(v: unknown): unknown {
  if (Object.is(v, -0)) return 0;
  if (typeof v !== 'object' || v === null || v instanceof Date) return v;
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return Array.from(v, delivered);
  if (v instanceof Map) return new Map(Array.from(v, ([k, x]) => [delivered(k), delivered(x)]));
  if (v instanceof Set) return new Set(Array.from(v, delivered));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: delivered(x), enumerable: true, writable: true, configurable: true });
  return out;
}
