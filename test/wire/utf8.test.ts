import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidUtf8, Utf8Validator } from '../../src/wire/index.js';
import { concat, isUtf8Prefix, splitAt } from './oracles.js';

const hex = (s: string): Uint8Array => Uint8Array.from(s.split(' ').filter(Boolean).map((b) => parseInt(b, 16)));

/** Invalid sequences from Autobahn section 6 and Markus Kuhn's stress test. */
const INVALID = [
  'c0 af', 'e0 80 af', 'f0 80 80 af', 'f8 88 80 80 af', 'fc 84 80 80 80 af', // overlong '/'
  'c1 bf', 'e0 9f bf', 'f0 8f bf bf', // maximal overlongs
  'ed a0 80', 'ed ad bf', 'ed ae 80', 'ed af bf', 'ed b0 80', 'ed be 80', 'ed bf bf', // lone surrogates
  'ed a0 80 ed b0 80', 'ed af bf ed bf bf', // paired surrogates
  'f4 90 80 80', 'f7 bf bf bf', 'f5 80 80 80', // above U+10FFFF
  '80', 'bf', '80 bf', '80 bf 80', // lonely continuation bytes
  'c0', 'c2 41', 'e1 80 41', 'f0 90 80 41', // missing continuation before a new character
  'fe', 'ff', 'fe fe ff ff',
  'ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64', // Autobahn 6.3.1
];

const VALID = [
  '', '00', '7f', 'c2 80', 'df bf', 'e0 a0 80', 'ef bf bf', 'ed 9f bf', 'ee 80 80', 'f0 90 80 80', 'f4 8f bf bf',
  'ef bf be', 'ef bf bf', 'f4 8f bf be', // noncharacters are valid (Autobahn 6.20+)
  'ce ba e1 bd b9 cf 83 ce bc ce b5', // "κόσμε"
];

/** Feed the fragments; the index of the fragment where write() first said false, or -1. */
function firstFailure(fragments: readonly Uint8Array[], v = new Utf8Validator()): number {
  for (let i = 0; i < fragments.length; i++) if (!v.write(fragments[i])) return i;
  return -1;
}

/** The fragment at which a validator that fails as early as possible must fail, or -1. */
function earliestFailure(fragments: readonly Uint8Array[]): number {
  for (let i = 0; i < fragments.length; i++) if (!isUtf8Prefix(concat(fragments.slice(0, i + 1)))) return i;
  return -1;
}

