import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createHeader,
  headerSize,
  MAX_HEADER_SIZE,
  ProtocolError,
  readHeader,
  TooBigError,
  writeHeader,
} from '../../src/wire/index.js';
import type { FrameHeader } from '../../src/wire/index.js';
import { buildFrame } from '../helpers/frame-builder.js';
import { errorOf } from '../helpers/error-of.js';

function decode(bytes: Uint8Array, offset = 0): { size: number; h: FrameHeader } {
  const h = createHeader();
  return { size: readHeader(bytes, offset, h), h };
}

describe('readHeader', () => {
  it('decodes FIN, RSV bits and opcode of the first byte', () => {
    for (let b0 = 0; b0 < 256; b0++) {
      const { size, h } = decode(Uint8Array.of(b0, 0));
      expect(size).toBe(2);
      expect([h.fin, h.rsv1, h.rsv2, h.rsv3, h.opcode]).toEqual([
        (b0 & 0x80) !== 0,
        (b0 & 0x40) !== 0,
        (b0 & 0x20) !== 0,
        (b0 & 0x10) !== 0,
        b0 & 0x0f,
      ]);
    }
  });

  it('decodes 7-bit lengths 0-125', () => {
    for (let len = 0; len <= 125; len++) {
      const { size, h } = decode(Uint8Array.of(0x82, len));
      expect(size).toBe(2);
      expect(h.length).toBe(len);
      expect(h.masked).toBe(false);
    }
  });

  it('decodes 16-bit lengths (126 marker)', () => {
    expect(decode(Uint8Array.of(0x82, 126, 0x00, 0x7e)).h.length).toBe(126);
    expect(decode(Uint8Array.of(0x82, 126, 0xff, 0xff)).h.length).toBe(65535);
    expect(decode(Uint8Array.of(0x82, 126, 0x12, 0x34)).size).toBe(4);
  });

  it('decodes 64-bit lengths (127 marker)', () => {
    expect(decode(Uint8Array.of(0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0))).toMatchObject({ size: 10, h: { length: 65536 } });
    expect(decode(Uint8Array.of(0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0)).h.length).toBe(2 ** 32);
    expect(decode(Uint8Array.of(0x82, 127, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)).h.length).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('accepts a non-minimal length encoding, as ws and browsers do', () => {
    expect(decode(Uint8Array.of(0x82, 126, 0, 5)).h.length).toBe(5);
    expect(decode(Uint8Array.of(0x82, 127, 0, 0, 0, 0, 0, 0, 0, 5)).h.length).toBe(5);
  });

  it('reads the masking key after the length', () => {
    const { size, h } = decode(Uint8Array.of(0x81, 0x80 | 126, 0x01, 0x00, 0xa1, 0xb2, 0xc3, 0xd4));
    expect(size).toBe(8);
    expect(h.masked).toBe(true);
    expect(h.length).toBe(256);
    expect([...h.mask]).toEqual([0xa1, 0xb2, 0xc3, 0xd4]);
  });

  it('rejects a 64-bit length with the most significant bit set (1002)', () => {
    const err = errorOf(() => decode(Uint8Array.of(0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0)));
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err).not.toBeInstanceOf(TooBigError);
    expect(err).toMatchObject({ code: 'ERR_LENGTH', closeCode: 1002 });
  });

  it('rejects lengths above Number.MAX_SAFE_INTEGER (1009)', () => {
    for (const b of [Uint8Array.of(0x82, 127, 0, 0x20, 0, 0, 0, 0, 0, 0), Uint8Array.of(0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)]) {
      const err = errorOf(() => decode(b));
      expect(err).toBeInstanceOf(TooBigError);
      expect(err).toMatchObject({ code: 'ERR_FRAME_TOO_BIG', closeCode: 1009 });
    }
  });

  it('says "need more" (0) for every incomplete prefix without throwing', () => {
    const frames = [
      buildFrame({ opcode: 1, payload: 'hi' }),
      buildFrame({ opcode: 1, payload: 'hi', mask: true }),
      buildFrame({ opcode: 2, payload: new Uint8Array(300), mask: true }),
      buildFrame({ opcode: 2, payload: new Uint8Array(70000), mask: true }),
      Uint8Array.of(0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0),
    ];
    for (const f of frames) {
      const full = f[1] & 0x7f;
      const size = (full === 126 ? 4 : full === 127 ? 10 : 2) + (f[1] & 0x80 ? 4 : 0);
      for (let cut = 0; cut < size; cut++) expect(decode(f.subarray(0, cut)).size).toBe(0);
    }
  });

  it('decodes at an offset, where the bytes lie', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xff, 0xff]), buildFrame({ opcode: 9, payload: 'abc', mask: Uint8Array.of(1, 2, 3, 4) })]);
    const { size, h } = decode(bytes, 3);
    expect(size).toBe(6);
    expect(h).toMatchObject({ fin: true, opcode: 9, masked: true, length: 3 });
    expect([...h.mask]).toEqual([1, 2, 3, 4]);
    expect(decode(bytes, bytes.length - 1).size).toBe(0);
    expect(decode(bytes, bytes.length + 5).size).toBe(0);
  });

  it('fills the header object it is given instead of allocating one', () => {
    const h = createHeader();
    const mask = h.mask;
    readHeader(Uint8Array.of(0x88, 0x82, 9, 8, 7, 6, 0, 0), 0, h);
    expect(h.mask).toBe(mask);
    expect(h).toMatchObject({ opcode: 8, length: 2, masked: true });
  });
});

