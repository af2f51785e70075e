import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  binaryFrame,
  closeFrame,
  Compiled,
  compileFrame,
  encodeFrame,
  FrameParser,
  maskFrame,
  maskKey,
  pingFrame,
  pongFrame,
  RSV1,
  textFrame,
} from '../../src/wire/index.js';
import type { FrameParserOptions } from '../../src/wire/index.js';
import { buildFrame, closePayload } from '../helpers/frame-builder.js';
import { concat } from './oracles.js';

/** Parse one frame from the given parts; header fields and the joined payload. */
function readBack(parts: readonly Uint8Array[], opts: FrameParserOptions) {
  const p = new FrameParser(opts);
  for (const part of parts) p.push(part.slice());
  expect(p.next()).toBe(FrameParser.HEADER);
  const { fin, rsv1, opcode, masked, length } = p.header;
  const pieces: Uint8Array[] = [];
  for (let r = p.next(); r === FrameParser.DATA; r = p.next()) pieces.push(p.data.slice());
  expect(p.buffered()).toBe(0);
  return { fin, rsv1, opcode, masked, length, payload: Buffer.from(concat(pieces)) };
}

describe('frame constructors', () => {
  it('builds final data frames', () => {
    const t = textFrame('héllo');
    expect(t.header).toMatchObject({ fin: true, opcode: 1, masked: false, length: 6 });
    expect(Buffer.from(t.payload).toString()).toBe('héllo');
    const bytes = Uint8Array.of(1, 2, 3);
    expect(textFrame(bytes).payload).toBe(bytes);
    const b = binaryFrame(bytes);
    expect(b.header).toMatchObject({ opcode: 2, length: 3 });
    expect(b.payload).toBe(bytes);
  });

  it('builds control frames', () => {
    expect(pingFrame().header).toMatchObject({ opcode: 9, length: 0, fin: true });
    expect(pongFrame(Uint8Array.of(7)).header).toMatchObject({ opcode: 10, length: 1 });
    expect(pingFrame(new Uint8Array(125)).header.length).toBe(125);
    const c = closeFrame(1001, 'bye');
    expect(c.header).toMatchObject({ opcode: 8, length: 5 });
    expect(Buffer.from(c.payload)).toEqual(closePayload(1001, 'bye'));
    expect(closeFrame().header.length).toBe(0);
  });

  it('refuses control frames a peer would have to reject', () => {
    expect(() => pingFrame(new Uint8Array(126))).toThrow(RangeError);
    expect(() => pongFrame(new Uint8Array(200))).toThrow(RangeError);
    expect(() => closeFrame(1005)).toThrow(RangeError);
    expect(() => closeFrame(1000, 'x'.repeat(124))).toThrow(RangeError);
  });

  it('compiles to the bytes of §5.2, masked on request without touching the payload', () => {
    expect(compileFrame(textFrame('Hello'))).toEqual(buildFrame({ opcode: 1, payload: 'Hello' }));
    const data = Buffer.alloc(300, 0x5a);
    const masked = maskFrame(binaryFrame(data));
    const out = compileFrame(masked);
    expect(out).toEqual(buildFrame({ opcode: 2, payload: data, mask: masked.header.mask }));
    expect(data.every((b) => b === 0x5a)).toBe(true);
    expect(readBack([out], { role: 'server' }).payload).toEqual(data);
  });

  it('refuses a frame whose header length does not match its payload', () => {
    const f = textFrame('abc');
    f.header.length = 4;
    expect(() => compileFrame(f)).toThrow(RangeError);
  });

  it('has precompiled server control frames with the right bytes', () => {
    expect(Compiled.ping).toEqual(buildFrame({ opcode: 9 }));
    expect(Compiled.pong).toEqual(buildFrame({ opcode: 10 }));
    expect(Compiled.closeEmpty).toEqual(buildFrame({ opcode: 8 }));
    const codes: [Buffer, number][] = [
      [Compiled.closeNormal, 1000],
      [Compiled.closeGoingAway, 1001],
      [Compiled.closeProtocolError, 1002],
      [Compiled.closeInvalidPayload, 1007],
      [Compiled.closeTooBig, 1009],
    ];
    for (const [bytes, code] of codes) expect(bytes).toEqual(buildFrame({ opcode: 8, payload: closePayload(code) }));
  });
});

