import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReadBuffer, mask } from '../../src/wire/index.js';
import { SIMD_WINDOW, simd } from '../../src/wire/mask-simd.js';
import { maskJs, maskNative, maskRange, maskSimd, maskTo } from '../../src/wire/mask.js';
import { nativeUnmask } from '../../src/wire/mask-native.js';

/** mask() and each of its paths available here, which must all agree with the reference. */
const paths = nativeUnmask === null ? { mask, maskJs, maskSimd } : { mask, maskJs, maskSimd, maskNative };
import { maskReference } from './oracles.js';

const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** `length` bytes at byte offset `align` of a fresh backing buffer, filled with a pattern. */
function placed(length: number, align: number): Uint8Array {
  const backing = new Uint8Array(length + align + 8);
  for (let i = 0; i < backing.length; i++) backing[i] = (i * 151 + 7) & 0xff;
  return backing.subarray(align, align + length);
}

/** Where any mask path disagrees with the reference, over `lengths`, alignments 0-7 and key offsets 0-3. */
function pathMismatches(lengths: readonly number[]): string[] {
  const wrong: string[] = [];
  for (const [name, fn] of Object.entries(paths)) {
    for (const length of lengths) {
      for (let align = 0; align < 8; align++) {
        for (let offset = 0; offset < 4; offset++) {
          const bytes = placed(length, align);
          const expected = maskReference(bytes, key, offset);
          fn(bytes, key, offset);
          if (Buffer.compare(bytes, expected) !== 0) wrong.push(`${name}: length ${length} align ${align} offset ${offset}`);
        }
      }
    }
  }
  return wrong;
}

