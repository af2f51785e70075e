/**
 * The answer to a publish request is written by hand (position-result.ts):
 * byte for byte what the codec's `result` gives for { epoch, offset }, for
 * any id, epoch and offset, in both codecs, across epoch changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonEnvelope } from '../../src/rpc/codec-json.js';
import { msgpackEnvelope } from '../../src/rpc/codec-msgpack.js';
import { positionResult } from '../../src/rpc/position-result.js';

function same(a: string | Uint8Array, b: string | Uint8Array): void {
  expect(typeof a === 'string' ? a : Buffer.from(a)).toEqual(typeof b === 'string' ? b : Buffer.from(b));
}

const widths = [0, 1, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER];
const id = fc.oneof(fc.integer({ min: 1, max: 200 }), fc.constantFrom(...widths.filter((n) => n > 0)), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
const offset = fc.oneof(fc.nat(300), fc.constantFrom(...widths), fc.maxSafeNat());
const epoch = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('0123456789abcdef', 'é', '🙂'.repeat(20), 'x'.repeat(300)));

describe('the answer to a publish request', () => {
  it('is the codec result of { epoch, offset }, byte for byte, in both codecs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(id, epoch, offset), { minLength: 1, maxLength: 6 }), (answers) => {
        for (const [i, e, o] of answers) {
          for (const codec of [msgpackEnvelope, jsonEnvelope]) {
            same(positionResult(codec, i, { epoch: e, offset: o }), codec.result(i, { epoch: e, offset: o }, true));
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('follows a change of epoch and back', () => {
    for (const e of ['a', 'bb', 'a', 'é', 'a']) {
      for (const codec of [msgpackEnvelope, jsonEnvelope]) same(positionResult(codec, 7, { epoch: e, offset: 300 }), codec.result(7, { epoch: e, offset: 300 }, true));
    }
  });
});
