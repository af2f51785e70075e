/**
 * The fast path of the server's encoders: an output schema that proves its
 * values need no codec walk (no Date, bigint, Map, Set, Uint8Array,
 * undefined, tag-shaped record for JSON; no Map or Set for msgpack) lets
 * results and items skip it. Which schemas are plain, per codec; and, over
 * generated values, the plain encoding is byte for byte the walked one for a
 * plain schema, while for the schemas just past the line it would not be.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { jsonEnvelope } from '../../src/rpc/codec-json.js';
import { msgpackEnvelope } from '../../src/rpc/codec-msgpack.js';
import type { EnvelopeCodec } from '../../src/rpc/codec.js';
import { isPlainSchema } from '../../src/rpc/plain-schema.js';
import type { Schema } from '../../src/rpc/service.js';

const s = (schema: z.core.$ZodType): Schema => schema as Schema;

const text = fc.string({ maxLength: 10 });
const num = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));

/** Plain for both codecs, with values it parses. */
const plainBoth: [string, Schema, fc.Arbitrary<unknown>][] = [
  ['the benchmark greeting', s(z.object({ message: z.string() })), fc.record({ message: text })],
  [
    'nested objects, arrays, tuples, unions, enums, literals, nullables, defaults',
    s(
      z.object({
        id: z.number().int(),
        name: z.string(),
        tags: z.array(z.string()),
        pos: z.tuple([z.number(), z.number()]),
        kind: z.enum(['a', 'b']),
        v: z.literal(1),
        either: z.union([z.string(), z.number(), z.null()]),
        parent: z.object({ ok: z.boolean() }).nullable(),
        level: z.number().default(0),
        strict: z.strictObject({ x: z.string() }),
      }),
    ),
    fc.record({
      id: fc.integer(),
      name: text,
      tags: fc.array(text, { maxLength: 3 }),
      pos: fc.tuple(num, num),
      kind: fc.constantFrom('a', 'b'),
      v: fc.constant(1),
      either: fc.oneof(text, num, fc.constant(null)),
      parent: fc.option(fc.record({ ok: fc.boolean() }), { nil: null }),
      level: num,
      strict: fc.record({ x: text }),
    }),
  ],
  ['zod/mini', s(zm.object({ a: zm.string(), b: zm.array(zm.number()) })), fc.record({ a: text, b: fc.array(num, { maxLength: 3 }) })],
];

/** Plain for msgpack only: values JSON must tag. */
const msgpackOnly: [string, Schema, fc.Arbitrary<unknown>][] = [
  ['a Date', s(z.object({ at: z.date() })), fc.record({ at: fc.date({ noInvalidDate: true }) })],
  ['a bigint', s(z.object({ n: z.bigint() })), fc.record({ n: fc.bigInt() })],
  ['an optional field (an explicit undefined stays)', s(z.object({ a: z.string().optional() })), fc.record({ a: fc.option(text, { nil: undefined }) })],
  ['the tag key as a field', s(z.object({ $zw: z.string() })), fc.record({ $zw: text })],
  ['a record', s(z.record(z.string(), z.number())), fc.dictionary(fc.constantFrom('$zw', 'a', 'b'), num, { maxKeys: 2 })],
];

/** Plain for neither codec. */
const neither: [string, Schema, fc.Arbitrary<unknown>][] = [
  ['a Map', s(z.object({ m: z.map(z.string(), z.number()) })), fc.record({ m: fc.array(fc.tuple(text, num), { maxLength: 3 }).map((e) => new Map(e)) })],
  ['a Set', s(z.set(z.string())), fc.array(text, { maxLength: 3 }).map((a) => new Set(a))],
  ['a loose object (extra keys pass through)', s(z.looseObject({ n: z.number() })), fc.record({ n: num, when: fc.constant(new Map([[1, 2]])) })],
  ['unknown', s(z.unknown()), fc.constant(new Set([1]))],
  ['a transform', s(z.string().transform((x) => new Map([[x, x]]))), text],
];

/** Not plain for either codec though their values would pass unchanged: what the walk cannot prove it leaves to the encoder. */
const unproven: Schema[] = [s(z.lazy(() => z.string())), s(z.instanceof(Uint8Array)), s(z.any())];

const codecs: [string, EnvelopeCodec][] = [
  ['json', jsonEnvelope],
  ['msgpack', msgpackEnvelope],
];

/** The result and item envelopes of `v`, walked and plain. */
function encodings(codec: EnvelopeCodec, v: unknown, plain: boolean): unknown[] {
  return [codec.result(9, v, plain), codec.item(9, v, plain)];
}

/** encodings(), or the error the encoder threw (JSON.stringify refuses a bigint). */
function encodeOrError(codec: EnvelopeCodec, v: unknown, plain: boolean): unknown {
  try {
    return encodings(codec, v, plain);
  } catch (err) {
    return err;
  }
}

describe('isPlainSchema', () => {
  it('decides per codec', () => {
    for (const [, schema] of plainBoth) expect([isPlainSchema(schema, 'json'), isPlainSchema(schema, 'msgpack')]).toEqual([true, true]);
    for (const [, schema] of msgpackOnly) expect([isPlainSchema(schema, 'json'), isPlainSchema(schema, 'msgpack')]).toEqual([false, true]);
    for (const schema of [...neither.map((n) => n[1]), ...unproven]) {
      expect([isPlainSchema(schema, 'json'), isPlainSchema(schema, 'msgpack')]).toEqual([false, false]);
    }
    expect(isPlainSchema(null, 'json')).toBe(false);
  });

  describe.each(codecs)('%s', (name, codec) => {
    const plainHere = [...plainBoth, ...(name === 'msgpack' ? msgpackOnly : [])];
    it.each(plainHere)('encodes values of a plain schema (%s) byte for byte as the walk does', (_label, schema, values) => {
      expect(isPlainSchema(schema, codec.name)).toBe(true);
      fc.assert(
        fc.property(values, (v) => {
          const parsed = schema.safeParse(v);
          if (!parsed.success) throw new Error(`a generated value failed its schema: ${JSON.stringify(parsed.error.issues)}`);
          expect(encodings(codec, parsed.data, true)).toStrictEqual(encodings(codec, parsed.data, false));
        }),
        { numRuns: 100 },
      );
    });

    const notPlainHere = [...neither, ...(name === 'json' ? msgpackOnly : [])];
    it.each(notPlainHere)('walks the values of a schema past the line (%s): skipping would change the wire', (_label, schema, values) => {
      expect(isPlainSchema(schema, codec.name)).toBe(false);
      // Some value of the schema encodes differently without the walk: the decision is not a formality.
      const differs = fc.sample(values, 50).some((v) => {
        const parsed = schema.safeParse(v);
        return parsed.success && !isDeepStrictEqual(encodeOrError(codec, parsed.data, true), encodings(codec, parsed.data, false));
      });
      expect(differs).toBe(true);
    });
  });
});
