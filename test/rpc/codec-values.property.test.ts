/**
 * Both RPC codecs deliver the values the types promise (Date, bigint, Map,
 * Set, Uint8Array, undefined, NaN, ±Infinity) as they were sent, in every
 * envelope that carries a payload; and JSON user data shaped like a tag is
 * never read as one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EnvelopeCodec } from '../../src/rpc/codec.js';
import { jsonEnvelope } from '../../src/rpc/codec-json.js';
import { msgpackEnvelope } from '../../src/rpc/codec-msgpack.js';
import { Kind } from '../../src/rpc/envelope.js';
import { delivered, wireValue } from './wire-values.js';

/** Each payload-carrying envelope with `v` in it, and where the payload sits in the decoded array. */
function envelopes(codec: EnvelopeCodec, v: unknown): [kind: number, wire: string | Uint8Array, at: number][] {
  return [
    [Kind.Call, codec.call(3, 'm', v), 3],
    [Kind.Notify, codec.notify('m', v), 2],
    [Kind.Stream, codec.stream(3, 'm', 64, 'e1', v), 5],
    [Kind.Push, codec.push(3, v), 2],
    [Kind.Result, codec.result(3, v), 2],
    [Kind.Error, codec.error(3, 'APP_X', 'message', v), 4],
    [Kind.Item, codec.item(3, v), 2],
    [Kind.Event, codec.event(3, 'e1', v), 3],
  ];
}

