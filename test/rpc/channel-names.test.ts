/** ChannelNames remembers the names of one-property keys: always channelName's text, whatever the schema and key. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ChannelNames } from '../../src/rpc/channel-names.js';
import type { Schema } from '../../src/rpc/service.js';
import { channelName } from '../../src/rpc/topic.js';

const schemas: [string, Schema][] = [
  ['one string', z.object({ room: z.string() })],
  ['one number', z.object({ n: z.number() })],
  ['strict', z.strictObject({ room: z.string().trim() })],
  ['two properties', z.object({ a: z.string(), b: z.number() })],
  ['loose', z.looseObject({ room: z.string() })],
  ['optional', z.object({ room: z.string().optional() })],
  ['union', z.object({ room: z.union([z.string(), z.number()]) })],
  ['refined', z.object({ room: z.string() }).refine((k) => k.room !== 'x')],
  ['transformed', z.object({ room: z.string() }).transform((k) => ({ room: k.room, at: 1 }))],
  ['string', z.string()],
];

const value = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -3, max: 3 }), fc.double(), fc.constant(-0));

describe('channel names of validated keys', () => {
  it('are channelName of the key for every schema, remembered or not, in any order of keys', () => {
    for (const [what, schema] of schemas) {
      const names = new ChannelNames('t', schema);
      fc.assert(
        fc.property(fc.array(fc.dictionary(fc.constantFrom('room', 'n', 'a', 'b', 'at'), value, { maxKeys: 3 }), { maxLength: 20 }), (raws) => {
          for (const raw of raws) {
            const parsed = schema.safeParse(raw);
            if (!parsed.success) continue;
            expect(names.of(parsed.data), what).toBe(channelName('t', parsed.data));
          }
        }),
        { numRuns: 200 },
      );
    }
  });

  it('stay right past the number remembered', () => {
    const names = new ChannelNames('t', z.object({ room: z.string() }));
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 10_000; i++) expect(names.of({ room: `r${i}` })).toBe(`t:{"room":"r${i}"}`);
    }
  });
});
