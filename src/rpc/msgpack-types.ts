import { addExtension } from 'msgpackr';
import { rewrite } from './rewrite.js';

/*
 * msgpackr writes a Map as a plain msgpack map, which reads back as an object,
 * and a Set as an array unless `moreTypes` is on (which also turns a Node
 * Uint8Array into a typed-array extension). So the codec swaps Maps and Sets
 * for these holders before packing, and extensions carry them: a one-byte tag
 * (fixext 1: 0xd4, type, 0) followed by the entries as an array. 0x73 is
 * msgpackr's own Set tag; 0x6d is zwire's Map tag, entries as [key, value]
 * pairs. Registering is global to this msgpackr instance, but only these
 * private classes pack with them.
 */
class MapEntries {
  constructor(readonly entries: unknown[][]) {}
}
class SetItems {
  constructor(readonly items: unknown[]) {}
}

/** msgpack extension type of a Map (followed by an array of [key, value] pairs). */
export const MAP_EXT = 0x6d;
/** msgpack extension type of a Set (followed by an array of its values), as msgpackr's `moreTypes` writes it. */
export const SET_EXT = 0x73;

addExtension({ Class: MapEntries, type: MAP_EXT, write: (m: MapEntries) => m.entries, read: (entries: [unknown, unknown][]) => new Map(entries) });
addExtension({ Class: SetItems, type: SET_EXT, write: (s: SetItems) => s.items, read: (items: unknown[]) => new Set(items) });

function leaf(v: unknown): unknown {
  if (v instanceof Map) return new MapEntries(Array.from(v, ([k, x]) => [forMsgpack(k), forMsgpack(x)]));
  if (v instanceof Set) return new SetItems(Array.from(v, forMsgpack));
  return v;
}

/** The value msgpackr should pack for `value`: itself when it holds no Map or Set (no copy). */
export function forMsgpack(value: unknown): unknown {
  return rewrite(value, leaf);
}