describe.each([
  ['json', jsonEnvelope, true],
  ['msgpack', msgpackEnvelope, false],
] as const)('%s codec', (_name, codec, protoKey) => {
  it('delivers generated payloads as they were sent, in every envelope', () => {
    fc.assert(
      fc.property(wireValue(protoKey), (v) => {
        const want = delivered(v);
        for (const [kind, wire, at] of envelopes(codec, v)) {
          const env = codec.decode(wire) as unknown[];
          expect(env[0]).toBe(kind);
          // An undefined payload is left out of the envelope: the array is shorter.
          expect(env.length).toBe(v === undefined ? at : at + 1);
          expect(delivered(env[at])).toStrictEqual(want);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the kinds apart: Map vs object, Set vs array, bigint vs number, Date vs string, bytes vs array', () => {
    const v = {
      map: new Map<unknown, unknown>([['a', 1], [2, 'two'], [new Date(0), { deep: new Set([1n]) }]]),
      record: { a: 1 },
      set: new Set([1, 'x']),
      list: [1, 'x'],
      big: 2n ** 64n + 1n,
      small: 7n,
      negative: -(2n ** 70n),
      num: 7,
      date: new Date('2024-02-29T12:34:56.789Z'),
      iso: '2024-02-29T12:34:56.789Z',
      invalid: new Date(NaN),
      bytes: new Uint8Array([0, 1, 254, 255]),
      empty: new Uint8Array(0),
      numbers: [1, 2],
      gone: undefined,
      holes: [undefined, , 3],
      special: [NaN, Infinity, -Infinity, -0],
    };
    const got = codec.decode(codec.result(1, v)) as [number, number, typeof v];
    const out = got[2];
    expect(out.map).toBeInstanceOf(Map);
    expect(out.map.get(2)).toBe('two');
    expect(out.record).not.toBeInstanceOf(Map);
    expect(out.set).toBeInstanceOf(Set);
    expect(Array.isArray(out.list)).toBe(true);
    expect(out.big).toBe(2n ** 64n + 1n);
    expect(out.small).toBe(7n);
    expect(out.negative).toBe(-(2n ** 70n));
    expect(out.num).toBe(7);
    expect(out.date).toBeInstanceOf(Date);
    expect(out.date.toISOString()).toBe('2024-02-29T12:34:56.789Z');
    expect(out.iso).toBe('2024-02-29T12:34:56.789Z');
    expect(Number.isNaN(out.invalid.getTime())).toBe(true);
    expect(out.bytes).toBeInstanceOf(Uint8Array);
    expect([...out.bytes]).toEqual([0, 1, 254, 255]);
    expect(out.empty).toBeInstanceOf(Uint8Array);
    expect(Array.isArray(out.numbers)).toBe(true);
    expect(Object.hasOwn(out, 'gone')).toBe(true);
    expect(out.gone).toBeUndefined();
    expect(out.holes).toStrictEqual([undefined, undefined, 3]);
    expect(out.special[0]).toBeNaN();
    expect(out.special.slice(1)).toStrictEqual([Infinity, -Infinity, 0]);
    expect(delivered(out)).toStrictEqual(delivered(v));
  });

  it('sends an object of a class and a null-prototype object as plain objects, and leaves toJSON to it', () => {
    class Point {
      constructor(readonly x: number, readonly at: Date) {}
    }
    const bare = Object.assign(Object.create(null) as object, { when: new Date(1), n: 1n });
    const custom = { toJSON: () => 'custom' };
    const out = (codec.decode(codec.result(1, { p: new Point(1, new Date(2)), bare, custom })) as unknown[])[2];
    expect(out).toStrictEqual({ p: { x: 1, at: new Date(2) }, bare: { when: new Date(1), n: 1n }, custom: 'custom' });
  });
});

describe('JSON codec: the tagged encoding', () => {
  it('sends a payload without special values exactly as JSON.stringify does, and the same object is not copied', () => {
    const v = { a: 1, b: ['x', { c: null, d: true }], e: 'a "$zw" string' };
    expect(jsonEnvelope.result(1, v)).toBe(`[11,1,${JSON.stringify(v)}]`);
  });

  it('writes the documented tags', () => {
    const wire = jsonEnvelope.result(1, {
      d: new Date(Date.UTC(2024, 0, 2)),
      n: 12n,
      m: new Map([[1, 'one']]),
      s: new Set(['a']),
      b: new Uint8Array([1, 2, 3]),
      u: undefined,
      x: [NaN, -Infinity],
      o: { $zw: 1 },
    });
    expect(wire).toBe(
      '[11,1,{"d":{"$zw":["Date","2024-01-02T00:00:00.000Z"]},"n":{"$zw":["bigint","12"]},"m":{"$zw":["Map",[[1,"one"]]]},' +
        '"s":{"$zw":["Set",["a"]]},"b":{"$zw":["bytes","AQID"]},"u":{"$zw":["undefined"]},' +
        '"x":[{"$zw":["number","NaN"]},{"$zw":["number","-Infinity"]}],"o":{"$zw":["$zw",1]}}]',
    );
  });

  it('does not read user data shaped like a tag as a tag', () => {
    const lookalikes = [
      { $zw: ['Date', '2024-01-02T00:00:00.000Z'] },
      { $zw: ['bigint', '12'] },
      { $zw: ['undefined'] },
      { $zw: ['$zw', { $zw: ['Set', []] }] },
      { $zw: { $zw: ['Map', []] } },
      { $zw: ['nope'] },
      { $zw: 5 },
      { $zw: ['Date', 'x'], other: 1 },
      ['$zw', ['Date', 'x']],
      '{"$zw":["Date","x"]}',
      new Map([[{ $zw: ['bigint', '1'] }, { $zw: ['bytes', ''] }]]),
    ];
    const out = (jsonEnvelope.decode(jsonEnvelope.result(1, lookalikes)) as unknown[])[2];
    expect(out).toStrictEqual(lookalikes);
  });

  it('refuses a malformed tag from the wire', () => {
    for (const bad of [
      '[11,1,{"$zw":5}]',
      '[11,1,{"$zw":{}}]',
      '[11,1,{"$zw":[]}]',
      '[11,1,{"$zw":["nope"]}]',
      '[11,1,{"$zw":["bigint","1.5"]}]',
      '[11,1,{"$zw":["bigint"]}]',
      '[11,1,{"$zw":["bytes","***"]}]',
      '[11,1,{"$zw":["Map",[1]]}]',
      '[11,1,{"$zw":["Set",5]}]',
    ]) {
      expect(() => jsonEnvelope.decode(bad), bad).toThrow();
    }
  });
});

describe('msgpack codec: extensions', () => {
  it('uses msgpack timestamp, bin, fixext-0 undefined, and the Set (0x73) and Map (0x6d) tags', () => {
    const hex = (v: unknown): string => Buffer.from(msgpackEnvelope.result(1, v)).toString('hex');
    // [11, 1, payload]: 93 0b 01, then the payload
    expect(hex(new Date(1000))).toBe('930b01' + 'd6ff00000001');
    expect(hex(new Uint8Array([7]))).toBe('930b01' + 'c40107');
    expect(hex([undefined])).toBe('930b01' + '91d40000');
    expect(hex(new Set([1]))).toBe('930b01' + 'd4730091' + '01');
    expect(hex(new Map([['a', 1]]))).toBe('930b01' + 'd46d0091' + '92a16101');
    expect(hex(5n)).toBe('930b01' + 'd30000000000000005');
  });

  it('refuses the structured-clone extensions (they build cycles) on input', () => {
    // fixext4 0x69 (object id 1) on an array holding a pointer (0x70) back to it: msgpackr would build a cyclic array
    const cyclic = Buffer.from('930b01' + 'd66900000001' + '91' + 'd67000000001', 'hex');
    expect(() => msgpackEnvelope.decode(cyclic)).toThrow(/Structured clone extension is disabled/);
  });
});