describe('headerSize / writeHeader', () => {
  const cases: [number, number][] = [
    [0, 2],
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
    [2 ** 32, 10],
    [Number.MAX_SAFE_INTEGER, 10],
  ];

  it('uses the minimal length encoding', () => {
    for (const [length, size] of cases) {
      expect(headerSize({ length, masked: false })).toBe(size);
      expect(headerSize({ length, masked: true })).toBe(size + 4);
      const out = new Uint8Array(MAX_HEADER_SIZE);
      expect(writeHeader(createHeader({ length }), out)).toBe(size);
      expect(out[1]).toBe(size === 2 ? length : size === 4 ? 126 : 127);
    }
  });

  it('writes the bytes the RFC describes', () => {
    const out = new Uint8Array(20).fill(0xee);
    const h = createHeader({ fin: false, rsv1: true, rsv3: true, opcode: 2, masked: true, mask: Uint8Array.of(1, 2, 3, 4), length: 258 });
    expect(writeHeader(h, out, 3)).toBe(8);
    expect([...out.subarray(0, 12)]).toEqual([0xee, 0xee, 0xee, 0x52, 0x80 | 126, 0x01, 0x02, 1, 2, 3, 4, 0xee]);
    const big = new Uint8Array(10);
    writeHeader(createHeader({ opcode: 1, length: 2 ** 40 + 5 }), big);
    expect([...big]).toEqual([0x81, 127, 0, 0, 1, 0, 0, 0, 0, 5]);
  });

  it('rejects lengths that cannot be encoded', () => {
    const out = new Uint8Array(MAX_HEADER_SIZE);
    for (const length of [-1, 1.5, Number.NaN, 2 ** 53, Infinity]) {
      expect(() => writeHeader(createHeader({ length }), out)).toThrow(RangeError);
    }
  });
});

/** Lengths at and around every encoding boundary, plus anything in between. */
const length = fc.oneof(
  fc.constantFrom(0, 1, 124, 125, 126, 127, 65534, 65535, 65536, 65537, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 53 - 2, 2 ** 53 - 1),
  fc.nat({ max: 200 }),
  fc.integer({ min: 65000, max: 66000 }),
  fc.maxSafeNat(),
);

const anyHeader = fc.record({
  fin: fc.boolean(),
  rsv1: fc.boolean(),
  rsv2: fc.boolean(),
  rsv3: fc.boolean(),
  opcode: fc.integer({ min: 0, max: 15 }),
  masked: fc.boolean(),
  mask: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  length,
});

describe('header properties', () => {
  it('round-trips encode/decode across the length boundaries, at any offset', () => {
    fc.assert(
      fc.property(anyHeader, fc.nat({ max: 7 }), (h, offset) => {
        const out = new Uint8Array(offset + MAX_HEADER_SIZE + 3);
        const size = writeHeader(h, out, offset);
        expect(size).toBe(headerSize(h));
        const back = createHeader();
        expect(readHeader(out.subarray(0, offset + size), offset, back)).toBe(size);
        expect(back.masked ? back : { ...back, mask: h.mask }).toEqual(h);
        const early: number[] = [];
        for (let cut = offset; cut < offset + size; cut++) early.push(readHeader(out.subarray(0, cut), offset));
        expect(early.every((n) => n === 0)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('uses the smallest length field that holds the length', () => {
    fc.assert(
      fc.property(length, (len) => {
        const out = new Uint8Array(MAX_HEADER_SIZE);
        writeHeader(createHeader({ length: len }), out);
        const field = out[1] & 0x7f;
        expect(field).toBe(len <= 125 ? len : len <= 0xffff ? 126 : 127);
      }),
      { numRuns: 3000 },
    );
  });
});