describe('maskKey', () => {
  it('returns 4 fresh random bytes each time', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const k = maskKey();
      expect(k).toHaveLength(4);
      keys.add(Buffer.from(k).toString('hex'));
    }
    expect(keys.size).toBeGreaterThan(1990);
  });
});

describe('encodeFrame', () => {
  it('merges a small payload behind the header', () => {
    const parts = encodeFrame(1, 'Hello');
    expect(parts).toHaveLength(1);
    expect(Buffer.from(parts[0])).toEqual(buildFrame({ opcode: 1, payload: 'Hello' }));
  });

  it('returns header and payload separately for a large payload, without copying it', () => {
    const data = Buffer.alloc(70000, 1);
    const parts = encodeFrame(2, data, { fin: false, rsv1: true });
    expect(parts).toHaveLength(2);
    expect(parts[1]).toBe(data);
    expect([...parts[0]]).toEqual([0x42, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
  });

  it('copies a payload behind the header up to 4082 bytes (one 4 KiB buffer) and never beyond', () => {
    expect(encodeFrame(2, new Uint8Array(4082))).toHaveLength(1);
    const data = new Uint8Array(4083);
    const parts = encodeFrame(2, data);
    expect(parts).toHaveLength(2);
    expect(parts[1]).toBe(data);
    expect(encodeFrame(1, 'x'.repeat(4083))).toHaveLength(2);
  });

  it('masks a copy when the caller keeps the payload', () => {
    const data = Buffer.alloc(10000, 7);
    const parts = encodeFrame(2, data, { mask: true });
    expect(parts).toHaveLength(1);
    expect(data.every((b) => b === 7)).toBe(true);
    expect(readBack(parts, { role: 'server' }).payload).toEqual(data);
  });

  it('masks in place when the caller gives the payload up', () => {
    const data = Buffer.alloc(10000, 7);
    const parts = encodeFrame(2, data, { mask: true, ownsPayload: true });
    expect(parts).toHaveLength(2);
    expect(parts[1]).toBe(data);
    expect(data.some((b) => b !== 7)).toBe(true);
    expect(readBack(parts, { role: 'server' }).payload).toEqual(Buffer.alloc(10000, 7));
  });

  it('uses a fresh key for every masked frame', () => {
    const a = encodeFrame(1, 'same', { mask: true })[0];
    const b = encodeFrame(1, 'same', { mask: true })[0];
    expect(a.subarray(2, 6)).not.toEqual(b.subarray(2, 6));
  });

  it('refuses control frames that are too long or fragmented', () => {
    expect(() => encodeFrame(9, new Uint8Array(126))).toThrow(RangeError);
    expect(() => encodeFrame(8, 'x'.repeat(126))).toThrow(RangeError);
    expect(() => encodeFrame(10, new Uint8Array(1), { fin: false })).toThrow(RangeError);
    expect(encodeFrame(9, new Uint8Array(125))[0]).toHaveLength(127);
  });

  it('round-trips through the parser for any payload, opcode and options', () => {
    const big = [4081, 4082, 4083, 65535, 65536, 100000].map((n) => new Uint8Array(n).map((_, i) => i & 0xff));
    const payload = fc.oneof(
      { weight: 6, arbitrary: fc.uint8Array({ maxLength: 300 }) },
      { weight: 3, arbitrary: fc.string({ maxLength: 100 }) },
      { weight: 1, arbitrary: fc.constantFrom(...big).map((b) => b.slice()) },
      { weight: 1, arbitrary: fc.constantFrom(4082, 65536).map((n) => 'é'.repeat(n >> 1)) },
    );
    fc.assert(
      fc.property(payload, fc.constantFrom(1, 2), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean(), (data, opcode, fin, rsv1, masked, owns) => {
        const original = Buffer.from(data);
        const parts = encodeFrame(opcode, data, { fin, rsv1, mask: masked, ownsPayload: owns });
        if (!(masked && owns) && typeof data !== 'string') expect(original.equals(data)).toBe(true);
        const { payload: got, ...h } = readBack(parts, { role: masked ? 'server' : 'client', rsv: RSV1 });
        expect(h).toEqual({ fin, rsv1, opcode, masked, length: original.length });
        expect(got.equals(original)).toBe(true);
        const size = (masked ? 4 : 0) + (h.length < 126 ? 2 : h.length < 65536 ? 4 : 10);
        expect(parts.reduce((n, p) => n + p.length, 0)).toBe(h.length + size);
      }),
      { numRuns: 1000 },
    );
  });
});