describe('isValidUtf8', () => {
  it('accepts valid and rejects invalid sequences', () => {
    for (const s of VALID) expect(isValidUtf8(hex(s)), s).toBe(true);
    for (const s of INVALID) expect(isValidUtf8(hex(s)), s).toBe(false);
  });

  it('agrees with buffer.isUtf8 on short and long inputs', () => {
    fc.assert(
      fc.property(utf8ish, (bytes) => {
        expect(isValidUtf8(bytes)).toBe(isUtf8(bytes));
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts an empty view of any buffer', () => {
    expect(isValidUtf8(new Uint8Array(0))).toBe(true);
    expect(isValidUtf8(Buffer.from('abc').subarray(3))).toBe(true);
  });
});

describe('Utf8Validator', () => {
  it('agrees with the whole-buffer check on the known vectors, fed at once and byte by byte', () => {
    for (const s of [...VALID, ...INVALID]) {
      const bytes = hex(s);
      const ok = isUtf8(bytes);
      const whole = new Utf8Validator();
      expect(whole.write(bytes) && whole.end(), s).toBe(ok);
      const v = new Utf8Validator();
      const bytewise = firstFailure(splitAt(bytes, [...bytes.keys()]), v) === -1 && v.end();
      expect(bytewise, s).toBe(ok);
    }
  });

  it('fails at the first byte that can no longer be valid, byte by byte', () => {
    for (const s of INVALID) {
      const bytes = hex(s);
      const pieces = splitAt(bytes, [...bytes.keys()]);
      expect(firstFailure(pieces), s).toBe(earliestFailure(pieces));
    }
  });

  it('fails fast in the middle of a message (Autobahn 6.4.1-6.4.4)', () => {
    const v = new Utf8Validator();
    expect(v.write(hex('ce ba e1 bd b9 cf 83 ce bc ce b5'))).toBe(true);
    expect(v.write(hex('f4 90 80 80'))).toBe(false);
    const w = new Utf8Validator();
    expect(w.write(hex('ce ba e1 bd b9 cf 83 ce bc ce b5 f4'))).toBe(true);
    expect(w.write(hex('90'))).toBe(false);
  });

  it('accepts code points split across fragments at every point', () => {
    const text = Buffer.from('aé€𝄞z\u{10ffff}\u{fffe}');
    for (let cut = 0; cut <= text.length; cut++) {
      for (let cut2 = cut; cut2 <= text.length; cut2++) {
        const v = new Utf8Validator();
        expect(firstFailure(splitAt(text, [cut, cut2]), v)).toBe(-1);
        expect(v.end()).toBe(true);
      }
    }
  });

  it('rejects a message that ends inside a code point, and resets after end()', () => {
    const v = new Utf8Validator();
    expect(v.write(hex('61 f0 9d 84'))).toBe(true);
    expect(v.end()).toBe(false);
    expect(v.write(hex('61'))).toBe(true);
    expect(v.end()).toBe(true);
  });

  it('stays failed until reset', () => {
    const v = new Utf8Validator();
    expect(v.write(hex('ff'))).toBe(false);
    expect(v.write(hex('61'))).toBe(false);
    expect(v.end()).toBe(false);
    expect(v.write(hex('61'))).toBe(true);
    v.write(hex('ff'));
    v.reset();
    expect(v.write(hex('61'))).toBe(true);
  });

  it('validates only bytes[start, end)', () => {
    const v = new Utf8Validator();
    expect(v.write(hex('ff 61 e2 82 ac ff'), 1, 5)).toBe(true);
    expect(v.write(hex('ff e2 82 ff'), 1, 3)).toBe(true);
    expect(v.write(hex('ac'))).toBe(true);
    expect(v.end()).toBe(true);
  });
});

/** Bytes likely to sit at interesting UTF-8 boundaries. */
const utf8ishByte = fc.oneof(
  fc.integer({ min: 0x00, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0xbf }),
  fc.constantFrom(0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfe, 0xff),
  fc.constantFrom(0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf),
);

/** Mostly valid text with a few stray or mutated bytes, and pure noise. */
const utf8ish = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }).map((s) => new Uint8Array(Buffer.from(s))),
  fc
    .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), fc.nat(), utf8ishByte)
    .map(([s, at, b]) => {
      const bytes = new Uint8Array(Buffer.from(s));
      bytes[at % bytes.length] = b;
      return bytes;
    }),
  fc.uint8Array({ maxLength: 24 }),
  fc.array(utf8ishByte, { maxLength: 24 }).map((a) => Uint8Array.from(a)),
  // long enough for the buffer.isUtf8 path (32 bytes and more), with one byte replaced
  fc
    .tuple(fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { minLength: 2, maxLength: 8 }), fc.nat(), utf8ishByte, fc.boolean())
    .map(([parts, at, b, mutate]) => {
      const bytes = new Uint8Array(Buffer.from(parts.join('')));
      if (mutate && bytes.length > 0) bytes[at % bytes.length] = b;
      return bytes;
    }),
);

describe('Utf8Validator properties', () => {
  it('agrees with buffer.isUtf8 however the bytes are split', () => {
    fc.assert(
      fc.property(utf8ish, fc.array(fc.nat({ max: 64 }), { maxLength: 6 }), (bytes, cuts) => {
        const v = new Utf8Validator();
        const ok = firstFailure(splitAt(bytes, cuts), v) === -1 && v.end();
        expect(ok).toBe(isUtf8(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it('reports the failure at the earliest possible fragment', () => {
    fc.assert(
      fc.property(utf8ish, fc.array(fc.nat({ max: 64 }), { maxLength: 8 }), (bytes, cuts) => {
        const pieces = splitAt(bytes, cuts);
        expect(firstFailure(pieces)).toBe(earliestFailure(pieces));
      }),
      { numRuns: 5000 },
    );
  });

  it('fails at exactly the first impossible byte when fed byte by byte', () => {
    fc.assert(
      fc.property(utf8ish, (bytes) => {
        const pieces = splitAt(bytes, [...bytes.keys()]);
        expect(firstFailure(pieces)).toBe(earliestFailure(pieces));
      }),
      { numRuns: 2000 },
    );
  });
});
