import type { CodecName } from './envelope.js';
import { TAG } from './json-tags.js';
import type { Schema } from './service.js';

/** The parts of a zod 4 schema definition (classic and mini share them) the walk reads. */
interface Def {
  type: string;
  shape?: Record<string, SchemaLike>;
  catchall?: SchemaLike;
  element?: SchemaLike;
  items?: SchemaLike[];
  rest?: SchemaLike | null;
  options?: SchemaLike[];
  innerType?: SchemaLike;
  left?: SchemaLike;
  right?: SchemaLike;
  out?: SchemaLike;
  keyType?: SchemaLike;
  valueType?: SchemaLike;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

interface SchemaLike {
  _zod: { def: Def };
}

/** Kinds whose parsed value is a primitive both codecs carry as it is (zod 4's number refuses NaN and ±Infinity). */
const PRIMITIVE = new Set(['string', 'number', 'boolean', 'null']);
/** Kinds msgpack carries as themselves (timestamp, bigint extension, nil) where JSON needs a tag. */
const MSGPACK_NATIVE = new Set(['date', 'bigint', 'undefined', 'void', 'nan']);
/** Kinds whose parsed value is what their inner schema makes. */
const WRAPPER = new Set(['nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional']);

const plainLiteral = (v: unknown): boolean =>
  typeof v === 'string' || typeof v === 'boolean' || v === null || (typeof v === 'number' && Number.isFinite(v));

/**
 * Whether every value `schema` can parse into travels in `codec` as it is,
 * so its encoder may skip the walk that swaps values the wire has no form for
 * (json-tags.ts, msgpack-types.ts): strings, finite numbers, booleans, null,
 * arrays and the fresh records zod builds for objects (no catch-all keys).
 * JSON also needs no undefined (an optional field keeps an explicit
 * undefined) and no record whose only key may be the tag key `$zw`; msgpack
 * carries Date, bigint and undefined itself and takes records of plain
 * values (only Map and Set need its walk). Anything the walk cannot prove
 * (transforms, lazy, custom, unknown) is not plain: the encoder walks, as it
 * always did. Decided once per method, when the server is built.
 */
export function isPlainSchema(schema: Schema | null, codec: CodecName): boolean {
  return schema !== null && plain(schema as unknown as SchemaLike, codec);
}

function plain(s: SchemaLike | undefined | null, codec: CodecName): boolean {
  if (s === undefined || s === null) return false;
  const def = s._zod.def;
  const all = (list: readonly SchemaLike[] | undefined): boolean => list !== undefined && list.every((x) => plain(x, codec));
  if (PRIMITIVE.has(def.type) || (codec === 'msgpack' && MSGPACK_NATIVE.has(def.type))) return true;
  if (WRAPPER.has(def.type)) return plain(def.innerType, codec);
  switch (def.type) {
    case 'literal':
      return (def.values ?? []).every(plainLiteral);
    case 'enum':
      return Object.values(def.entries ?? {}).every(plainLiteral);
    case 'array':
      return plain(def.element, codec);
    case 'tuple':
      return all(def.items) && (def.rest === null || def.rest === undefined || plain(def.rest, codec));
    case 'union':
      return all(def.options);
    case 'intersection':
      return plain(def.left, codec) && plain(def.right, codec);
    case 'pipe':
      return plain(def.out, codec);
    case 'object': {
      const catchall = def.catchall?._zod.def.type;
      if (catchall !== undefined && catchall !== 'never') return false;
      const shape = def.shape ?? {};
      return (codec !== 'json' || !Object.hasOwn(shape, TAG)) && all(Object.values(shape));
    }
    case 'record':
      return codec === 'msgpack' && plain(def.valueType, codec);
    case 'optional':
      return codec === 'msgpack' && plain(def.innerType, codec);
  }
  return false;
}
