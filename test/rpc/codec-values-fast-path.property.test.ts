/**
 * The Node client's JSON encoder writes a value with nothing to tag through a
 * plain JSON.stringify (no replacer, which V8 runs several times slower). Its
 * text must be the replacer's (the browser client's encoder), byte for byte,
 * whatever the value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonClientCodec, jsonEnvelope } from '../../src/rpc/codec-json.js';
import { stringifyTagged, stringifyTaggedFast } from '../../src/rpc/json-tags.js';
import { wireValue } from './wire-values.js';

class Point {
  constructor(
    readonly x: unknown,
    readonly y: unknown,
  ) {}
}

const FORCE = ',"~":{"$zw":["undefined"]}}';

/**
 * The replacer's text for `v`: beside an undefined field, nothing takes the
 * plain path, and under the key "" `v` is seen as at the root (a toJSON gets
 * the same key).
 */
function viaReplacer(v: unknown): string {
  const text = stringifyTagged({ '': v, '~': undefined }) as string;
  expect(text.startsWith('{"":') && text.endsWith(FORCE)).toBe(true);
  return text.slice(4, -FORCE.length);
}

/** wireValue's payloads, with what only the encoder sees: class instances, null-prototype objects, toJSON, typed arrays other than bytes. */
const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    wireValue(),
    fc.constantFrom(NaN, Infinity, -Infinity, -0, [, 1], [1, ,], { a: undefined }, new Float64Array([NaN, 1.5]), { $zw: 1 }, { $zw: [] }),
    fc.tuple(tie('value'), tie('value')).map(([x, y]) => new Point(x, y)),
    fc.dictionary(fc.constantFrom('a', '$zw', 'toJSON'), tie('value'), { maxKeys: 3 }).map((o) => Object.assign(Object.create(null) as object, o)),
    tie('value').map((v) => ({ toJSON: () => v })),
    tie('value').map((v) => ({ nested: [v], toJSON: (key: string) => ({ key, v }) })),
    fc.tuple(fc.array(tie('value'), { maxLength: 4 }), tie('value')).map(([a, v]) => Object.assign(a, { toJSON: () => v })),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('JSON codec: plain values skip the replacer', () => {
  it('writes every generated value as the replacer does', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(stringifyTaggedFast(v)).toBe(viaReplacer(v));
        const call = viaReplacer(v === undefined ? [1, 7, 'm'] : [1, 7, 'm', v]);
        expect(jsonEnvelope.call(7, 'm', v)).toBe(call);
        expect(jsonClientCodec.call(7, 'm', v)).toBe(call);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes values that hold something to tag, however deep', () => {
    const cases: unknown[] = [
      { at: new Date(0) },
      [1n],
      { m: new Map([[1, 2]]), s: new Set([1]) },
      { b: new Uint8Array([1]) },
      [undefined],
      [NaN],
      { x: Infinity },
      [, 1],
      { $zw: 1 },
      { o: { toJSON: () => new Date(1) } },
      new Point(1, 2),
      Object.assign(Object.create(null) as object, { a: 1 }),
    ];
    for (const v of cases) {
      let deep: unknown = v;
      for (let i = 0; i < 100; i++) deep = i % 2 === 0 ? [deep] : { d: deep };
      expect(stringifyTaggedFast(v)).toBe(viaReplacer(v));
      expect(stringifyTaggedFast(deep)).toBe(viaReplacer(deep));
    }
  });

  it('throws JSON.stringify’s TypeError on a cycle', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = [cycle];
    expect(() => stringifyTaggedFast(cycle)).toThrow(TypeError);
  });
});
