/** A topic key's channel is the same text for equal keys whatever their property order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { channelName, stableJson } from '../../src/rpc/topic.js';

/** JSON with sorted keys, the plain way: what stableJson must give. */
function sortedJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts = Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${sortedJson(obj[k])}`);
  return `{${parts.join(',')}}`;
}

/** The same object with its properties in reverse order, at every level. */
function reversed(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(reversed);
  const obj = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(obj).reverse().map((k) => [k, reversed(obj[k])]));
}

const keyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('channel names', () => {
  it('are the sorted-key JSON of the key, whatever the order of its properties', () => {
    fc.assert(
      fc.property(keyValue, (key) => {
        expect(stableJson(key)).toBe(sortedJson(key));
        expect(stableJson(reversed(key))).toBe(stableJson(key));
        expect(channelName('room', key)).toBe(`room:${sortedJson(key)}`);
      }),
      { numRuns: 500 },
    );
  });
});