describe('mask (RFC 6455 §5.3)', () => {
  it('matches the byte-by-byte reference on every path, for every length 0-300, alignment 0-7 and key offset 0-3', () => {
    expect(pathMismatches(Array.from({ length: 301 }, (_, i) => i))).toEqual([]);
  });

  it('compiles the WebAssembly SIMD kernel and finds the bufferutil dev dependency on this runtime', () => {
    expect(simd).not.toBeNull();
    expect(nativeUnmask !== null).toBe(!process.env.ZWIRE_NO_BUFFER_UTIL);
  });

  it('matches the reference around the SIMD threshold and window edges, at every alignment and key offset', () => {
    const lengths = [1000, 1023, 1024, 1025, 1087, 1088, 1089, SIMD_WINDOW - 1, SIMD_WINDOW, SIMD_WINDOW + 1, SIMD_WINDOW + 64, 2 * SIMD_WINDOW + 63];
    expect(pathMismatches(lengths)).toEqual([]);
  });

  it('masks bytes in a read buffer in place, like the reference, at every length, alignment and key offset', () => {
    const arena = createReadBuffer(64 * 1024);
    const wrong: string[] = [];
    const lengths = [...Array.from({ length: 300 }, (_, i) => i), 1023, 1024, 4099, 20000, 65536 - 8];
    for (const length of lengths) {
      for (let align = 0; align < 8; align++) {
        for (let offset = 0; offset < 4; offset++) {
          for (let i = 0; i < length + 16; i++) arena[i] = (i * 151 + length) & 0xff;
          const before = Buffer.from(arena.subarray(0, length + 16));
          const bytes = arena.subarray(align, align + length);
          const expected = maskReference(bytes, key, offset);
          mask(bytes, key, offset);
          if (Buffer.compare(bytes, expected) !== 0) wrong.push(`length ${length} align ${align} offset ${offset}`);
          const outside = [...arena.subarray(0, align), ...arena.subarray(align + length, length + 16)];
          if (outside.join() !== [...before.subarray(0, align), ...before.subarray(align + length)].join()) {
            wrong.push(`length ${length} align ${align}: bytes outside the view changed`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('gives read buffers of the requested size and refuses bad sizes', () => {
    expect(createReadBuffer(100)).toHaveLength(100);
    expect(createReadBuffer(200_000)).toHaveLength(200_000);
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => createReadBuffer(size)).toThrow(RangeError);
  });

  it('maskRange masks exactly bytes[from, to) from key position 0, below and above the SIMD threshold', () => {
    for (const length of [0, 1, 3, 4, 5, 63, 64, 65, 200]) {
      for (let from = 0; from < 6; from++) {
        const backing = placed(length + from + 5, 0);
        const expected = Uint8Array.from(backing);
        expected.set(maskReference(backing.subarray(from, from + length), key, 0), from);
        maskRange(backing, from, from + length, key);
        expect(Array.from(backing), `length ${length} from ${from}`).toEqual(Array.from(expected));
      }
    }
  });

  it('touches no byte outside the view', () => {
    const backing = new Uint8Array(4096).fill(0xaa);
    mask(backing.subarray(3, 4093), key, 1);
    expect([...backing.subarray(0, 3), ...backing.subarray(4093)]).toEqual(new Array(6).fill(0xaa));
  });

  it('treats offset as a position in the key stream, however large', () => {
    const bytes = placed(100, 1);
    const expected = maskReference(bytes, key, 3);
    mask(bytes, key, 2 ** 40 + 3);
    expect(bytes).toEqual(expected);
  });

  it('unmasks a large payload (word-wide and SIMD paths) like the reference', () => {
    for (const length of [1024, 4099, 65536, 65537, 1 << 20]) {
      const bytes = placed(length, length & 7);
      const expected = maskReference(bytes, key, 1);
      mask(bytes, key, 1);
      expect(Buffer.compare(bytes, expected)).toBe(0);
    }
  });

  it('works on a Buffer from Node\'s shared pool', () => {
    const buf = Buffer.from('hello websocket world, masked in place');
    const expected = maskReference(buf, key, 0);
    mask(buf, key);
    expect(Buffer.compare(buf, expected)).toBe(0);
  });
});

describe('maskTo: unmask while copying', () => {
  /** Check maskTo(src at srcAlign, into dst at `at`) against the reference; returns what went wrong. */
  function check(length: number, srcAlign: number, at: number, offset: number): string | null {
    const src = placed(length, srcAlign);
    const before = Buffer.from(src);
    const dst = new Uint8Array(length + at + 5).fill(0xaa);
    maskTo(src, key, offset, dst, at);
    if (Buffer.compare(src, before) !== 0) return 'source changed';
    if (Buffer.compare(dst.subarray(at, at + length), maskReference(before, key, offset)) !== 0) return 'wrong bytes';
    if ([...dst.subarray(0, at), ...dst.subarray(at + length)].some((b) => b !== 0xaa)) return 'bytes outside the target changed';
    return null;
  }

  it('writes the reference into the target and leaves the source, at every length 0-300, alignment and key offset', () => {
    const wrong: string[] = [];
    for (let length = 0; length <= 300; length++) {
      for (let align = 0; align < 8; align++) {
        for (let offset = 0; offset < 4; offset++) {
          const why = check(length, align, (align * 3) & 7, offset);
          if (why) wrong.push(`length ${length} align ${align} offset ${offset}: ${why}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('does the same on long inputs (native and SIMD window paths)', () => {
    const wrong: string[] = [];
    for (const length of [1023, 1024, 1025, SIMD_WINDOW - 1, SIMD_WINDOW + 1, 2 * SIMD_WINDOW + 63, 65536, 65550, 1 << 20]) {
      for (const [align, at] of [[0, 0], [1, 6], [3, 0], [7, 5]]) {
        for (let offset = 0; offset < 4; offset++) {
          const why = check(length, align, at, offset + 4 * length);
          if (why) wrong.push(`length ${length} align ${align} at ${at} offset ${offset}: ${why}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses a target the bytes do not fit in', () => {
    expect(() => maskTo(new Uint8Array(10), key, 0, new Uint8Array(12), 3)).toThrow(RangeError);
    expect(() => maskTo(new Uint8Array(2000), key, 0, new Uint8Array(2000), 1)).toThrow(RangeError);
    expect(() => maskTo(new Uint8Array(1), key, 0, new Uint8Array(4), -1)).toThrow(RangeError);
  });

  it('equals the reference for any data, alignment, target position and key offset', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 5000 }),
        fc.nat({ max: 15 }),
        fc.nat({ max: 40 }),
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.nat(),
        (data, align, at, k, offset) => {
          const src = new Uint8Array(data.length + align).subarray(align);
          src.set(data);
          const dst = new Uint8Array(data.length + at);
          maskTo(src, k, offset, dst, at);
          expect(Buffer.compare(dst.subarray(at), maskReference(data, k, offset))).toBe(0);
          expect(Buffer.compare(src, data)).toBe(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('mask properties', () => {
  const args = fc.record({
    data: fc.uint8Array({ maxLength: 2100 }),
    align: fc.nat({ max: 15 }),
    key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    offset: fc.oneof(fc.nat({ max: 7 }), fc.nat()),
  });

  it('equals the byte-by-byte reference at every offset and alignment, on every path', () => {
    fc.assert(
      fc.property(args, fc.constantFrom(...Object.values(paths)), ({ data, align, key: k, offset }, fn) => {
        const bytes = new Uint8Array(data.length + align).subarray(align);
        bytes.set(data);
        fn(bytes, k, offset);
        expect(Buffer.compare(bytes, maskReference(data, k, offset))).toBe(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('is its own inverse', () => {
    fc.assert(
      fc.property(args, ({ data, align, key: k, offset }) => {
        const bytes = new Uint8Array(data.length + align).subarray(align);
        bytes.set(data);
        mask(bytes, k, offset);
        mask(bytes, k, offset);
        expect(Buffer.compare(bytes, data)).toBe(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('equals the reference on long inputs (several SIMD windows), on every path', () => {
    const long = fc.record({
      length: fc.integer({ min: 1024, max: 3 * SIMD_WINDOW + 200 }),
      align: fc.nat({ max: 15 }),
      key: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      offset: fc.nat(),
      seed: fc.integer({ min: 1, max: 255 }),
    });
    fc.assert(
      fc.property(long, fc.constantFrom(...Object.values(paths)), ({ length, align, key: k, offset, seed }, fn) => {
        const backing = new Uint8Array(length + align + 4).map((_, i) => (i * seed) & 0xff);
        const bytes = backing.subarray(align, align + length);
        const before = backing.slice();
        const expected = maskReference(bytes, k, offset);
        fn(bytes, k, offset);
        expect(Buffer.compare(bytes, expected)).toBe(0);
        expect(Buffer.compare(backing.subarray(0, align), before.subarray(0, align))).toBe(0);
        expect(Buffer.compare(backing.subarray(align + length), before.subarray(align + length))).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the same result chunk by chunk as in one go', () => {
    fc.assert(
      fc.property(args, fc.array(fc.nat({ max: 2100 }), { maxLength: 6 }), ({ data, key: k, offset }, cuts) => {
        const whole = data.slice();
        mask(whole, k, offset);
        const chunked = data.slice();
        const points = [...new Set(cuts.filter((c) => c < data.length))].sort((a, b) => a - b);
        let from = 0;
        for (const to of [...points, data.length]) {
          mask(chunked.subarray(from, to), k, offset + from);
          from = to;
        }
        expect(chunked).toEqual(whole);
      }),
      { numRuns: 3000 },
    );
  });
});
